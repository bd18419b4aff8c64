"""The import, matching and reconciliation pages in real Chromium, checked with axe."""

import pytest

from tests.banking.conftest import PAID_IN_OUT
from tests.browser import assert_accessible, assert_no_horizontal_scroll


def check(page):
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_import_match_and_reconciliation_pages(
    browse, officer, manager, public_fund, width, tmp_path
):
    page = browse(officer, width=width, path="/banking/")
    check(page)
    path = tmp_path / "nov.csv"
    path.write_text(PAID_IN_OUT)
    page.get_by_label("Statement file (OFX or CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state("load")
    assert "3 new lines" in page.inner_text("main")
    check(page)

    page.goto("/banking/lines/")
    check(page)
    page.get_by_role("link", name="ACCOUNT FEE").click()
    page.wait_for_load_state("load")
    check(page)

    page = browse(manager, width=width, path="/banking/reconciliation/?as_of=2026-11-30")
    assert page.get_by_test_id("difference").inner_text() == "-£1,115.00"
    check(page)
