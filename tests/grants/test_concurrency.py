"""Races that need real commits: they run on SQLite and on PostgreSQL."""

import threading
import uuid

from django.db import connection

from fund.exceptions import InsufficientFunds
from fund.selectors import available_in_fund
from grants.models import Grant
from grants.services.decisions import grant_approve
from tests.fund.helpers import post
from tests.grants.conftest import gbp, make_grant


def run_together(*calls):
    """Start every call at once in its own thread; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_officers_approving_the_last_pounds_exactly_one_wins(
    committing_db, kw, officer, officer2, manager, public_fund
):
    post(manager, public_fund, "assets:bank", "income:donations:online", "100.00")
    first = make_grant(kw, items=[("Phone", "60.00")])
    second = make_grant(kw, items=[("Phone", "60.00")], client="CLT-0043")

    results = run_together(
        lambda: grant_approve(actor=officer, grant=first),
        lambda: grant_approve(actor=officer2, grant=second),
    )

    won = [r for r in results if isinstance(r, Grant)]
    lost = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(won) == 1 and len(lost) == 1, results
    assert Grant.objects.filter(status=Grant.Status.APPROVED).count() == 1
    assert Grant.objects.filter(status=Grant.Status.SUBMITTED).count() == 1
    assert available_in_fund(public_fund) == gbp("40.00")


def test_a_double_clicked_submit_makes_one_request(committing_db, kw, public_fund):
    token = uuid.uuid4()
    results = run_together(
        lambda: make_grant(kw, token=token),
        lambda: make_grant(kw, token=token),
    )
    assert all(isinstance(r, Grant) for r in results), results
    assert results[0].pk == results[1].pk
    assert Grant.objects.count() == 1
    assert Grant.objects.get().events.count() == 1


def test_the_same_request_approved_twice_at_once_is_approved_once(
    committing_db, kw, officer, officer2, manager, public_fund
):
    post(manager, public_fund, "assets:bank", "income:donations:online", "100.00")
    grant = make_grant(kw, items=[("Phone", "60.00")])

    results = run_together(
        lambda: grant_approve(actor=officer, grant=grant),
        lambda: grant_approve(actor=officer2, grant=grant),
    )

    assert sum(isinstance(r, Grant) for r in results) == 1, results
    assert available_in_fund(public_fund) == gbp("40.00")
    assert grant.approvals.count() == 1
