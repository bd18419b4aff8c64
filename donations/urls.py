from django.urls import path

from donations.views import online

app_name = "donations"
urlpatterns = [
    # Online giving (staff)
    path("online/", online.online_list, name="online-list"),
    path("online/<int:pk>/", online.online_detail, name="online-detail"),
    path("online/payments/<int:pk>/refund/", online.payment_refund, name="payment-refund"),
    path("payouts/", online.payout_list, name="payout-list"),
    path("payouts/<int:pk>/", online.payout_detail, name="payout-detail"),
    path("gift-aid/", online.gift_aid_claims, name="gift-aid"),
    path("gift-aid/claims/", online.gift_aid_claim_run, name="gift-aid-claim-run"),
    path("gift-aid/claims/<int:pk>/", online.gift_aid_claim_detail, name="gift-aid-claim"),
    path(
        "gift-aid/claims/<int:pk>/schedule.ods",
        online.gift_aid_schedule_ods,
        name="gift-aid-schedule",
    ),
]
