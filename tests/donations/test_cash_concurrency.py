"""Two confirmations racing for one count, on real committing transactions."""

import threading

import pytest
from django.db import connection

from donations.exceptions import CashError
from donations.models import Collection, Deposit
from donations.services.cash import collection_confirm, deposit_check, deposit_record
from fund.models import Entry
from tests.donations.conftest import gbp, record


def race(*calls):
    """Run each call in its own thread, released together; return results or errors."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is the assertion
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize(
    "second_confirmer", ["officer2", "officer3"], ids=["double-click", "two-officers"]
)
def test_racing_confirmations_make_one_posting(
    committing_db, request, officer, officer2, officer3, cafe, second_confirmer
):
    collection = record(officer, cafe, "55.00")
    other = request.getfixturevalue(second_confirmer)

    outcomes = race(
        lambda: collection_confirm(actor=officer2, collection=collection),
        lambda: collection_confirm(actor=other, collection=collection),
    )

    confirmed = [o for o in outcomes if isinstance(o, Collection)]
    refused = [o for o in outcomes if isinstance(o, CashError)]
    assert len(confirmed) == 1 and len(refused) == 1, outcomes
    assert Entry.objects.count() == 1
    assert Entry.objects.get().transfers.get().amount == gbp("55.00")
    collection.refresh_from_db()
    assert collection.status == Collection.Status.CONFIRMED
    assert collection.events.filter(to_status="confirmed").count() == 1


def test_racing_deposit_checks_make_one_posting(
    committing_db, officer, officer2, officer3, manager, cafe
):
    from datetime import date

    collection = collection_confirm(actor=officer2, collection=record(officer, cafe, "20.00"))
    deposit = deposit_record(
        actor=officer,
        collections=[collection],
        paying_in_reference="PI-RACE",
        banked_on=date(2026, 11, 23),
        amount_banked=gbp("20.00"),
    )

    outcomes = race(
        lambda: deposit_check(actor=officer3, deposit=deposit),
        lambda: deposit_check(actor=manager, deposit=deposit),
    )

    assert sum(isinstance(o, Deposit) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, CashError) for o in outcomes) == 1, outcomes
    assert Entry.objects.filter(idempotency_key=f"deposit:{deposit.pk}:check").count() == 1
    assert Entry.objects.count() == 2


def test_racing_submissions_of_one_emptying_record_it_once(committing_db, officer, officer2, cafe):
    from donations.services.cash import collection_record
    from tests.donations.conftest import at

    def submit(actor):
        return lambda: collection_record(
            actor=actor,
            point=cafe,
            emptied_at=at(2026, 11, 20),
            seal_removed="S-1001",
            seal_fitted="S-1002",
            amount=gbp("12.00"),
        )

    outcomes = race(submit(officer), submit(officer2))

    assert sum(isinstance(o, Collection) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, CashError) for o in outcomes) == 1, outcomes
    assert Collection.objects.count() == 1


def test_racing_deposits_cannot_bank_one_collection_twice(committing_db, officer, officer2, cafe):
    from datetime import date

    collection = collection_confirm(actor=officer2, collection=record(officer, cafe, "20.00"))

    def bank(reference):
        return lambda: deposit_record(
            actor=officer,
            collections=[collection],
            paying_in_reference=reference,
            banked_on=date(2026, 11, 23),
            amount_banked=gbp("20.00"),
        )

    outcomes = race(bank("PI-A"), bank("PI-B"))

    assert sum(isinstance(o, Deposit) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, CashError) for o in outcomes) == 1, outcomes
    assert Deposit.objects.count() == 1
