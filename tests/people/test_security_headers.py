"""Production headers on every kind of page: CSP with nonces, HSTS, framing, caching,
cookies; and error pages that give nothing away."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.auth import give_authenticator, totp_code
from tests.conftest import PASSWORD

HSTS = "max-age=31536000; includeSubDomains; preload"


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def assert_security_headers(response):
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "https://checkout.stripe.com" in csp["form-action"]
    assert "'self'" in csp["form-action"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert any(s.startswith("'nonce-") for s in csp["script-src"])
    assert response["Strict-Transport-Security"] == HSTS
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def assert_not_stored(response):
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def get(client, path, **extra):
    return client.get(path, secure=True, **extra)


def test_public_page_headers(client, public_fund):
    response = get(client, reverse("donate"))

    assert response.status_code == 200
    assert_security_headers(response)
    assert "no-store" not in response.get("Cache-Control", "")


def test_sign_in_page_headers_and_cookies(client):
    response = get(client, reverse("account_login"))

    assert response.status_code == 200
    assert_security_headers(response)
    csrf = response.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"]


def test_signed_in_page_headers(client, officer):
    client.force_login(officer)

    response = get(client, "/")

    assert response.status_code == 200
    assert_security_headers(response)
    assert_not_stored(response)


def test_signed_in_file_download_is_not_stored(client, officer, collection_point):
    client.force_login(officer)

    response = get(
        client, reverse("donations:cash_point_poster", kwargs={"pk": collection_point.pk})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_not_stored(response)
    assert response["X-Content-Type-Options"] == "nosniff"


def test_two_factor_pages_are_not_stored(client, officer):
    give_authenticator(officer)
    response = client.post(
        reverse("account_login"), {"login": officer.username, "password": PASSWORD}, secure=True
    )
    page = get(client, response["Location"])

    assert page.status_code == 200
    assert_security_headers(page)
    assert "no-store" in page["Cache-Control"]


def test_the_session_cookie_is_host_only_secure_http_only_and_same_site(client, officer):
    give_authenticator(officer)
    client.post(
        reverse("account_login"), {"login": officer.username, "password": PASSWORD}, secure=True
    )
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, secure=True)

    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert not cookie["domain"]
    assert not cookie["expires"] or cookie["max-age"]


def test_each_page_gets_a_fresh_nonce_that_its_scripts_carry(client):
    first, second = get(client, reverse("account_login")), get(client, reverse("account_login"))
    nonces = []
    for response in (first, second):
        nonce = next(
            s[len("'nonce-") : -1]
            for s in csp_directives(response)["script-src"]
            if s.startswith("'nonce-")
        )
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_plain_http_is_sent_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(reverse("account_login"))

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_not_found_page_is_generic(client):
    response = get(client, "/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "urlpatterns" not in html and "Traceback" not in html
    assert_security_headers(response)


def test_a_signed_in_refusal_is_a_plain_403_page(client, partner):
    client.force_login(partner)

    response = get(client, "/")

    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()
    assert_security_headers(response)


@pytest.mark.urls("tests.people.urls_with_a_failing_view")
def test_server_error_page_gives_nothing_away(db):
    client = Client(raise_request_exception=False)

    response = client.get("/fails/", secure=True)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    for leak in ("Traceback", "RuntimeError", "CL-0001", "secret detail", "settings"):
        assert leak not in html


def test_a_form_posted_without_its_token_gets_a_plain_explanation(officer):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("account_login"), {"login": officer.username, "password": PASSWORD}, secure=True
    )

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session
