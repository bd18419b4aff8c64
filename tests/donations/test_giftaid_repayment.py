"""HMRC's repayment of a Gift Aid claim clears the receivable; any difference is explained."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import GiftAidRepaymentInvalid
from donations.models.giftaid import GiftAidRepayment
from donations.services.cash import collection_point_create
from donations.services.giftaid import gift_aid_claim_create, gift_aid_repayment_record
from tests.donations.stripe_helpers import gbp_balance
from tests.donations.test_giftaid_ledger import DECLARATION, RANGE, ledger_is_sound


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


@pytest.fixture
def claim(stripe_world, officer):
    """£200.00 and £10.00 given with declarations: £52.50 claimed."""
    with time_machine.travel("2026-11-03 10:00 +0000", tick=False):
        for amount in ("200.00", "10"):
            stripe_world.pay(stripe_world.give(amount, **DECLARATION))
    return gift_aid_claim_create(actor=officer, **RANGE)


def test_repayment_as_claimed_clears_the_receivable_into_the_bank(claim, officer):
    assert gbp_balance("assets:gift-aid-receivable") == "52.50"

    repayment = gift_aid_repayment_record(
        actor=officer,
        claim=claim,
        amount=gbp("52.50"),
        received_on=timezone.localdate(),
        hmrc_reference="CHY-2026-0001",
    )

    assert repayment.difference == gbp("0.00")
    assert gbp_balance("assets:gift-aid-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "52.50"
    assert gbp_balance("income:gift-aid") == "52.50"
    ledger_is_sound()


def test_a_shortfall_needs_a_reason_and_is_posted_against_gift_aid_income(claim, officer):
    today = timezone.localdate()
    with pytest.raises(GiftAidRepaymentInvalid, match="give the reason"):
        gift_aid_repayment_record(
            actor=officer, claim=claim, amount=gbp("50.00"), received_on=today, hmrc_reference="R1"
        )
    assert not GiftAidRepayment.objects.exists()
    assert gbp_balance("assets:gift-aid-receivable") == "52.50"

    repayment = gift_aid_repayment_record(
        actor=officer,
        claim=claim,
        amount=gbp("50.00"),
        received_on=today,
        hmrc_reference="R1",
        reason="HMRC disallowed the £10.00 gift: no house number",
    )

    assert repayment.shortfall == gbp("2.50")
    assert gbp_balance("assets:gift-aid-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "50.00"
    assert gbp_balance("income:gift-aid") == "50.00"
    ledger_is_sound()


def test_a_surplus_is_posted_to_gift_aid_income(claim, officer):
    gift_aid_repayment_record(
        actor=officer,
        claim=claim,
        amount=gbp("53.00"),
        received_on=timezone.localdate(),
        hmrc_reference="R2",
        reason="HMRC added repayment interest",
    )

    assert gbp_balance("assets:gift-aid-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "53.00"
    assert gbp_balance("income:gift-aid") == "53.00"
    ledger_is_sound()


def test_the_same_repayment_matched_twice_records_it_once(claim, officer):
    details = {
        "claim": claim,
        "amount": gbp("52.50"),
        "received_on": timezone.localdate(),
        "hmrc_reference": "R3",
    }
    first = gift_aid_repayment_record(actor=officer, **details)
    again = gift_aid_repayment_record(actor=officer, **details)

    assert again.pk == first.pk
    with pytest.raises(GiftAidRepaymentInvalid, match="already recorded"):
        gift_aid_repayment_record(actor=officer, **{**details, "amount": gbp("40.00")})
    assert gbp_balance("assets:bank") == "52.50"
    ledger_is_sound()


def test_a_repayment_dated_in_the_future_is_refused(claim, officer):
    with pytest.raises(GiftAidRepaymentInvalid, match="future"):
        gift_aid_repayment_record(
            actor=officer,
            claim=claim,
            amount=gbp("52.50"),
            received_on=date(2099, 1, 1),
            hmrc_reference="R4",
        )


def test_a_shortfall_is_shared_across_funds_by_what_each_expected(
    stripe_world, officer, manager, restricted_fund
):
    collection_point_create(
        actor=manager,
        host_name="Hostel shop",
        address="2 Low Street, Newcastle",
        box_number="B009",
        seal="S-9001",
        opened_on=date(2026, 4, 1),
        fund=restricted_fund,
        public_code="HOSTEL",
    )
    with time_machine.travel("2026-11-03 10:00 +0000", tick=False):
        stripe_world.pay(stripe_world.give("10", **DECLARATION))
        stripe_world.pay(stripe_world.give("25", point="HOSTEL", **DECLARATION))
    claim = gift_aid_claim_create(actor=officer, **RANGE)
    assert claim.net == gbp("8.75")  # 2.50 public + 6.25 restricted

    gift_aid_repayment_record(
        actor=officer,
        claim=claim,
        amount=gbp("8.00"),
        received_on=timezone.localdate(),
        hmrc_reference="R5",
        reason="HMRC's total rounded down",
    )

    # Shortfall 0.75: public 0.75 × 2.50/8.75 = 0.21; restricted takes the rest, 0.54.
    public = stripe_world.fund
    assert gbp_balance("assets:bank", public) == "2.29"
    assert gbp_balance("income:gift-aid", public) == "2.29"
    assert gbp_balance("assets:bank", restricted_fund) == "5.71"
    assert gbp_balance("income:gift-aid", restricted_fund) == "5.71"
    assert gbp_balance("assets:gift-aid-receivable") == "0.00"
    ledger_is_sound()


def test_an_officer_records_the_repayment_on_its_page(claim, officer, client):
    client.force_login(officer)
    url = reverse("donations:gift-aid-repayment", args=[claim.pk])
    form = client.get(url).content.decode()
    assert 'value="52.50"' in form

    missing = client.post(
        url,
        {"hmrc_reference": "R6", "received_on": timezone.localdate().isoformat(), "amount": "50"},
    )
    assert missing.status_code == 400
    assert "give the reason for the difference" in missing.content.decode()

    response = client.post(
        url,
        {
            "hmrc_reference": "R6",
            "received_on": timezone.localdate().isoformat(),
            "amount": "50.00",
            "reason": "One gift disallowed",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    repayment = page.split('data-figure="repayment">', 1)[1].split("</dd>", 1)[0]
    assert "£50.00" in repayment and "reference R6" in repayment
    assert "Shortfall £2.50" in repayment and "One gift disallowed" in repayment
    assert gbp_balance("assets:bank") == "50.00"
    ledger_is_sound()
