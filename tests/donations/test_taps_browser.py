"""Contactless points in real Chromium, on a phone and a desktop, with axe on every page: a
terminal added at a point, a report refused then imported, the points page's figures."""

import re

import pytest

from donations.models import Tap
from donations.services.cash import collection_confirm
from fund.verification import verify_ledger
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.donations.conftest import at, record
from tests.donations.taps_helpers import MALFORMED, REPORT
from tests.fund.helpers import balance


def check(page):
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def csv_file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_terminals_added_a_report_refused_then_imported_and_the_points_page(
    browse, officer, officer2, cafe, pharmacy, public_fund, width
):
    collection_confirm(
        actor=officer2, collection=record(officer, cafe, "100.00", when=at(2026, 11, 2))
    )
    page = browse(officer, width=width, path="/donations/cash/points/")
    check(page)
    for point, terminal in (("Corner Café", "TID-CAFE"), ("Grainger Pharmacy", "TID-PHARM")):
        page.get_by_role("link", name=f"Add a tap terminal at {point}").click()
        check(page)
        page.get_by_label("Card provider").select_option("SumUp")
        page.get_by_label("Terminal id").fill(terminal)
        page.get_by_role("button", name="Add terminal").click()
        page.wait_for_url("**/donations/cash/points/")
        assert f"SumUp terminal {terminal} added at {point}." in page.inner_text("main")

    page.get_by_role("link", name="Contactless taps").first.click()
    page.wait_for_url("**/donations/cash/taps/")
    check(page)
    page.get_by_label("Transaction report (CSV)").set_input_files(csv_file("bad.csv", MALFORMED))
    page.get_by_role("button", name="Import").click()
    assert "There is a problem" in page.inner_text("main")
    assert "Line 3: the amount 'thirty' is not an amount in pounds and pence." in page.inner_text(
        "main"
    )
    check(page)
    assert Tap.objects.count() == 0

    page.get_by_label("Transaction report (CSV)").set_input_files(csv_file("nov.csv", REPORT))
    page.get_by_label("Report layout").select_option("standard")
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/donations/cash/taps/")
    assert "nov.csv: 3 new taps of 3 (£65.01, fees £1.15); 0 already held." in page.inner_text(
        "main"
    )
    check(page)
    assert balance("assets:card-provider", public_fund).amount.to_eng_string() == "63.86"

    page.goto("/donations/cash/points/")
    check(page)
    table = page.get_by_role("region", name="Cash and contactless by point").inner_text()
    assert re.search(r"Corner Café\s+1\s+£100\.00\s+2\s+£35\.00\s+£135\.00", table)
    assert re.search(r"Grainger Pharmacy\s+0\s+£0\.00\s+1\s+£30\.01\s+£30\.01", table)
    assert verify_ledger().ok
