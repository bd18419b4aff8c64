"""Donors' personal data is anonymised once its retention period is over."""

import uuid
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from djmoney.money import Money

from donations.models.online import (
    GIFT_AID_STATEMENT,
    GiftAidClaim,
    GiftAidDeclaration,
    OnlineDonation,
    OnlinePayment,
)

YEAR = timedelta(days=366)


@pytest.fixture
def claimed_gift(public_fund, manager):
    """A gift with a Gift Aid declaration, claimed now."""
    declaration = GiftAidDeclaration.objects.create(
        first_name="Ada",
        last_name="Lovelace",
        house_name_or_number="12",
        address="Analytical Row",
        postcode="NE1 4XX",
        statement=GIFT_AID_STATEMENT,
        declared_at=timezone.now(),
    )
    gift = OnlineDonation.objects.create(
        attempt=uuid.uuid4(),
        frequency=OnlineDonation.Frequency.ONE_OFF,
        amount=Money("20.00", "GBP"),
        fund=public_fund,
        donor_name="Ada Lovelace",
        donor_email="ada@example.org",
        gift_aid=declaration,
    )
    claim = GiftAidClaim.objects.create(
        date_from=date(2026, 4, 6), date_to=date(2026, 11, 1), created_by=manager
    )
    OnlinePayment.objects.create(
        donation=gift,
        fund=public_fund,
        payment_intent_id="pi_ret",
        charge_id="ch_ret",
        amount=Money("20.00", "GBP"),
        paid_on=date(2026, 11, 1),
        gift_aid_claim=claim,
    )
    return gift


def apply_retention(years_later: float) -> str:
    out = StringIO()
    with time_machine.travel(timezone.now() + years_later * YEAR, tick=False):
        call_command("apply_retention", stdout=out)
    return out.getvalue()


def test_gift_aid_declarations_and_donor_contacts_stay_for_six_years(claimed_gift):
    output = apply_retention(5.9)

    assert "0 Gift Aid declaration(s)" in output
    claimed_gift.refresh_from_db()
    assert claimed_gift.donor_email == "ada@example.org"


def test_after_six_years_they_are_anonymised_with_their_history(claimed_gift):
    output = apply_retention(6.1)

    assert "1 Gift Aid declaration(s)" in output
    assert "donor name and email on 1 online gift(s)" in output
    claimed_gift.refresh_from_db()
    declaration = claimed_gift.gift_aid
    assert (claimed_gift.donor_name, claimed_gift.donor_email) == ("", "")
    assert "Lovelace" not in (declaration.last_name, declaration.first_name)
    assert declaration.postcode != "NE1 4XX"
    assert claimed_gift.amount == Money("20.00", "GBP")
    assert not GiftAidDeclaration.history.filter(last_name="Lovelace").exists()
    assert not OnlineDonation.history.filter(donor_email="ada@example.org").exists()
