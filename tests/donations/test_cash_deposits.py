"""Banking confirmed collections and the independent check of each deposit."""

from datetime import date

import pytest

from donations.exceptions import (
    CheckerCounted,
    CollectionsNotBankable,
    InvalidTransition,
    ReasonRequired,
)
from donations.models import Collection, Deposit
from donations.services.cash import collection_confirm, deposit_check, deposit_record
from fund.models import Entry
from tests.donations.conftest import gbp, record
from tests.fund.helpers import balance


@pytest.fixture
def confirmed(officer, officer2, cafe):
    return collection_confirm(actor=officer2, collection=record(officer, cafe, "30.00"))


def bank(actor, collections, amount, reason="", reference="PI-0001"):
    return deposit_record(
        actor=actor,
        collections=collections,
        paying_in_reference=reference,
        banked_on=date(2026, 11, 23),
        amount_banked=gbp(amount),
        difference_reason=reason,
    )


def test_deposit_checker_must_not_have_counted(officer, officer2, officer3, confirmed):
    deposit = bank(officer, [confirmed], "30.00")

    for counter in (officer, officer2):  # the counter and the confirmer both counted
        with pytest.raises(CheckerCounted):
            deposit_check(actor=counter, deposit=deposit)
    assert Entry.objects.count() == 1

    checked = deposit_check(actor=officer3, deposit=deposit)
    assert checked.status == Deposit.Status.CHECKED
    assert checked.checked_by == officer3


def test_only_confirmed_collections_can_be_banked(officer, officer2, cafe, confirmed):
    awaiting = record(officer, cafe, "5.00")
    with pytest.raises(CollectionsNotBankable):
        bank(officer, [confirmed, awaiting], "35.00")
    bank(officer, [confirmed], "30.00")
    with pytest.raises(CollectionsNotBankable):  # already in a deposit
        bank(officer, [confirmed], "30.00", reference="PI-0002")
    with pytest.raises(CollectionsNotBankable):
        bank(officer, [], "30.00", reference="PI-0003")


def test_a_deposit_holds_one_funds_cash(
    officer, officer2, cafe, pharmacy, restricted_fund, confirmed
):
    from donations.services.cash import collection_point_update

    collection_point_update(actor=officer, point=pharmacy, fund=restricted_fund)
    other = collection_confirm(actor=officer2, collection=record(officer, pharmacy, "4.00"))
    with pytest.raises(CollectionsNotBankable):
        bank(officer, [confirmed, other], "34.00")


def test_a_difference_needs_a_reason_and_posts_to_cash_differences(
    officer, officer3, confirmed, public_fund
):
    with pytest.raises(ReasonRequired):
        bank(officer, [confirmed], "27.50")
    assert not Deposit.objects.exists()

    deposit = bank(officer, [confirmed], "27.50", reason="Counterfeit £2 coin and 50p short")
    assert deposit.difference == gbp("-2.50")
    confirmed.refresh_from_db()
    assert confirmed.status == Collection.Status.BANKED
    assert balance("assets:bank", public_fund) == gbp("0.00")  # nothing posts until checked

    deposit_check(actor=officer3, deposit=deposit)
    assert balance("assets:bank", public_fund) == gbp("27.50")
    assert balance("expenses:cash-differences", public_fund) == gbp("2.50")
    assert balance("assets:cash-in-transit", public_fund) == gbp("0.00")


def test_an_excess_is_credited_to_cash_differences(officer, officer3, confirmed, public_fund):
    deposit = bank(officer, [confirmed], "31.00", reason="A £1 coin stuck in the box last time")
    deposit_check(actor=officer3, deposit=deposit)

    assert balance("assets:bank", public_fund) == gbp("31.00")
    assert balance("expenses:cash-differences", public_fund) == gbp("-1.00")
    assert balance("assets:cash-in-transit", public_fund) == gbp("0.00")


def test_a_deposit_cannot_be_checked_twice(officer, officer3, manager, confirmed):
    deposit = bank(officer, [confirmed], "30.00")
    deposit_check(actor=officer3, deposit=deposit)
    with pytest.raises(InvalidTransition):
        deposit_check(actor=manager, deposit=deposit)
    assert Entry.objects.filter(idempotency_key=f"deposit:{deposit.pk}:check").count() == 1
    assert Entry.objects.count() == 2


def test_cash_cannot_be_banked_before_the_box_was_emptied(officer, confirmed):
    with pytest.raises(CollectionsNotBankable):
        deposit_record(
            actor=officer,
            collections=[confirmed],
            paying_in_reference="PI-9",
            banked_on=date(2026, 11, 19),
            amount_banked=gbp("30.00"),
        )
