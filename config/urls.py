from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import Http404
from django.urls import include, path

from audit.views.home import home, start
from audit.views.subject_access import subject_access
from audit.views.transparency import transparency
from donations.views import monthly as monthly_views
from donations.views import online as online_donations
from donations.webhooks import stripe_webhook
from fund.health import health

# The admin has no sign-in form of its own: it sends people to the app's sign-in, which is
# rate-limited and asks for the second factor.
admin.site.login = secure_admin_login(admin.site.login)


def not_offered(request):
    raise Http404("Not offered on this site.")


urlpatterns = [
    path("", home, name="home"),
    path("start/", start, name="start"),
    path("donate/", online_donations.donate, name="donate"),
    path(
        "donate/thank-you/<uuid:public_id>/",
        online_donations.donate_thank_you,
        name="donate-thank-you",
    ),
    path("donate/manage/<str:token>/", monthly_views.donate_manage, name="donate-manage"),
    path("health/", health, name="health"),
    path("transparency/", transparency, name="transparency"),
    path("subject-access/", subject_access, name="subject-access"),
    path("stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    path("donations/", include("donations.urls")),
    path("grants/", include("grants.urls")),
    path("people/", include("people.urls")),
    path("banking/", include("banking.urls")),
    path("audit/", include("audit.urls")),
    # allauth 65.22 offers re-authentication by a code sent by e-mail. The second factor here
    # is the authenticator app, and an e-mailed code would let a stolen password stand in
    # for it: both pages answer 404 for everyone, ahead of allauth's own patterns.
    path(
        "accounts/reauthenticate/code/", not_offered, name="account_request_reauthentication_code"
    ),
    path(
        "accounts/reauthenticate/code/confirm/",
        not_offered,
        name="account_confirm_reauthentication_code",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "people.views.bad_request"
