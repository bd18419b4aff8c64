"""GASDS worked examples: HMRC's small-donation, £8,000 and matching limits, and the deadline."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from donations.selectors.cash import gasds_by_tax_year
from donations.services.cash import collection_confirm
from donations.services.giftaid import gift_aid_claim_create
from tests.donations.conftest import at, record

DECLARATION = {
    "gift_aid": "on",
    "title": "Dr",
    "first_name": "Grace",
    "last_name": "Hopper",
    "house_name_or_number": "10",
    "postcode": "NE1 6AE",
}


def box(officer, officer2, point, amount, when, denominations=None):
    collection_confirm(
        actor=officer2,
        collection=record(officer, point, amount, when=when, denominations=denominations),
    )


def gift_aid_claimed(stripe_world, officer, amounts, when="2026-11-03 10:00 +0000"):
    with time_machine.travel(when, tick=False):
        for amount in amounts:
            stripe_world.pay(stripe_world.give(amount, **DECLARATION))
    return gift_aid_claim_create(
        actor=officer, date_from=date(2026, 4, 6), date_to=date(2027, 4, 5)
    )


def year_of(years, start_year):
    return next(y for y in years if y.start == date(start_year, 4, 6))


def test_demo_year_is_limited_by_ten_times_gift_aid(officer, officer2, cafe, stripe_world):
    box(officer, officer2, cafe, "307.50", at(2026, 10, 1))
    gift_aid_claimed(stripe_world, officer, ["20.00"])

    year = year_of(gasds_by_tax_year(today=date(2026, 12, 2)), 2026)

    assert str(year.eligible_total.amount) == "307.50"
    assert str(year.matching_limit.amount) == "200.00"
    assert year.limiting == "matching"
    assert str(year.top_up.amount) == "50.00"


def test_a_year_with_no_gift_aid_claim_gets_nothing(officer, officer2, cafe):
    box(officer, officer2, cafe, "307.50", at(2026, 10, 1))

    year = year_of(gasds_by_tax_year(today=date(2026, 12, 2)), 2026)

    assert year.no_gift_aid
    assert str(year.top_up.amount) == "0.00"


def test_above_eight_thousand_with_ample_gift_aid(officer, officer2, cafe, stripe_world):
    box(officer, officer2, cafe, "8500.00", at(2026, 10, 1))
    gift_aid_claimed(stripe_world, officer, ["500.00", "500.00"])  # 10 × £1,000 = £10,000

    year = year_of(gasds_by_tax_year(today=date(2026, 12, 2)), 2026)

    assert year.over_cap
    assert year.limiting == "cap"
    assert str(year.top_up.amount) == "2000.00"


def test_fifty_pound_notes_are_excluded(officer, officer2, cafe, stripe_world):
    # £140 in the box: two £50 notes (each one gift over £30) and £40 in £20 notes.
    box(
        officer,
        officer2,
        cafe,
        "140.00",
        at(2026, 10, 1),
        denominations={Decimal("50.00"): 2, Decimal("20.00"): 2},
    )
    gift_aid_claimed(stripe_world, officer, ["100.00"])

    year = year_of(gasds_by_tax_year(today=date(2026, 12, 2)), 2026)

    assert str(year.excluded.amount) == "100.00"
    assert str(year.eligible_total.amount) == "40.00"
    assert year.limiting == "eligible"
    assert str(year.top_up.amount) == "10.00"


def test_a_year_past_its_deadline_is_out_of_time(officer, officer2, cafe):
    box(officer, officer2, cafe, "60.00", at(2023, 6, 1))
    years = gasds_by_tax_year(today=date(2026, 4, 6))

    year = year_of(years, 2023)
    assert year.deadline == date(2026, 4, 5)
    assert year.out_of_time
    assert not year_of(gasds_by_tax_year(today=date(2026, 4, 5)), 2023).out_of_time


def test_gasds_page_shows_each_limit_and_which_applies(
    client, officer, officer2, cafe, stripe_world
):
    box(officer, officer2, cafe, "307.50", at(2026, 10, 1))
    box(officer, officer2, cafe, "60.00", at(2023, 6, 1))
    gift_aid_claimed(stripe_world, officer, ["20.00"])
    with time_machine.travel("2026-12-02 10:00 +0000", tick=False):
        client.force_login(officer)
        page = client.get(reverse("donations:cash_gasds")).content.decode()

    assert "Tax year 2026–27" in page and "6 Apr 2026 to 5 Apr 2027" in page
    assert "£307.50" in page and "£8,000.00" in page and "£200.00" in page
    assert "£50.00" in page
    assert "This limit applies" in page
    assert "Out of time" in page and "5 Apr 2026" in page
    assert "community buildings" in page and "connected charities" in page
    assert "No Gift Aid claimed this year" in page  # 2023-24 had none


@pytest.mark.parametrize("day, start", [(date(2026, 4, 5), 2025), (date(2026, 4, 6), 2026)])
def test_tax_year_boundary(officer, officer2, cafe, day, start):
    box(officer, officer2, cafe, "10.00", at(day.year, day.month, day.day, 12))
    assert gasds_by_tax_year(today=date(2026, 12, 2))[0].start == date(start, 4, 6)
