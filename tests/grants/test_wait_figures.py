"""The median and 90th percentile read only a few ranked waits from the
database; worked out from those ranks they equal ``statistics`` on the whole list."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from statistics import median, quantiles

import pytest
import time_machine
from django.db.models import F

from grants.models import Grant, GrantEvent
from grants.services.decisions import grant_approve
from grants.waits import (
    WaitFigures,
    _median_of_ranks,
    _median_ranks,
    _p90_of_ranks,
    _p90_ranks,
    wait_figures,
)
from tests.grants.conftest import make_grant

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

TENTH = Decimal("0.1")


def test_the_ranks_read_are_at_most_four_and_give_the_figures_of_the_whole_list():
    rng = random.Random(15)
    for n in range(1, 120):
        for _ in range(5):
            # Whole seconds in hours, as the dashboard measures a wait.
            values = sorted(Decimal(rng.randrange(0, 400_000)) / 3600 for _ in range(n))
            ranks = _median_ranks(n) | _p90_ranks(n)
            assert len(ranks) <= 4 and all(0 <= r < n for r in ranks)
            at = {r: values[r] for r in ranks}  # only what the database returns
            assert _median_of_ranks(n, at) == median(values).quantize(TENTH)
            expected = values[0] if n == 1 else quantiles(values, n=10, method="inclusive")[8]
            assert _p90_of_ranks(n, at) == expected.quantize(TENTH)


def test_worked_figures_from_the_ranks():
    hours = [Decimal(h) for h in (2, 4, 6, 8, 10)]
    at = {r: hours[r] for r in _median_ranks(5) | _p90_ranks(5)}
    assert _median_ranks(5) == {2}
    assert _p90_ranks(5) == {3, 4}
    assert _median_of_ranks(5, at) == Decimal("6.0")
    assert _p90_of_ranks(5, at) == Decimal("9.2")  # 8 + 0.6 of the way to 10
    assert _median_ranks(2) == {0, 1}
    assert _p90_of_ranks(2, {0: Decimal(3), 1: Decimal(24)}) == Decimal("21.9")
    assert _median_of_ranks(0, {}) is None and _p90_of_ranks(0, {}) is None
    assert _p90_of_ranks(1, {0: Decimal("7.25")}) == Decimal("7.2")  # half to even


# The figures from the database, on SQLite (ROW_NUMBER) and on PostgreSQL (percentile_disc).


def _decide(kw, officer, officer2, hours_by_officer):
    """A request submitted at T0 for every wait, each approved by its officer so many hours
    (and minutes) later."""
    at = 0
    for actor, waits in ((officer, hours_by_officer[0]), (officer2, hours_by_officer[1])):
        for wait in waits:
            at += 1
            with time_machine.travel(T0, tick=False):
                grant = make_grant(kw, client=f"CLT-{at:04d}", items=[("Phone", "5.00")])
            with time_machine.travel(T0 + wait, tick=False):
                grant_approve(actor=actor, grant=grant)


@pytest.mark.django_db
def test_figures_per_group_and_for_all_with_a_minimum_count(kw, officer, officer2, funded):
    h = lambda hours, minutes=0: timedelta(hours=hours, minutes=minutes)  # noqa: E731
    _decide(kw, officer, officer2, ([h(1), h(2), h(4), h(8), h(16)], [h(3), h(30)]))
    events = GrantEvent.objects.filter(to_status=Grant.Status.APPROVED)

    per_officer = wait_figures(events, "at", start_field="grant__submitted_at", group=F("actor_id"))
    # Five waits: the middle one, and 0.6 of the way from the 4th (8 h) to the 5th (16 h).
    assert per_officer[officer.pk] == WaitFigures(5, Decimal("4.0"), Decimal("12.8"))
    # Two: halfway, and 0.9 of the way from 3 h to 30 h.
    assert per_officer[officer2.pk] == WaitFigures(2, Decimal("16.5"), Decimal("27.3"))

    at_least_3 = wait_figures(
        events, "at", start_field="grant__submitted_at", group=F("actor_id"), min_count=3
    )
    assert at_least_3[officer2.pk] == WaitFigures(2, None, None)
    assert at_least_3[officer.pk].median == Decimal("4.0")

    # All seven, one group: 1 2 3 4 8 16 30; the 90th percentile 0.4 of the way from 16 to 30.
    grants = Grant.objects.filter(decided_at__isnull=False)
    assert wait_figures(grants, "decided_at") == {
        None: WaitFigures(7, Decimal("4.0"), Decimal("21.6"))
    }
    assert wait_figures(grants.none(), "decided_at") == {}


@pytest.mark.django_db
def test_figures_from_the_database_equal_statistics_on_every_wait(kw, officer, officer2, funded):
    rng = random.Random(8)
    waits = [
        [timedelta(minutes=rng.randrange(1, 5000), seconds=rng.randrange(60)) for _ in range(n)]
        for n in (17, 12)
    ]
    _decide(kw, officer, officer2, waits)
    figures = wait_figures(
        GrantEvent.objects.filter(to_status=Grant.Status.APPROVED),
        "at",
        start_field="grant__submitted_at",
        group=F("actor_id"),
    )
    for actor, group_waits in zip((officer, officer2), waits, strict=True):
        hours = sorted(Decimal(int(w.total_seconds())) / 3600 for w in group_waits)
        assert figures[actor.pk] == WaitFigures(
            len(hours),
            median(hours).quantize(TENTH),
            quantiles(hours, n=10, method="inclusive")[8].quantize(TENTH),
        )
