"""The import, matching and reconciliation pages in real Chromium, checked with axe."""

import pytest

from tests.banking.conftest import PAID_IN_OUT
from tests.browser import check_page


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_import_match_and_reconciliation_pages(
    browse, officer, manager, public_fund, width, tmp_path
):
    page = browse(officer, width=width, path="/banking/")
    check_page(page)
    path = tmp_path / "nov.csv"
    path.write_text(PAID_IN_OUT)
    page.get_by_label("Statement file (OFX or CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state("load")
    assert "3 new lines" in page.inner_text("main")
    check_page(page)

    page.goto("/banking/lines/")
    check_page(page)
    page.get_by_role("link", name="ACCOUNT FEE").click()
    page.wait_for_load_state("load")
    check_page(page)

    page = browse(manager, width=width, path="/banking/reconciliation/?as_of=2026-11-30")
    assert page.get_by_test_id("difference").inner_text() == "-£1,115.00"
    check_page(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_a_suggested_match_is_confirmed_through_the_page(
    browse, officer, manager, restricted_fund, width
):
    from datetime import date

    from banking.models import BankAccount, Match, StatementLine
    from tests.banking.test_matching import load
    from tests.fund.helpers import post

    entry = post(
        manager,
        restricted_fund,
        "assets:bank",
        "income:contributions",
        "500.00",
        on=date(2026, 11, 20),
    )
    bank = BankAccount.objects.get(code="current")
    [line] = load(officer, bank, ("2026-11-23", "MHCLG RSI GRANT", "500.00"))

    page = browse(officer, width=width, path="/banking/lines/")
    check_page(page)
    page.get_by_role("link", name="MHCLG RSI GRANT").click()
    page.wait_for_load_state("load")
    assert "Contribution: " in page.inner_text("main")
    check_page(page)
    page.get_by_role("button", name="Confirm this match").click()
    page.wait_for_load_state("load")
    assert "Match confirmed." in page.inner_text("main")
    check_page(page)
    match = Match.objects.get(line=line)
    assert (match.kind, match.entry_id, match.confirmed_by) == ("contribution", entry.pk, officer)
    assert StatementLine.objects.count() == 1

    page.goto(f"/banking/lines/{line.pk}/")
    assert "Undo the match" in page.inner_text("main")
    check_page(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_the_csv_layouts_page(browse, manager, width):
    from banking.models import CsvLayout

    page = browse(manager, width=width, path="/banking/layouts/")
    check_page(page)
    page.get_by_label("Name").fill("coop-business")
    page.get_by_label("Heading rows before the first line").fill("2")
    page.get_by_label("Date format").select_option("month_first")
    page.get_by_label("Date column").fill("2")
    page.get_by_label("Description column").fill("4")
    page.get_by_label("How the amounts are shown").select_option("amount")
    page.get_by_label("Amount column (for one Amount column)").fill("3")
    page.get_by_label("Balance column").fill("3")
    page.get_by_role("button", name="Save layout").click()
    page.wait_for_load_state("load")
    assert (
        "Each column can hold only one thing: column 3 is given for both Amount and Balance."
        in page.inner_text("main")
    )
    check_page(page)
    page.get_by_label("Balance column").fill("5")
    page.get_by_role("button", name="Save layout").click()
    page.wait_for_load_state("load")
    assert "Layout coop-business saved" in page.inner_text("main")
    check_page(page)
    assert CsvLayout.objects.get().amount_column == 3
