import pytest
from django.urls import reverse

from tests.auth import give_authenticator, totp_code
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.fund.helpers import post


def test_staff_home_shows_each_funds_real_balances(
    client, officer, manager, public_fund, restricted_fund
):
    post(manager, restricted_fund, "assets:bank", "income:contributions", "15000.00")
    post(
        manager,
        restricted_fund,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "70.00",
        discretionary=True,
    )
    post(officer, public_fund, "assets:cash-in-transit", "income:donations:boxes", "1234.56")
    client.force_login(officer)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Rough sleepers grant 2026/27" in page
    assert "£14,930.00" in page  # available in the restricted fund
    assert "£1,234.56" in page  # available in the public fund
    assert "£15,000.00" in page  # its bank balance
    assert response["Cache-Control"].count("no-store") == 1


def test_home_needs_a_staff_role(client, key_worker, partner):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    for user in (key_worker, partner):
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 403


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_home_page_in_chromium_is_accessible(browse, officer, public_fund, width):
    post(officer, public_fund, "assets:cash-in-transit", "income:donations:boxes", "12.50")
    page = browse(officer, width=width, path="/")

    assert page.get_by_role("heading", name="Funds", exact=True).is_visible()
    assert "£12.50" in page.inner_text("main")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.browser
def test_sign_in_page_in_chromium(browse, officer):
    give_authenticator(officer)
    page = browse(width=375, path="/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Username or email").fill(officer.username)
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/2fa/authenticate/")
    page.get_by_label("Security code").fill(totp_code())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="Funds", exact=True).is_visible()
