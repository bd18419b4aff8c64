"""How long requests wait, as a median and a 90th percentile in hours, worked out by the
database whatever the number of requests: the staff home page, the decisions page, the
dashboard and the transparency page all read their waits through ``wait_figures``."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connections
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

HOUR_PLACES = Decimal("0.1")


def hours_between(start: datetime, end: datetime) -> Decimal:
    return Decimal(int((end - start).total_seconds())) / 3600


# The median and the 90th percentile need at most four ordered values of a group, whatever
# its size: the database numbers each group's waits in order (ROW_NUMBER, on SQLite and
# PostgreSQL alike) and returns only those ranks, and the figures are worked out here with
# the same arithmetic as ``statistics.median`` and ``statistics.quantiles(n=10,
# method="inclusive")`` on the whole list, so they come out to the same tenth of an hour.


def _median_ranks(n: int) -> set[int]:
    """The 0-based ranks ``statistics.median`` reads from ``n`` sorted values."""
    return {n // 2} if n % 2 else {n // 2 - 1, n // 2}


def _p90_ranks(n: int) -> set[int]:
    """The 0-based ranks the inclusive 90th percentile reads from ``n`` sorted values."""
    if n < 2:
        return {0}
    j, _ = divmod(9 * (n - 1), 10)
    return {j, j + 1}


def _median_of_ranks(n: int, at: dict[int, Decimal]) -> Decimal | None:
    if not n:
        return None
    if n % 2:
        value = at[n // 2]
    else:
        i = n // 2
        value = (at[i - 1] + at[i]) / 2
    return value.quantize(HOUR_PLACES)


def _p90_of_ranks(n: int, at: dict[int, Decimal]) -> Decimal | None:
    if not n:
        return None
    if n == 1:
        return at[0].quantize(HOUR_PLACES)
    j, delta = divmod(9 * (n - 1), 10)
    return ((at[j] * (10 - delta) + at[j + 1] * delta) / 10).quantize(HOUR_PLACES)


@dataclass(frozen=True)
class WaitFigures:
    count: int
    median: Decimal | None  # hours, to the tenth; None below the minimum count
    p90: Decimal | None
    # What ``wait_figures(also=...)`` counted in the same query, by name.
    also: dict = field(default_factory=dict, compare=False)


class _PercentileDisc(Aggregate):
    """PostgreSQL's ``percentile_disc(fractions) WITHIN GROUP (ORDER BY wait)``: the waits
    at the given fractions of a group's ordered waits, as an array. The fractions (the
    first expression, an array of float8) may depend on the group: PostgreSQL evaluates
    them once per group."""

    function = "percentile_disc"
    template = "%(function)s(%(expressions)s)"
    # The two expressions are the fractions and the wait: joined, they read
    # "fractions) WITHIN GROUP (ORDER BY wait".
    arg_joiner = ") WITHIN GROUP (ORDER BY "

    def __init__(self, fractions, wait, **extra):
        # The template has no place for these: refused rather than silently dropped.
        for option in ("filter", "distinct", "order_by"):
            if extra.get(option):
                raise TypeError(f"percentile_disc here takes no {option}.")
        super().__init__(fractions, wait, **extra)


def wait_figures(
    rows,
    end_field: str,
    *,
    start_field: str = "submitted_at",
    group=None,
    min_count: int = 1,
    also: dict | None = None,
) -> dict:
    """Median and 90th percentile hours from ``start_field`` to ``end_field`` over ``rows``
    (already limited to the span wanted, and to rows with both times), per value of the
    expression ``group`` (one group, keyed None, without it). A group with fewer than
    ``min_count`` waits gets its count and no figures. ``also`` names further aggregates (a
    count with a filter, say) worked out per group with the count. Two queries whatever
    the number of rows: the count per group, then only the (at most four) ranked waits of
    each group the figures read."""
    grouped = rows.order_by().annotate(
        group=group if group is not None else Value(None, output_field=IntegerField())
    )
    also = also or {}
    counted = {row["group"]: row for row in grouped.values("group").annotate(n=Count("pk"), **also)}
    counts = {key: row["n"] for key, row in counted.items()}
    figured = {key: n for key, n in counts.items() if n >= min_count}
    wait = ExpressionWrapper(F(end_field) - F(start_field), output_field=DurationField())
    if connections[rows.db].vendor == "postgresql":
        at = _ranked_by_percentiles(grouped, wait, figured)
    else:
        at = _ranked_by_row_numbers(grouped, wait, figured, start_field, end_field, group)
    return {
        key: WaitFigures(
            count=n,
            median=_median_of_ranks(n, at[key]) if key in figured else None,
            p90=_p90_of_ranks(n, at[key]) if key in figured else None,
            also={name: counted[key][name] for name in also},
        )
        for key, n in counts.items()
    }


def _wanted_ranks(n: int) -> list[int]:
    """The 0-based ranks the figures of ``n`` waits read, in order."""
    return sorted(_median_ranks(n) | _p90_ranks(n))


def _ranked_by_percentiles(grouped, wait, figured: dict) -> dict:
    """PostgreSQL: each group's wanted waits by ``percentile_disc``, which sorts only each
    group's waits (the rank-numbering below sorts whole rows, and spills to disk past a few
    tens of thousands). Its value at fraction f is the one at 1-based rank ceil(f n), so
    0-based rank r is asked for as (r + 0.5) / n, half a rank from either neighbour."""
    from django.contrib.postgres.fields import ArrayField

    fractions = ArrayField(FloatField())
    at: dict = defaultdict(dict)
    wanted = Case(
        *[
            When(
                Q(group=key),
                then=Value([(r + 0.5) / n for r in _wanted_ranks(n)], output_field=fractions),
            )
            for key, n in figured.items()
        ],
        default=Value(None, output_field=fractions),
        output_field=fractions,
    )
    # Always the query, if only to return nothing (no primary key is null): the page runs
    # the same queries however much data there is.
    groups = Q(pk__isnull=True) | Q(group__in=[key for key in figured if key is not None])
    if None in figured:
        groups |= Q(group__isnull=True)
    for key, waits in (
        grouped.filter(groups)
        .values("group")
        .annotate(waits=_PercentileDisc(wanted, wait, output_field=ArrayField(DurationField())))
        .values_list("group", "waits")
    ):
        if waits is None:
            # One group, and too few waits for figures: a constant is not grouped by, so
            # the database aggregates no rows into one row of nothing.
            continue
        for rank, waited in zip(_wanted_ranks(figured[key]), waits, strict=True):
            at[key][rank] = _hours(waited)
    return at


def _ranked_by_row_numbers(grouped, wait, figured: dict, start_field, end_field, group) -> dict:
    """Elsewhere (SQLite): the database numbers each group's waits in order (ROW_NUMBER)
    and returns only the wanted ranks."""
    at: dict = defaultdict(dict)
    # Always this query, even when no group has enough waits (ROW_NUMBER is never 0, so it
    # returns nothing): the page runs the same queries however much data there is.
    wanted = Q(rank=0)
    for key, n in figured.items():
        ranks = [r + 1 for r in _wanted_ranks(n)]
        wanted |= Q(group=key, rank__in=ranks) if group is not None else Q(rank__in=ranks)
    rank = Window(
        RowNumber(),
        partition_by=[group] if group is not None else None,
        order_by=[wait.asc(), F("pk").asc()],
    )
    for key, rank_, started_at, ended_at in (
        grouped.annotate(rank=rank)
        .filter(wanted)
        .values_list("group", "rank", start_field, end_field)
    ):
        at[key][rank_ - 1] = hours_between(started_at, ended_at)
    return at


def _hours(waited: timedelta) -> Decimal:
    """Whole seconds in hours, as ``hours_between`` measures a wait."""
    return Decimal(int(waited.total_seconds())) / 3600
