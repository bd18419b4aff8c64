"""The box round in real Chromium, on a phone and a desktop, with axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from donations.models import Collection, Deposit
from donations.services.cash import collection_confirm, collection_return, deposit_record
from fund.verification import verify_ledger
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.donations.conftest import gbp, make_points, record
from tests.fund.helpers import balance


def check(page):
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_count_confirm_and_bank_journey(
    browse, officer, officer2, officer3, cafe, public_fund, width
):
    # The first officer empties the box and records the count, by note and coin.
    page = browse(officer, width=width, path=f"/donations/cash/points/{cafe.pk}/")
    check(page)
    page.get_by_role("link", name="Empty this box").click()
    check(page)
    page.get_by_label("Seal number removed").fill("S-1001")
    page.get_by_label("New seal number fitted").fill("S-1002")
    page.get_by_label("Amount counted").fill("12.50")
    page.get_by_text("Count by note and coin (optional)").click()
    page.get_by_label("£10 notes").fill("1")
    page.get_by_label("£2 coins").fill("1")
    page.get_by_label("50p coins").fill("1")
    page.get_by_role("button", name="Record the count").click()
    page.wait_for_url(re.compile(r"/donations/cash/collections/\d+/$"))
    assert "A second fund officer now needs to confirm it" in page.inner_text("main")
    assert "a different fund officer must confirm" in page.inner_text("main")
    check(page)
    collection = Collection.objects.get()

    # A second officer confirms it from the list of counts waiting.
    page = browse(officer2, width=width, path="/donations/cash/counts/")
    check(page)
    page.get_by_role("link", name=re.compile("Corner Café, box B001")).click()
    check(page)
    page.get_by_role("button", name="Confirm £12.50").click()
    page.wait_for_url(f"**/donations/cash/collections/{collection.pk}/")
    assert "Count confirmed" in page.inner_text("main")
    check(page)
    assert balance("assets:cash-in-transit", public_fund) == gbp("12.50")

    # The cash is banked with a 50p shortfall.
    page.goto("/donations/cash/in-transit/")
    check(page)
    page.get_by_role("link", name="Record a deposit").click()
    check(page)
    page.get_by_label(re.compile("Corner Café, box B001")).check()
    page.get_by_label("Paying-in slip reference").fill("PI-4242")
    page.get_by_label("Amount banked").fill("12.00")
    page.get_by_role("button", name="Record the deposit").click()
    assert "There is a problem" in page.inner_text("main")  # a difference needs a reason
    check(page)
    page.get_by_label("Reason for any difference").fill("A foreign 50p coin")
    page.get_by_role("button", name="Record the deposit").click()
    page.wait_for_url(re.compile(r"/donations/cash/deposits/\d+/$"))
    check(page)
    assert "someone who did not must check it" in page.inner_text("main")

    # Someone who counted neither side checks it against the bank.
    deposit = Deposit.objects.get()
    page = browse(officer3, width=width, path=f"/donations/cash/deposits/{deposit.pk}/")
    check(page)
    page.get_by_role("button", name="Mark as checked").click()
    page.wait_for_url(f"**/donations/cash/deposits/{deposit.pk}/")
    assert "checked and posted" in page.inner_text("main")
    check(page)

    assert balance("assets:bank", public_fund) == gbp("12.00")
    assert balance("expenses:cash-differences", public_fund) == gbp("0.50")
    assert balance("assets:cash-in-transit", public_fund) == gbp("0.00")
    assert verify_ledger().ok


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 1280])
def test_cash_report_pages_are_accessible(
    browse, officer, officer2, manager, cafe, pharmacy, width
):
    now = timezone.now()
    banked = collection_confirm(
        actor=officer2, collection=record(officer, cafe, "84.37", when=now - timedelta(days=40))
    )
    deposit_record(
        actor=officer,
        collections=[banked],
        paying_in_reference="PI-1",
        banked_on=timezone.localdate(),
        amount_banked=gbp("84.00"),
        difference_reason="Short 37p",
    )
    collection_confirm(
        actor=officer2, collection=record(officer, pharmacy, "41.13", when=now - timedelta(days=35))
    )
    collection_return(
        actor=officer2,
        collection=record(officer, cafe, "9.00", removed="S-WRONG"),
        reason="Recount",
    )
    returned = Collection.objects.get(status="returned")

    for path in [
        "/donations/cash/",
        "/donations/cash/points/",
        "/donations/cash/points/new/",
        f"/donations/cash/points/{cafe.pk}/",
        f"/donations/cash/points/{cafe.pk}/edit/",
        "/donations/cash/counts/",
        "/donations/cash/in-transit/",
        "/donations/cash/deposits/new/",
        "/donations/cash/yield/",
        "/donations/cash/gasds/",
        f"/donations/cash/collections/{returned.pk}/recount/",
    ]:
        page = browse(manager, width=width, path=path)
        assert page.locator("h1").count() == 1, path
        check(page)

    # The fund manager's view of a broken seal, with the review form.
    page = browse(manager, width=width, path=f"/donations/cash/collections/{returned.pk}/")
    assert "Seal broken" in page.inner_text("main")
    page.get_by_role("button", name="Record the review").click()
    assert "There is a problem" in page.inner_text("main")
    check(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_long_lists_of_counts_and_cash_in_transit_page_on_a_phone(
    browse, officer, officer2, cafe, width
):
    """26 counts waiting and 26 in transit: 25 on the first page, the rest on the next."""
    start = timezone.now() - timedelta(days=30)
    for n in range(26):
        record(officer, cafe, "3.00", when=start + timedelta(hours=n), fitted=f"S-A{n}")
    for n in range(26):
        collection_confirm(
            actor=officer2,
            collection=record(
                officer, cafe, "2.00", when=start + timedelta(days=2, hours=n), fitted=f"S-B{n}"
            ),
        )
    for path, total in (
        ("/donations/cash/counts/", "26 counts, oldest first."),
        ("/donations/cash/in-transit/", "£52.00 in 26 collections"),
    ):
        page = browse(officer, width=width, path=path)
        check(page)
        assert total in page.inner_text("main")
        assert page.get_by_role("link", name=re.compile("Corner Café, box B001")).count() == 25
        page.get_by_role("link", name=re.compile("Next")).first.click()
        page.wait_for_load_state()
        check(page)
        assert page.get_by_role("link", name=re.compile("Corner Café, box B001")).count() == 1
        assert page.get_by_role("link", name=re.compile("Previous")).count() == 1


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_many_collection_points_page_on_a_phone(browse, officer, officer2, public_fund, width):
    """27 points, none emptied in four weeks, one box's cash confirmed in each of two
    months: the points, the overdue boxes and the yields page, each readable on a phone."""
    points = make_points(officer, 27)
    for n, point in enumerate(points):
        collection_confirm(
            actor=officer2,
            collection=record(officer, point, "4.00", when=timezone.now() - timedelta(days=40)),
        )
        if n < 24:
            collection_confirm(
                actor=officer2,
                collection=record(officer, point, "1.00", when=timezone.now() - timedelta(days=70)),
            )

    page = browse(officer, width=width, path="/donations/cash/points/")
    check(page)
    assert "Points 1 to 25 of 27, open ones first." in page.inner_text("main")
    page.get_by_role("link", name=re.compile("Next")).first.click()
    page.wait_for_load_state()
    check(page)
    assert page.get_by_role("link", name="Host 26", exact=True).count() == 1

    page = browse(officer, width=width, path="/donations/cash/")
    check(page)
    assert "Boxes not emptied for 4 weeks (27)" in page.inner_text("main")
    page.get_by_role("link", name=re.compile("Next")).first.click()
    page.wait_for_load_state()
    check(page)
    assert page.get_by_role("link", name=re.compile(r"Host 26, box P026")).count() == 1

    page = browse(officer, width=width, path="/donations/cash/yield/")
    check(page)
    assert "Rows 1 to 50 of 51" in page.inner_text("main")
    page.get_by_role("link", name=re.compile("Next")).first.click()
    page.wait_for_load_state()
    check(page)
    assert "Rows 51 to 51 of 51" in page.inner_text("main")
