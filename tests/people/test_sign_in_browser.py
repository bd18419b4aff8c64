"""Two-factor sign-in and set-up in Chromium: accessible at phone and desktop widths, and
nothing left behind in the browser's storage."""

import re

import pytest

from tests.auth import give_authenticator, totp_code
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _password_step(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _storage_is_empty(page) -> bool:
    return page.evaluate("() => localStorage.length === 0 && sessionStorage.length === 0")


@pytest.mark.parametrize("width", [375, 1280])
def test_signing_in_with_two_factors_in_chromium(browse, officer, width):
    give_authenticator(officer)
    page = browse(width=width)

    _password_step(page, officer)
    page.wait_for_url("**/2fa/authenticate/")
    assert page.get_by_role("heading", name="Enter your security code").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_label("Security code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("alert").get_by_text("Incorrect code").is_visible()
    assert_accessible(page)

    page.get_by_label("Security code").fill(totp_code())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/2fa/" not in page.url and "/login/" not in page.url
    assert page.get_by_role("button", name=re.compile("Sign out")).is_visible()
    assert _storage_is_empty(page)


@pytest.mark.parametrize("width", [375, 1280])
def test_setting_up_two_factors_in_chromium(browse, officer, width):
    page = browse(width=width)

    _password_step(page, officer)
    page.wait_for_url("**/2fa/totp/activate/")
    assert page.get_by_role("heading", name="Set up two-factor authentication").is_visible()
    assert page.get_by_role("img", name="QR code to scan with your authenticator app").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    secret = page.locator(".app-secret").inner_text().strip()
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_url("**/2fa/recovery-codes/")
    assert page.get_by_role("heading", name="Recovery codes").is_visible()
    assert (
        page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem").count() == 10
    )
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    assert _storage_is_empty(page)

    page.get_by_role("button", name="I have saved my codes, continue").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="Funds", exact=True).is_visible()
