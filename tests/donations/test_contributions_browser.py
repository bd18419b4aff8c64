"""The contributions pages and the funds page's contributions, in Chromium with axe-core."""

import pytest

from tests.browser import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


def check(page):
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [375, 1280])
def test_a_manager_records_a_pledge_and_the_money_received(browse, width, manager, restricted_fund):
    page = browse(manager, width=width, path="/donations/contributions/")
    check(page)
    page.get_by_label("Funder").fill("City of Doncaster Council")
    page.get_by_label("Fund it goes to").select_option(label=restricted_fund.name)
    page.get_by_label("Amount pledged").fill("15000.00")
    page.get_by_label("Purpose (restricted funds)").fill("Help for people sleeping rough")
    page.get_by_label("Period from").fill("2026-04-01")
    page.get_by_label("Period to").fill("2027-03-31")
    page.get_by_label("Reference").fill("RSI-2026-01")
    page.get_by_role("button", name="Record the pledge").click()
    page.wait_for_url("**/donations/contributions/*/")
    assert "The pledge from City of Doncaster Council is recorded." in page.inner_text("main")
    check(page)
    page.get_by_label("Amount received").fill("6000.00")
    page.get_by_label("Date received").fill("2026-11-20")
    page.get_by_role("button", name="Post to the fund").click()
    page.wait_for_url("**/donations/contributions/*/")
    assert page.locator('[data-figure="outstanding"]').inner_text() == "£9,000.00"
    check(page)
    page.goto("/")
    assert "£6,000.00" in page.get_by_test_id("home-funders").inner_text()
    check(page)
