"""Emptying a box and the two-person count: the rules, enforced by the services."""

from decimal import Decimal

import pytest
from djmoney.money import Money

from donations.exceptions import (
    DenominationsDoNotAddUp,
    InvalidAmount,
    InvalidTransition,
    NotAllowed,
    PointInactive,
    ReasonRequired,
    SameOfficer,
    SealNotNew,
)
from donations.models import Collection
from donations.services.cash import (
    collection_confirm,
    collection_point_update,
    collection_recount,
    collection_return,
    collection_review_seal,
)
from fund.models import Entry
from tests.donations.conftest import at, gbp, record
from tests.fund.helpers import balance


def test_recording_a_count_waits_for_confirmation_and_posts_nothing(officer, cafe):
    collection = record(officer, cafe, "42.17")

    assert collection.status == Collection.Status.AWAITING_CONFIRMATION
    assert collection.counted_by == officer
    assert not collection.seal_broken
    assert Entry.objects.count() == 0
    cafe.refresh_from_db()
    assert cafe.current_seal == "S-1001-N"
    assert collection.events.get().to_status == "awaiting_confirmation"


def test_seal_mismatch_is_flagged_broken_and_the_count_still_proceeds(officer, officer2, cafe):
    collection = record(officer, cafe, "10.00", removed="S-9999", fitted="S-1002")

    assert collection.seal_broken
    assert collection.seal_expected == "S-1001"
    assert "Seal broken" in collection.events.get().note
    cafe.refresh_from_db()
    assert cafe.current_seal == "S-1002"
    confirmed = collection_confirm(actor=officer2, collection=collection)
    assert confirmed.status == Collection.Status.CONFIRMED


def test_only_the_fund_manager_reviews_a_broken_seal(officer, officer2, manager, cafe):
    collection = record(officer, cafe, "10.00", removed="S-9999", fitted="S-1002")

    with pytest.raises(NotAllowed):
        collection_review_seal(actor=officer2, collection=collection, note="Checked CCTV")
    with pytest.raises(ReasonRequired):
        collection_review_seal(actor=manager, collection=collection, note="  ")
    reviewed = collection_review_seal(
        actor=manager, collection=collection, note="Host re-sealed it"
    )
    assert reviewed.seal_reviewed_by == manager
    assert reviewed.seal_review_note == "Host re-sealed it"


def test_new_seal_must_differ_from_the_one_removed(officer, cafe):
    with pytest.raises(SealNotNew):
        record(officer, cafe, "10.00", removed="S-1001", fitted="S-1001")
    assert not Collection.objects.exists()


def test_denominations_must_add_up_to_the_amount(officer, cafe):
    with pytest.raises(DenominationsDoNotAddUp) as refused:
        record(officer, cafe, "12.50", denominations={Decimal("10.00"): 1, Decimal("2.00"): 1})
    assert "£12.00" in str(refused.value)
    assert not Collection.objects.exists()

    collection = record(
        officer,
        cafe,
        "12.50",
        denominations={
            Decimal("10.00"): 1,
            Decimal("2.00"): 1,
            Decimal("0.50"): 1,
            Decimal("1.00"): 0,
        },
    )
    assert {(d.value, d.quantity) for d in collection.denominations.all()} == {
        (Decimal("10.00"), 1),
        (Decimal("2.00"), 1),
        (Decimal("0.50"), 1),
    }


def test_denominations_must_be_sterling_notes_and_coins(officer, cafe):
    with pytest.raises(InvalidAmount):
        record(officer, cafe, "3.00", denominations={Decimal("3.00"): 1})


@pytest.mark.parametrize(
    "amount",
    [
        Money("0.00", "GBP"),
        Money("-5.00", "GBP"),
        Money("1.005", "GBP"),
        Money("5.00", "EUR"),
        Decimal("5.00"),
    ],
)
def test_amounts_must_be_positive_sterling_money_in_whole_pence(officer, cafe, amount):
    from donations.services.cash import collection_record

    with pytest.raises(InvalidAmount):
        collection_record(
            actor=officer,
            point=cafe,
            emptied_at=at(2026, 11, 20),
            seal_removed="S-1001",
            seal_fitted="S-1002",
            amount=amount,
        )
    assert not Collection.objects.exists()


def test_a_closed_point_cannot_be_emptied(officer, cafe):
    collection_point_update(actor=officer, point=cafe, is_active=False)
    with pytest.raises(PointInactive):
        record(officer, cafe, "5.00")


def test_counter_and_confirmer_must_differ(officer, cafe):
    collection = record(officer, cafe, "20.00")

    with pytest.raises(SameOfficer):
        collection_confirm(actor=officer, collection=collection)
    with pytest.raises(SameOfficer):
        collection_return(actor=officer, collection=collection, reason="Looks wrong")
    collection.refresh_from_db()
    assert collection.status == Collection.Status.AWAITING_CONFIRMATION
    assert Entry.objects.count() == 0


def test_confirming_posts_cash_in_transit_against_box_income_in_the_points_fund(
    officer, officer2, cafe, public_fund
):
    collection = collection_confirm(actor=officer2, collection=record(officer, cafe, "37.42"))

    assert collection.confirmed_by == officer2
    entry = collection.entry
    assert entry.idempotency_key == f"collection:{collection.pk}:confirm"
    assert entry.effective_date.isoformat() == "2026-11-20"
    transfer = entry.transfers.get()
    assert (transfer.debit_account.code, transfer.credit_account.code) == (
        "assets:cash-in-transit",
        "income:donations:boxes",
    )
    assert transfer.fund == public_fund
    assert balance("assets:cash-in-transit", public_fund) == gbp("37.42")
    assert "Corner" not in entry.memo  # memos name the box and record, nobody's name


def test_points_can_give_to_another_fund(officer, officer2, cafe, restricted_fund):
    collection_point_update(actor=officer, point=cafe, fund=restricted_fund)
    collection_confirm(actor=officer2, collection=record(officer, cafe, "5.00"))
    assert balance("income:donations:boxes", restricted_fund) == gbp("5.00")


def test_a_count_cannot_be_confirmed_twice(officer, officer2, manager, cafe):
    collection = record(officer, cafe, "20.00")
    collection_confirm(actor=officer2, collection=collection)

    with pytest.raises(InvalidTransition):
        collection_confirm(actor=officer2, collection=collection)
    with pytest.raises(InvalidTransition):
        collection_confirm(actor=manager, collection=collection)
    assert Entry.objects.count() == 1


def test_a_returned_count_needs_a_reason_and_goes_back_for_a_recount(officer, officer2, cafe):
    collection = record(officer, cafe, "20.00")
    with pytest.raises(ReasonRequired):
        collection_return(actor=officer2, collection=collection, reason=" ")

    returned = collection_return(actor=officer2, collection=collection, reason="I count £19.50")
    assert returned.status == Collection.Status.RETURNED
    assert returned.return_reason == "I count £19.50"
    with pytest.raises(InvalidTransition):
        collection_confirm(actor=officer2, collection=returned)

    recounted = collection_recount(actor=officer2, collection=returned, amount=gbp("19.50"))
    assert recounted.status == Collection.Status.AWAITING_CONFIRMATION
    assert recounted.counted_by == officer2  # whoever enters the figure is its counter
    with pytest.raises(SameOfficer):
        collection_confirm(actor=officer2, collection=recounted)
    confirmed = collection_confirm(actor=officer, collection=recounted)
    assert confirmed.entry.transfers.get().amount == gbp("19.50")
    assert [e.to_status for e in confirmed.events.all()] == [
        "awaiting_confirmation",
        "returned",
        "awaiting_confirmation",
        "confirmed",
    ]
    assert Entry.objects.count() == 1


def test_a_point_with_a_closing_date_is_no_longer_active(officer, cafe):
    from datetime import date

    point = collection_point_update(
        actor=officer, point=cafe, closed_on=date(2026, 11, 1), is_active=True
    )
    assert not point.is_active


def test_a_count_in_a_closed_period_is_refused_and_changes_nothing(
    officer, officer2, manager, cafe, public_fund
):
    from datetime import date

    from fund.exceptions import PeriodLocked
    from fund.services.period_locks import fund_lock_period

    collection = record(officer, cafe, "20.00", when=at(2026, 11, 20))
    fund_lock_period(actor=manager, fund=public_fund, lock_date=date(2026, 11, 20))

    with pytest.raises(PeriodLocked):
        collection_confirm(actor=officer2, collection=collection)
    collection.refresh_from_db()
    assert collection.status == Collection.Status.AWAITING_CONFIRMATION
    assert collection.confirmed_by is None
    assert collection.events.count() == 1
    assert not Entry.objects.exists()


def test_the_same_emptying_submitted_twice_is_recorded_once(officer, cafe):
    from donations.exceptions import AlreadyRecorded

    record(officer, cafe, "20.00", removed="S-1001", fitted="S-1002")
    with pytest.raises(AlreadyRecorded):
        record(officer, cafe, "20.00", removed="S-1001", fitted="S-1002")
    assert Collection.objects.count() == 1
    assert not Collection.objects.filter(seal_broken=True).exists()
