"""The period close page and the year-end pack page in real Chromium, with axe, at 375 and
1280 px."""

from datetime import date

import pytest

from tests.browser import check_page
from tests.fund.helpers import post


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_manager_checks_a_month_and_closes_it_with_a_reason(browse, manager, public_fund, width):
    page = browse(manager, width=width, path="/audit/period-close/")
    check_page(page)
    page.get_by_label("Fund").select_option(public_fund.code)
    page.get_by_label("Last day of the period").fill("2026-10-31")
    page.get_by_role("button", name="Check the period").click()
    assert "Not yet reconciled — no reconciliation recorded." in page.inner_text("main")
    check_page(page)

    page.get_by_role("button", name="Lock").click()
    assert "There is a problem" in page.inner_text("main")
    check_page(page)

    page.get_by_label("Why close the period").fill("Bank statement not in yet; checked online.")
    page.get_by_role("button", name="Lock").click()
    main = page.inner_text("main")
    assert "Bank statement not in yet; checked online." in main
    check_page(page)
    public_fund.refresh_from_db()
    assert public_fund.lock_date == date(2026, 10, 31)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_auditor_downloads_the_year_end_pack(browse, auditor, manager, public_fund, width):
    post(manager, public_fund, "assets:bank", "income:contributions", "10.00", on=date(2026, 5, 1))
    page = browse(auditor, width=width, path="/audit/year-end/")
    check_page(page)
    year = page.get_by_label("Financial year").input_value()
    response = page.request.get(f"/audit/year-end/download/?year_end={year}")
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"] == "application/zip"
    assert "year-end-pack_" in response.headers["content-disposition"]
