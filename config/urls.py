from django.contrib import admin
from django.urls import include, path

from donations.views import online as online_donations
from donations.webhooks import stripe_webhook

urlpatterns = [
    path("", include("fund.urls")),
    path("donate/", online_donations.donate, name="donate"),
    path(
        "donate/thank-you/<uuid:public_id>/",
        online_donations.donate_thank_you,
        name="donate-thank-you",
    ),
    path("stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    path("donations/", include("donations.urls")),
    path("grants/", include("grants.urls")),
    path("audit/", include("audit.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
