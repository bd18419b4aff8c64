"""Sign-in: password then a second factor for staff and key workers, throttling, sessions."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse

from tests.auth import give_authenticator, sign_in, totp_code
from tests.conftest import PASSWORD, force_login_without_second_factor
from tests.fund.helpers import call_demo_command, seed_demo_part

# A fixed instant, well inside one 30-second code window (…:10 past a multiple of 30).
NOW = 1_795_000_010.0
HOME = "/"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_password_alone_does_not_sign_in_a_fund_officer_with_an_authenticator(
    client, officer, frozen
):
    give_authenticator(officer)

    response = sign_in(client, officer, password=PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(HOME)["Location"].startswith(reverse("account_login"))


def test_password_and_code_sign_in(client, officer, frozen):
    give_authenticator(officer)

    response = sign_in(client, officer, password=PASSWORD, code=totp_code(at=NOW))

    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


def test_a_code_from_another_window_is_refused(client, officer, frozen):
    give_authenticator(officer)

    response = sign_in(client, officer, password=PASSWORD, code=totp_code(at=NOW - 60))

    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert client.get(HOME).status_code == 302


@pytest.mark.parametrize(
    "cache_backend",
    [
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.locmem.LocMemCache",
    ],
)
def test_a_used_code_is_refused_on_replay(client, officer, frozen, settings, cache_backend):
    settings.CACHES = {"default": {"BACKEND": cache_backend, "LOCATION": "django_cache"}}
    call_command("createcachetable")
    give_authenticator(officer)
    code = totp_code(at=NOW)
    sign_in(client, officer, password=PASSWORD, code=code)
    assert client.get(HOME).status_code == 200
    client.post(reverse("account_logout"))

    response = sign_in(client, officer, password=PASSWORD, code=code)

    assert "Incorrect code" in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_a_recovery_code_signs_in_once(client, officer, frozen):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    give_authenticator(officer)
    recovery_code = RecoveryCodes.activate(officer).generate_codes()[0]

    sign_in(client, officer, password=PASSWORD, code=recovery_code)
    assert client.get(HOME).status_code == 200
    client.post(reverse("account_logout"))

    response = sign_in(client, officer, password=PASSWORD, code=recovery_code)
    assert "Incorrect code" in response.content.decode()


def test_wrong_codes_are_throttled_even_before_a_right_one(client, officer, frozen):
    give_authenticator(officer)
    sign_in(client, officer, password=PASSWORD)
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(at=NOW)})

    assert "Too many" in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_wrong_passwords_are_throttled_on_the_app_sign_in(client, officer):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": officer.username, "password": "wrong"})

    response = client.post(
        reverse("account_login"), {"login": officer.username, "password": PASSWORD}
    )

    assert response.status_code in (200, 429)
    assert "Too many failed" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_has_no_password_form_of_its_own(client, officer):
    """The admin's sign-in hands over to the app's, so it is throttled and asks for two
    factors like every other sign-in."""
    for response in (
        client.get("/admin/login/?next=/admin/"),
        client.post("/admin/login/", {"username": officer.username, "password": PASSWORD}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_staff_without_an_authenticator_must_set_one_up_first(client, key_worker):
    response = sign_in(client, key_worker, password=PASSWORD)
    assert response.status_code == 302

    for path in (HOME, "/grants/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_activate_totp")


def test_setting_up_an_authenticator_shows_recovery_codes_and_opens_the_app(
    committing_db, client, officer, frozen
):
    # Committing: allauth announces the new authenticator after commit, and that is when
    # the session is marked as having passed the second factor.
    sign_in(client, officer, password=PASSWORD)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret, at=NOW)})

    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    assert codes_page.status_code == 200
    assert len(codes_page.context["unused_codes"]) == 10
    assert client.get(HOME).status_code == 200
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()


def test_staff_cannot_turn_two_factor_off(client, officer):
    give_authenticator(officer)
    client.force_login(officer)

    client.post(reverse("mfa_deactivate_totp"))

    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()


def test_a_session_without_the_second_factor_is_signed_out_once_an_authenticator_exists(
    client, officer
):
    give_authenticator(officer)
    force_login_without_second_factor(client, officer)

    response = client.get(HOME)

    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_a_partner_signs_in_with_a_password(client, partner):
    response = sign_in(client, partner, password=PASSWORD)

    assert response.status_code == 302
    assert response["Location"] != reverse("mfa_activate_totp")
    assert client.session["_auth_user_id"] == str(partner.pk)


def test_signing_in_issues_a_new_session_key(client, officer, frozen):
    give_authenticator(officer)
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, officer, password=PASSWORD, code=totp_code(at=NOW))

    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_an_idle_session_ends(client, officer, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    with time_machine.travel(NOW, tick=False) as traveller:
        client.force_login(officer)
        assert client.get(HOME).status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get(HOME).status_code == 200
        traveller.shift(timedelta(minutes=31))

        response = client.get(HOME)

    assert response["Location"].startswith(reverse("account_login"))
    assert Session.objects.count() <= 1  # only the fresh anonymous one, if any
    assert "_auth_user_id" not in client.session


def test_a_busy_session_still_ends_at_its_absolute_lifetime(client, officer, settings):
    settings.SESSION_ABSOLUTE_SECONDS = 8 * 60 * 60
    with time_machine.travel(NOW, tick=False) as traveller:
        client.force_login(officer)
        for _ in range(16):
            traveller.shift(timedelta(minutes=29))
            assert client.get(HOME).status_code == 200
        traveller.shift(timedelta(minutes=29))  # 8 h 13 min after sign-in

        response = client.get(HOME)

    assert response["Location"].startswith(reverse("account_login"))


def test_signing_out_deletes_the_session_on_the_server(client, officer):
    client.force_login(officer)
    key = client.session.session_key

    client.post(reverse("account_logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(HOME).status_code == 302


def test_deactivating_an_account_deletes_its_sessions(client, officer, officer2):
    client.force_login(officer)
    key = client.session.session_key
    other = type(client)()
    other.force_login(officer2)

    officer.is_active = False
    officer.save()

    assert not Session.objects.filter(session_key=key).exists()
    assert other.get(HOME).status_code == 200
    assert client.get(HOME).status_code == 302


def test_demo_accounts_have_the_published_authenticator(db, capsys):
    from people import demo

    call_demo_command("seed_demo")
    output = capsys.readouterr().out

    assert demo.DEMO_TOTP_SECRET in output
    assert "demo_code" in output
    for username, _role, _description in demo.DEMO_USERS:
        has_totp = Authenticator.objects.filter(
            user__username=username, type=Authenticator.Type.TOTP
        ).exists()
        assert has_totp == (username != "partner"), username


def test_a_demo_account_signs_in_with_the_printed_secret(client, db, settings):
    from people import demo

    seed_demo_part()  # the demo's accounts, without its year
    with time_machine.travel(NOW, tick=False):
        response = sign_in(
            client,
            type("U", (), {"username": "officer"})(),
            password=demo.DEMO_PASSWORD,
            code=totp_code(demo.DEMO_TOTP_SECRET, at=NOW),
        )
        assert response.status_code == 302
        assert client.get(HOME).status_code == 200

        settings.DEBUG = True
        from io import StringIO

        out = StringIO()
        call_command("demo_code", stdout=out)
        assert out.getvalue().strip() == totp_code(demo.DEMO_TOTP_SECRET, at=NOW)


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("officer", "/"),
        ("auditor", "/"),
        ("key_worker", "/grants/"),
        ("partner", "/audit/partner/"),
    ],
)
def test_each_role_lands_on_its_own_first_page_after_signing_in(client, request, persona, landing):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("start"))

    assert response.status_code == 302
    assert response["Location"] == landing
