from django.urls import path

from donations.views import cash, contributions, giftaid, monthly, online, taps

app_name = "donations"
urlpatterns = [
    # Online giving (staff)
    path("online/", online.online_list, name="online-list"),
    path("online/<int:pk>/", online.online_detail, name="online-detail"),
    path("online/<int:pk>/cancel/", monthly.monthly_cancel, name="monthly-cancel"),
    path("online/payments/<int:pk>/refund/", online.payment_refund, name="payment-refund"),
    path("online/events/", online.stripe_events, name="stripe-events"),
    path(
        "online/events/<int:pk>/retry/", online.stripe_event_retry_view, name="stripe-event-retry"
    ),
    path("payouts/", online.payout_list, name="payout-list"),
    path("stripe-balance/", online.stripe_checks, name="stripe-checks"),
    path("stripe-balance/check/", online.stripe_check_run, name="stripe-check-run"),
    path(
        "stripe-balance/findings/<int:pk>/post/",
        online.stripe_finding_post,
        name="stripe-finding-post",
    ),
    path("payouts/<int:pk>/", online.payout_detail, name="payout-detail"),
    # Contributions from services and funders (staff)
    path("contributions/", contributions.pledges, name="pledges"),
    path("contributions/<int:pk>/", contributions.pledge_detail, name="pledge"),
    path("contributions/<int:pk>/letter/", contributions.pledge_letter, name="pledge-letter"),
    path("contributions/<int:pk>/received/", contributions.pledge_receipt, name="pledge-receipt"),
    # Gift Aid (staff)
    path("gift-aid/", giftaid.gift_aid_claims, name="gift-aid"),
    path("gift-aid/claims/", giftaid.gift_aid_claim_run, name="gift-aid-claim-run"),
    path("gift-aid/claims/<int:pk>/", giftaid.gift_aid_claim_detail, name="gift-aid-claim"),
    path(
        "gift-aid/claims/<int:pk>/schedule.ods",
        giftaid.gift_aid_schedule_ods,
        name="gift-aid-schedule",
    ),
    path("gift-aid/template/", giftaid.gift_aid_template, name="gift-aid-template"),
    path(
        "gift-aid/claims/<int:pk>/repayment/",
        giftaid.gift_aid_repayment,
        name="gift-aid-repayment",
    ),
    # Cash: collection points, box counts and deposits (staff pages).
    path("cash/", cash.overview, name="cash_overview"),
    path("cash/points/", cash.point_list, name="cash_points"),
    path("cash/points/new/", cash.point_create, name="cash_point_create"),
    path("cash/points/<int:pk>/", cash.point_detail, name="cash_point"),
    path("cash/points/<int:pk>/edit/", cash.point_edit, name="cash_point_edit"),
    path("cash/points/<int:pk>/poster.pdf", cash.point_poster, name="cash_point_poster"),
    path("cash/points/<int:pk>/empty/", cash.collection_create, name="cash_collection_create"),
    path("cash/counts/", cash.count_list, name="cash_counts"),
    path("cash/collections/<int:pk>/", cash.collection_detail, name="cash_collection"),
    path(
        "cash/collections/<int:pk>/confirm/",
        cash.collection_confirm,
        name="cash_collection_confirm",
    ),
    path(
        "cash/collections/<int:pk>/return/", cash.collection_return, name="cash_collection_return"
    ),
    path(
        "cash/collections/<int:pk>/recount/",
        cash.collection_recount,
        name="cash_collection_recount",
    ),
    path(
        "cash/collections/<int:pk>/seal-review/",
        cash.collection_seal_review,
        name="cash_collection_seal_review",
    ),
    path("cash/in-transit/", cash.in_transit, name="cash_in_transit"),
    path("cash/deposits/new/", cash.deposit_create, name="cash_deposit_create"),
    path("cash/deposits/<int:pk>/", cash.deposit_detail, name="cash_deposit"),
    path("cash/deposits/<int:pk>/check/", cash.deposit_check, name="cash_deposit_check"),
    path("cash/yield/", cash.yield_report, name="cash_yield"),
    path("cash/gasds/", cash.gasds_report, name="cash_gasds"),
    # Contactless: tap terminals at the points and the provider's reports (staff pages).
    path("cash/taps/", taps.tap_import, name="taps"),
    path("cash/points/<int:pk>/terminal/", taps.tap_terminal_create, name="tap_terminal_create"),
    path("cash/gasds/<int:year>/claim/", giftaid.gasds_claim, name="gasds-claim"),
    path("cash/gasds/claims/<int:pk>/payment/", giftaid.gasds_payment, name="gasds-payment"),
]
