"""Which gifts may be claimed: HMRC's rules on declarations and the four-year limit.

HMRC (Gift Aid guidance for charities, chapter 3): a declaration can cover donations made
up to four years before it; a cancelled declaration covers nothing received after it was
cancelled, but donations before stay claimable; a claim must be made within four years of
the end of the accounting period in which the donation was received. Without an
accounting period in the settings the app takes the UK tax year (ending 5 April).
"""

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from djmoney.money import Money

from donations.services.giftaid import (
    claim_deadline,
    earliest_claimable,
    gift_aid_claim_create,
    gift_aid_declaration_add,
    gift_aid_declaration_cancel,
    gift_aid_refusal,
)
from tests.donations.test_giftaid_ledger import DECLARATION, ledger_is_sound

ALL_TIME = {"date_from": date(2020, 1, 1), "date_to": date(2027, 4, 5)}
# The day the claims are made: deadlines are counted from it.
TODAY = date(2026, 12, 2)
DONOR = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "house_name_or_number": "10",
    "postcode": "ne16ae",
}


def give(stripe_world, amount, when, **fields):
    with time_machine.travel(f"{when} 10:00 +0000", tick=False):
        donation = stripe_world.give(amount, **fields)
        stripe_world.pay(donation)
    return donation


def only_payment(donation):
    return donation.payments.select_related("donation__gift_aid").get()


@pytest.mark.parametrize(
    ("paid_on", "deadline"),
    [
        (date(2022, 4, 5), date(2026, 4, 5)),  # tax year 2021-22 ends 5 Apr 2022
        (date(2022, 4, 6), date(2027, 4, 5)),  # tax year 2022-23 ends 5 Apr 2023
        (date(2023, 1, 31), date(2027, 4, 5)),
    ],
)
def test_the_deadline_is_four_years_after_the_tax_year_by_default(paid_on, deadline):
    assert claim_deadline(paid_on) == deadline


def test_the_deadline_follows_the_charitys_own_accounting_period(settings):
    settings.CHARITY_YEAR_END = "03-31"
    assert claim_deadline(date(2022, 3, 31)) == date(2026, 3, 31)
    assert claim_deadline(date(2022, 4, 1)) == date(2027, 3, 31)
    assert earliest_claimable(date(2026, 12, 2)) == date(2022, 4, 1)
    settings.CHARITY_YEAR_END = ""
    assert earliest_claimable(date(2026, 12, 2)) == date(2022, 4, 6)
    assert earliest_claimable(date(2026, 4, 5)) == date(2021, 4, 6)


def test_a_declaration_made_after_the_gift_covers_it_only_when_backdated(
    stripe_world, officer, client
):
    plain = give(stripe_world, "10", "2026-10-01")
    backdated = give(stripe_world, "20.00", "2026-10-01")
    gift_aid_declaration_add(
        actor=officer,
        donation=plain,
        declared_on=date(2026, 11, 20),
        covers_past_four_years=False,
        **DONOR,
    )
    gift_aid_declaration_add(
        actor=officer,
        donation=backdated,
        declared_on=date(2026, 11, 20),
        covers_past_four_years=True,
        **DONOR,
    )

    claim = gift_aid_claim_create(actor=officer, **ALL_TIME, today=TODAY)

    assert list(claim.lines.values_list("payment__donation_id", flat=True)) == [backdated.pk]
    assert claim.tax == Money("5.00", "GBP")
    assert gift_aid_refusal(only_payment(plain), today=TODAY) == (
        "Given before the declaration of 20 Nov 2026, which does not cover earlier gifts."
    )
    client.force_login(officer)
    refused = client.get(reverse("donations:gift-aid")).content.decode()
    refused = refused.split('data-testid="refused"', 1)[1]
    assert plain.reference in refused
    assert "does not cover earlier gifts" in refused
    ledger_is_sound()


def test_a_backdated_declaration_reaches_back_four_years_and_no_further(stripe_world, officer):
    too_old = give(stripe_world, "10", "2022-11-19")
    covered = give(stripe_world, "10", "2022-11-21")
    for donation in (too_old, covered):
        gift_aid_declaration_add(
            actor=officer,
            donation=donation,
            declared_on=date(2026, 11, 20),
            covers_past_four_years=True,
            **DONOR,
        )

    claim = gift_aid_claim_create(actor=officer, **ALL_TIME, today=TODAY)

    assert list(claim.lines.values_list("payment__donation_id", flat=True)) == [covered.pk]
    assert gift_aid_refusal(only_payment(too_old), today=TODAY) == (
        "The declaration made on 20 Nov 2026 covers gifts from 20 Nov 2022 only."
    )


def test_a_cancelled_declaration_stops_later_gifts_not_earlier_ones(stripe_world, officer):
    with time_machine.travel("2026-09-03 10:00 +0000", tick=False):
        monthly = stripe_world.give("10", frequency="monthly", **DECLARATION)
        stripe_world.pay(monthly)
    monthly.refresh_from_db()
    with time_machine.travel("2026-10-03 10:00 +0000", tick=False):
        stripe_world.send_all(
            stripe_world.double.charge_next_invoice(monthly.stripe_subscription_id)
        )
    gift_aid_declaration_cancel(
        actor=officer, declaration=monthly.gift_aid, cancelled_on=date(2026, 10, 10)
    )
    with time_machine.travel("2026-11-03 10:00 +0000", tick=False):
        stripe_world.send_all(
            stripe_world.double.charge_next_invoice(monthly.stripe_subscription_id)
        )

    claim = gift_aid_claim_create(actor=officer, **ALL_TIME, today=TODAY)

    assert sorted(claim.lines.values_list("paid_on", flat=True)) == [
        date(2026, 9, 3),
        date(2026, 10, 3),
    ]
    november = monthly.payments.select_related("donation__gift_aid").get(paid_on=date(2026, 11, 3))
    assert gift_aid_refusal(november, today=TODAY) == (
        "The donor cancelled the declaration on 10 Oct 2026; later gifts are not covered."
    )


def test_a_gift_past_its_four_years_is_refused_with_the_reason(stripe_world, officer):
    late = give(stripe_world, "10", "2022-04-05", **DECLARATION)
    in_time = give(stripe_world, "10", "2022-04-06", **DECLARATION)

    claim = gift_aid_claim_create(actor=officer, **ALL_TIME, today=TODAY)

    assert list(claim.lines.values_list("payment__donation_id", flat=True)) == [in_time.pk]
    assert gift_aid_refusal(only_payment(late), today=TODAY) == (
        "Out of time: a gift received in the accounting period ending 5 Apr 2022 could be "
        "claimed until 5 Apr 2026."
    )
