"""Invariant 4 under load: racing approvals cannot overdraw a fund (SQLite and PostgreSQL)."""

import threading
from datetime import date

from django.db import close_old_connections, connection

from fund.exceptions import InsufficientFunds
from fund.models import Entry, Transfer
from fund.selectors import available_in_fund
from fund.verification import verify_ledger
from tests.fund.helpers import balance, gbp, post


def _race(workers: int, action):
    barrier = threading.Barrier(workers)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(n):
        try:
            barrier.wait()
            result = action(n)
        except Exception as error:  # collected and asserted on below
            result = error
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    return outcomes


def test_twenty_racing_approvals_of_100_against_1000_exactly_ten_succeed(
    committing_db, manager, public_fund
):
    post(manager, public_fund, "assets:bank", "income:donations:boxes", "1000.00")

    outcomes = _race(
        20,
        lambda n: post(
            manager,
            public_fund,
            "expenses:grants:furniture",
            "liabilities:grants-payable",
            "100.00",
            discretionary=True,
            memo=f"Grant {n} approved",
        ),
    )

    succeeded = [o for o in outcomes if isinstance(o, Entry)]
    refused = [o for o in outcomes if isinstance(o, InsufficientFunds)]
    assert len(succeeded) == 10
    assert len(refused) == 10, [
        o for o in outcomes if not isinstance(o, (Entry, InsufficientFunds))
    ]
    assert all("Nothing was posted" in str(r) for r in refused)
    assert Entry.objects.count() == 11
    assert Transfer.objects.count() == 11
    assert available_in_fund(public_fund) == gbp("0.00")
    assert balance("liabilities:grants-payable", public_fund) == gbp("1000.00")
    assert verify_ledger().ok

    # A refund while the fund is fully committed is a fact: it posts and overcommits.
    post(manager, public_fund, "income:donations:boxes", "assets:bank", "40.00", memo="Refund")
    assert available_in_fund(public_fund) == gbp("-40.00")
    assert verify_ledger().ok


def test_racing_replays_of_one_event_post_once(committing_db, officer, public_fund):
    outcomes = _race(
        8,
        lambda n: post(
            officer,
            public_fund,
            "assets:stripe",
            "income:donations:online",
            "25.00",
            key="evt_same_event",
        ),
    )
    assert all(isinstance(o, Entry) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert balance("income:donations:online", public_fund) == gbp("25.00")
    assert verify_ledger().ok


def test_postings_across_funds_keep_the_chain_gapless(
    committing_db, officer, public_fund, restricted_fund
):
    funds = [public_fund, restricted_fund]
    _race(
        10,
        lambda n: post(
            officer,
            funds[n % 2],
            "assets:bank",
            "income:donations:boxes",
            "1.00",
            on=date(2026, 11, 1 + n),
        ),
    )
    assert list(Transfer.objects.order_by("sequence").values_list("sequence", flat=True)) == list(
        range(1, 11)
    )
    assert verify_ledger().ok
