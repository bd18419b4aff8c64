"""The staff cash pages through the Django test client: who sees what, and each action."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from donations.models import Collection, CollectionPoint, Deposit
from donations.services.cash import (
    collection_confirm,
    collection_return,
    deposit_record,
)
from fund.models import Entry
from tests.donations.conftest import at, gbp, make_points, record

PAGES = [
    ("donations:cash_overview", {}),
    ("donations:cash_points", {}),
    ("donations:cash_counts", {}),
    ("donations:cash_in_transit", {}),
    ("donations:cash_yield", {}),
    ("donations:cash_gasds", {}),
]


def test_staff_pages_need_a_staff_role(client, key_worker, partner, cafe):
    urls = [reverse(name, kwargs=kwargs) for name, kwargs in PAGES]
    urls += [
        reverse("donations:cash_point", args=[cafe.pk]),
        reverse("donations:cash_point_poster", args=[cafe.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    for user in (key_worker, partner):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("name,kwargs", PAGES)
def test_auditor_reads_every_page_but_sees_no_actions(
    client, auditor, officer, officer2, cafe, name, kwargs
):
    collection_confirm(actor=officer2, collection=record(officer, cafe, "12.00"))
    client.force_login(auditor)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Record a deposit" not in page
    assert "Add a collection point" not in page


def test_auditor_cannot_write(client, auditor, officer, cafe):
    collection = record(officer, cafe, "12.00")
    client.force_login(auditor)
    assert (
        client.post(reverse("donations:cash_collection_confirm", args=[collection.pk])).status_code
        == 403
    )
    assert client.get(reverse("donations:cash_point_create")).status_code == 403
    assert client.get(reverse("donations:cash_deposit_create")).status_code == 403
    assert not Entry.objects.exists()


def test_unknown_records_are_404(client, officer):
    client.force_login(officer)
    assert client.get(reverse("donations:cash_point", args=[999])).status_code == 404
    assert client.get(reverse("donations:cash_collection", args=[999])).status_code == 404
    assert client.get(reverse("donations:cash_deposit", args=[999])).status_code == 404


def test_officer_adds_a_point_defaulting_to_the_public_fund(
    client, officer, public_fund, restricted_fund
):
    client.force_login(officer)
    form = client.get(reverse("donations:cash_point_create")).content.decode()
    assert f'value="{public_fund.pk}" selected' in form

    response = client.post(
        reverse("donations:cash_point_create"),
        {
            "host_name": "Quayside Bakery",
            "address": "3 Quayside",
            "box_number": "b010",
            "seal": "s-5001",
            "opened_on": "2026-10-01",
            "fund": public_fund.pk,
        },
    )

    point = CollectionPoint.objects.get()
    assert response.status_code == 302
    assert (point.box_number, point.current_seal, point.fund) == ("B010", "S-5001", public_fund)
    assert point.public_code.isupper() and len(point.public_code) == 6


def test_a_duplicate_box_number_is_a_friendly_error(client, officer, cafe):
    client.force_login(officer)
    response = client.post(
        reverse("donations:cash_point_create"),
        {
            "host_name": "Another",
            "address": "x",
            "box_number": "B001",
            "seal": "S-1",
            "opened_on": "2026-10-01",
            "fund": cafe.fund_id,
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_officer_edits_and_closes_a_point(client, officer, cafe):
    client.force_login(officer)
    response = client.post(
        reverse("donations:cash_point_edit", args=[cafe.pk]),
        {
            "host_name": "Corner Café",
            "address": "1 High Street",
            "box_number": "B001",
            "opened_on": "2026-04-01",
            "closed_on": "2026-11-01",
            "fund": cafe.fund_id,
        },
    )
    assert response.status_code == 302
    cafe.refresh_from_db()
    assert not cafe.is_active and cafe.closed_on == date(2026, 11, 1)
    assert cafe.current_seal == "S-1001"  # seals change only by emptying the box


@time_machine.travel(at(2026, 11, 26, 15), tick=False)
def test_emptying_a_box_through_the_form(client, officer, cafe):
    client.force_login(officer)
    response = client.post(
        reverse("donations:cash_collection_create", args=[cafe.pk]),
        {
            "emptied_on": "2026-11-26",
            "emptied_time": "14:05",
            "seal_removed": "s-1001",
            "seal_fitted": "S-1002",
            "amount": "12.50",
            "count_1000": "1",
            "count_200": "1",
            "count_50": "1",
        },
    )

    collection = Collection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("donations:cash_collection", args=[collection.pk])
    assert collection.amount == gbp("12.50")
    assert timezone.localtime(collection.emptied_at).hour == 14
    assert collection.denominations.count() == 3


@time_machine.travel(at(2026, 11, 26, 15), tick=False)
def test_denominations_that_do_not_add_up_are_shown_as_an_error(client, officer, cafe):
    client.force_login(officer)
    response = client.post(
        reverse("donations:cash_collection_create", args=[cafe.pk]),
        {
            "emptied_on": "2026-11-26",
            "emptied_time": "14:05",
            "seal_removed": "S-1001",
            "seal_fitted": "S-1002",
            "amount": "12.50",
            "count_1000": "1",
        },
    )
    assert response.status_code == 200
    assert "The notes and coins add up to £10.00, not £12.50" in response.content.decode()
    assert not Collection.objects.exists()


@time_machine.travel(at(2026, 11, 26, 15), tick=False)
def test_a_broken_seal_is_flagged_on_the_pages(client, officer, manager, cafe):
    client.force_login(officer)
    response = client.post(
        reverse("donations:cash_collection_create", args=[cafe.pk]),
        {
            "emptied_on": "2026-11-26",
            "emptied_time": "09:00",
            "seal_removed": "S-7777",
            "seal_fitted": "S-1002",
            "amount": "5.00",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Seal broken" in page
    client.force_login(manager)
    assert "1 to review" in client.get(reverse("donations:cash_overview")).content.decode()
    collection = Collection.objects.get()
    client.post(
        reverse("donations:cash_collection_seal_review", args=[collection.pk]),
        {"note": "Host saw nothing"},
    )
    collection.refresh_from_db()
    assert collection.seal_reviewed_by == manager


def test_the_counter_is_told_to_find_a_second_officer(client, officer, officer2, cafe):
    collection = record(officer, cafe, "20.00")
    client.force_login(officer)
    page = client.get(reverse("donations:cash_collection", args=[collection.pk])).content.decode()
    assert "a different fund officer must confirm" in page
    assert "Confirm £20.00" not in page

    response = client.post(
        reverse("donations:cash_collection_confirm", args=[collection.pk]), follow=True
    )
    assert "different fund officer must confirm" in response.content.decode()
    assert not Entry.objects.exists()


def test_second_officer_confirms_and_a_double_click_posts_once(client, officer, officer2, cafe):
    collection = record(officer, cafe, "20.00")
    client.force_login(officer2)
    url = reverse("donations:cash_collection_confirm", args=[collection.pk])
    assert client.get(url).status_code == 405

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "Count confirmed" in first.content.decode()
    assert "cannot become confirmed" in second.content.decode()
    assert Entry.objects.count() == 1


def test_second_officer_returns_a_count_with_a_reason(client, officer, officer2, cafe):
    collection = record(officer, cafe, "20.00")
    client.force_login(officer2)
    url = reverse("donations:cash_collection_return", args=[collection.pk])

    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 400
    assert "There is a problem" in missing.content.decode()

    client.post(url, {"reason": "I make it £19.50"})
    collection.refresh_from_db()
    assert collection.status == Collection.Status.RETURNED

    client.force_login(officer)
    response = client.post(
        reverse("donations:cash_collection_recount", args=[collection.pk]), {"amount": "19.50"}
    )
    assert response.status_code == 302
    collection.refresh_from_db()
    assert (collection.status, collection.amount) == (
        Collection.Status.AWAITING_CONFIRMATION,
        gbp("19.50"),
    )


def test_deposit_form_needs_a_reason_for_a_difference(client, officer, officer2, cafe):
    collection = collection_confirm(actor=officer2, collection=record(officer, cafe, "30.00"))
    client.force_login(officer)
    data = {
        "collections": [collection.pk],
        "paying_in_reference": "PI-77",
        "banked_on": "2026-11-23",
        "amount_banked": "27.50",
    }

    response = client.post(reverse("donations:cash_deposit_create"), data)
    assert response.status_code == 200
    assert "give the reason for the difference" in response.content.decode()

    response = client.post(
        reverse("donations:cash_deposit_create"), {**data, "difference_reason": "Short"}
    )
    deposit = Deposit.objects.get()
    assert response["Location"] == reverse("donations:cash_deposit", args=[deposit.pk])
    assert deposit.counted_total == gbp("30.00")


def test_deposit_check_page_refuses_a_counter_and_posts_for_an_outsider(
    client, officer, officer2, officer3, cafe
):
    collection = collection_confirm(actor=officer2, collection=record(officer, cafe, "30.00"))
    deposit = deposit_record(
        actor=officer,
        collections=[collection],
        paying_in_reference="PI-5",
        banked_on=date(2026, 11, 23),
        amount_banked=gbp("30.00"),
    )
    url = reverse("donations:cash_deposit_check", args=[deposit.pk])

    client.force_login(officer2)
    assert (
        "someone who did not must check it"
        in client.get(reverse("donations:cash_deposit", args=[deposit.pk])).content.decode()
    )
    client.post(url)
    assert Entry.objects.count() == 1

    client.force_login(officer3)
    response = client.post(url, follow=True)
    assert "checked and posted" in response.content.decode()
    assert Entry.objects.count() == 2


def test_overview_flags_boxes_not_emptied_for_four_weeks(client, officer, officer2, cafe, pharmacy):
    collection_confirm(
        actor=officer2,
        collection=record(officer, cafe, "8.00", when=timezone.now() - timedelta(days=3)),
    )
    record(officer, pharmacy, "9.00", when=timezone.now() - timedelta(days=29))
    client.force_login(officer)

    page = client.get(reverse("donations:cash_points")).content.decode()
    assert page.count("Not emptied for 4 weeks") == 1
    overview = client.get(reverse("donations:cash_overview")).content.decode()
    assert "Grainger Pharmacy, box B002" in overview
    assert "Corner Café, box B001" not in overview


def test_cash_in_transit_lists_oldest_first_with_the_total(
    client, officer, officer2, cafe, pharmacy
):
    newer = collection_confirm(
        actor=officer2, collection=record(officer, cafe, "8.00", when=at(2026, 11, 20))
    )
    older = collection_confirm(
        actor=officer2, collection=record(officer, pharmacy, "9.25", when=at(2026, 11, 2))
    )
    client.force_login(officer)

    page = client.get(reverse("donations:cash_in_transit")).content.decode()
    assert "£17.25" in page
    assert page.index(f"/collections/{older.pk}/") < page.index(f"/collections/{newer.pk}/")


def test_yield_by_month_per_point(client, officer, officer2, cafe, pharmacy):
    for point, amount, when in [
        (cafe, "10.00", at(2026, 10, 3)),
        (cafe, "5.50", at(2026, 10, 20)),
        (cafe, "7.00", at(2026, 11, 2)),
        (pharmacy, "3.00", at(2026, 10, 9)),
    ]:
        collection_confirm(actor=officer2, collection=record(officer, point, amount, when=when))
    record(officer, pharmacy, "99.00", when=at(2026, 11, 5))  # unconfirmed: not counted yet
    client.force_login(officer)

    page = client.get(reverse("donations:cash_yield")).content.decode()
    assert "October 2026" in page and "November 2026" in page
    assert "£15.50" in page and "£7.00" in page and "£3.00" in page
    assert "£99.00" not in page
    point_page = client.get(reverse("donations:cash_point", args=[cafe.pk])).content.decode()
    assert "Oct 2026" in point_page and "£15.50" in point_page


def test_gasds_totals_follow_the_uk_tax_year(client, officer, officer2, cafe):
    for amount, when in [
        ("100.00", at(2026, 4, 5, 23)),
        ("40.00", at(2026, 4, 6, 9)),
        ("8000.00", at(2027, 1, 15)),
    ]:
        collection_confirm(actor=officer2, collection=record(officer, cafe, amount, when=when))
    client.force_login(officer)

    page = client.get(reverse("donations:cash_gasds")).content.decode()
    assert "Tax year 2026–27" in page and "Tax year 2025–26" in page
    assert "6 Apr 2026 to 5 Apr 2027" in page
    assert "£8,040.00" in page  # 2026-27 total
    assert "Over the limit" in page
    # No Gift Aid was claimed in either year, so HMRC allows no top-up at all.
    assert "No Gift Aid claimed this year" in page
    assert "£2,000.00" not in page and "£25.00" not in page
    assert "per charity" in page


def test_counts_to_confirm_are_paginated_each_list_on_its_own(client, officer, officer2, cafe):
    start = at(2026, 10, 1)
    for n in range(27):
        record(officer, cafe, "1.00", when=start + timedelta(hours=n), fitted=f"S-{n}")
    returned = record(officer, cafe, "2.00", when=at(2026, 11, 2))
    collection_return(actor=officer2, collection=returned, reason="Recount, please.")
    client.force_login(officer)
    url = reverse("donations:cash_counts")

    first = client.get(url).content.decode()
    assert "27 counts, oldest first." in first
    assert first.count("/donations/cash/collections/") == 25 + 1  # 25 waiting, 1 returned
    assert '?awaiting=2#awaiting" rel="next"' in first

    second = client.get(url, {"awaiting": "2", "returned": "1"}).content.decode()
    assert second.count("/donations/cash/collections/") == 2 + 1
    assert '?returned=1&amp;awaiting=1#awaiting" rel="prev"' in second
    assert f"/collections/{returned.pk}/" in second


def test_cash_in_transit_is_paginated_with_the_total_of_every_page(client, officer, officer2, cafe):
    start = at(2026, 10, 1)
    for n in range(26):
        collection_confirm(
            actor=officer2,
            collection=record(
                officer, cafe, "1.50", when=start + timedelta(hours=n), fitted=f"S-{n}"
            ),
        )
    client.force_login(officer)
    url = reverse("donations:cash_in_transit")

    first = client.get(url).content.decode()
    assert "£39.00</strong> in 26 collections." in first
    assert first.count('href="/donations/cash/collections/') == 25
    second = client.get(url, {"page": "2"}).content.decode()
    assert "£39.00</strong> in 26 collections." in second
    assert second.count('href="/donations/cash/collections/') == 1


def test_collection_points_and_overdue_boxes_are_paged_with_flat_queries(
    client, officer, public_fund
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        # Counted at once: the captured queries are a slice of the connection's query log,
        # which the next request outside a capture empties.
        with CaptureQueriesContext(connection) as captured:
            content = client.get(url).content.decode()
        return len(captured), content

    make_points(officer, 3)
    client.force_login(officer)
    points_url, overview_url = reverse("donations:cash_points"), reverse("donations:cash_overview")
    few, _ = queries(points_url)
    few_overview, _ = queries(overview_url)
    make_points(officer, 24, start=3)  # 27 points, none ever emptied: every one overdue

    many, first = queries(points_url)
    assert many == few
    assert "Points 1 to 25 of 27, open ones first." in first
    assert first.count('class="govuk-summary-card__title"') == 25
    assert "Host 00" in first and "Host 24" in first and "Host 25" not in first
    assert '?page=2#takings" rel="next"' in first
    second = client.get(points_url, {"page": "2"}).content.decode()
    assert second.count('class="govuk-summary-card__title"') == 2
    assert "Host 25" in second and "Host 26" in second and "Host 00" not in second

    many_overview, overview = queries(overview_url)
    assert many_overview == few_overview
    assert "Boxes not emptied for 4 weeks (27)" in overview
    assert overview.count("never emptied") == 25
    assert '?overdue=2#overdue" rel="next"' in overview


def test_the_yield_report_is_paged_newest_month_first(client, officer, officer2, public_fund):
    make_points(officer, 26)
    points = list(CollectionPoint.objects.order_by("host_name"))
    for n, point in enumerate(points):
        collection_confirm(
            actor=officer2,
            collection=record(officer, point, f"{n + 1}.00", when=at(2026, 11, 3)),
        )
    collection_confirm(
        actor=officer2, collection=record(officer, points[0], "7.50", when=at(2026, 10, 9))
    )
    client.force_login(officer)
    url = reverse("donations:cash_yield")

    first = client.get(url).content.decode()
    # 27 rows (26 boxes in November, one in October) fit one page of 50.
    assert "Rows " not in first and 'rel="next"' not in first
    assert "November 2026" in first and "October 2026" in first
    assert first.index("November 2026") < first.index("October 2026")

    for point in make_points(officer, 26, start=26):  # 26 more boxes in November: 53 rows
        collection_confirm(
            actor=officer2, collection=record(officer, point, "1.00", when=at(2026, 11, 4))
        )
    first = client.get(url).content.decode()
    assert "Rows 1 to 50 of 53" in first
    assert "October 2026" not in first and "Host 49" in first and "Host 50" not in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert "Rows 51 to 53 of 53" in second
    assert "Host 50" in second and "Host 51" in second and "October 2026" in second
    october = second[second.index("October 2026") :]
    assert "Host 00" in october and "£7.50" in october
    # Page 2 begins inside November: its table says so; October's is its own.
    assert "November 2026 (continued from the last page)</caption>" in second
    assert "October 2026 (continued" not in second
    assert "(continued" not in first
