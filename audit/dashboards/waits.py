"""How long requests wait: the median and 90th percentile hours to a decision and to
payment, and the requests waiting for a decision now, by age."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from audit.charts import BarRow, Chart, Series, colours
from audit.dashboards.periods import Bucket, bucket_index, in_span
from fund.models import Fund
from grants.models import Grant

S = Grant.Status
HOUR_PLACES = Decimal("0.1")
AWAITING_DECISION = [S.SUBMITTED, S.SECOND_APPROVAL]


def hours_between(start: datetime, end: datetime) -> Decimal:
    return Decimal(int((end - start).total_seconds())) / 3600


def _grants(fund: Fund | None):
    grants = Grant.objects.all()
    return grants.filter(fund=fund) if fund is not None else grants


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


def wait_figures(rows, end_field: str, *, group=None, min_count: int = 1) -> dict:
    """Median and 90th percentile hours from ``submitted_at`` to ``end_field`` over
    ``rows`` (already limited to the span wanted), per value of the expression ``group``
    (one group, keyed None, without it). A group with fewer than ``min_count`` waits gets
    its count and no figures. Two queries whatever the number of rows: the count per
    group, then only the ranked waits the figures read."""
    grouped = rows.annotate(
        group=group if group is not None else Value(None, output_field=IntegerField())
    )
    counts = dict(
        grouped.values("group").annotate(n=Count("pk")).order_by().values_list("group", "n")
    )
    figured = {key: n for key, n in counts.items() if n >= min_count}
    at: dict = defaultdict(dict)
    # Always the second query, even when no group has enough waits (ROW_NUMBER is never 0,
    # so it returns nothing): the page runs the same queries however much data there is.
    wanted = Q(rank=0)
    for key, n in figured.items():
        ranks = [r + 1 for r in _median_ranks(n) | _p90_ranks(n)]
        wanted |= Q(group=key, rank__in=ranks) if group is not None else Q(rank__in=ranks)
    wait = ExpressionWrapper(F(end_field) - F("submitted_at"), output_field=DurationField())
    rank = Window(
        RowNumber(),
        partition_by=[group] if group is not None else None,
        order_by=[wait.asc(), F("pk").asc()],
    )
    for key, rank_, submitted_at, ended_at in (
        grouped.annotate(rank=rank)
        .filter(wanted)
        .values_list("group", "rank", "submitted_at", end_field)
    ):
        at[key][rank_ - 1] = hours_between(submitted_at, ended_at)
    return {
        key: WaitFigures(
            count=n,
            median=_median_of_ranks(n, at[key]) if key in figured else None,
            p90=_p90_of_ranks(n, at[key]) if key in figured else None,
        )
        for key, n in counts.items()
    }


def speed_chart(
    buckets: list[Bucket],
    fund: Fund | None = None,
    *,
    slug: str = "decision-speed",
    row_heading: str = "Month",
    min_count: int = 1,
) -> Chart:
    """Median and 90th percentile hours from a request's submission to its decision
    (approved or declined), and to its payment, by the month (or quarter) each happened.
    A figure drawn from fewer than ``min_count`` waits is left out (None)."""
    if not buckets:
        return Chart(slug=slug, title="", series=[], rows=[])
    grants = _grants(fund).filter(submitted_at__isnull=False)
    decided, paid = (
        wait_figures(
            grants.filter(in_span(field, buckets)),
            field,
            group=bucket_index(field, buckets),
            min_count=min_count,
        )
        for field in ("decided_at", "paid_at")
    )
    none = WaitFigures(count=0, median=None, p90=None)
    palette = colours(4)
    return Chart(
        slug=slug,
        title="Hours to a decision and to payment",
        description=(
            "From the key worker submitting a request: the median (half were quicker) and the "
            "90th percentile (nine in ten were quicker), by when the decision or payment was made."
            + (
                f" No figure is given from fewer than {min_count} decisions or payments."
                if min_count > 1
                else ""
            )
        ),
        series=[
            Series("decision-median", "Decision, median", palette[0]),
            Series("decision-p90", "Decision, 90th percentile", palette[1]),
            Series("payment-median", "Payment, median", palette[2]),
            Series("payment-p90", "Payment, 90th percentile", palette[3]),
        ],
        rows=[
            BarRow(
                label=b.label,
                values=[
                    decided.get(i, none).median,
                    decided.get(i, none).p90,
                    paid.get(i, none).median,
                    paid.get(i, none).p90,
                ],
            )
            for i, b in enumerate(buckets)
        ],
        unit="hours",
        stacked=False,
        row_heading=row_heading,
    )


AGE_BANDS = [
    ("Under 1 day", 0, 1),
    ("1 to 2 days", 1, 2),
    ("2 to 5 days", 2, 5),
    ("5 days or more", 5, None),
]


def waiting_chart(now: datetime, fund: Fund | None = None) -> Chart:
    """Requests waiting for the fund's decision now, by how long since they were submitted,
    urgent ones apart. Requests sent back for more information wait on the key worker and
    are not counted."""
    # Counted by the database: a band per request (age = now - submitted_at, so "age under
    # N days" is "submitted after now - N days"), a handful of rows back whatever the queue.
    band = Case(
        *[
            When(
                Q(submitted_at__lte=now - timedelta(days=low))
                & (Q() if high is None else Q(submitted_at__gt=now - timedelta(days=high))),
                then=Value(label),
            )
            for label, low, high in AGE_BANDS
        ],
        default=Value(""),
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for label, urgency, n in (
        _grants(fund)
        .filter(status__in=AWAITING_DECISION, submitted_at__isnull=False)
        .annotate(band=band)
        .values("band", "urgency")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("band", "urgency", "n")
    ):
        counts[(label, urgency)] += n
    urgent, week = colours(2)
    return Chart(
        slug="requests-waiting",
        title="Requests waiting for a decision, by age",
        description="How long each request has waited since it was submitted, now.",
        series=[
            Series(Grant.Urgency.TODAY, "Needed today", urgent),
            Series(Grant.Urgency.THIS_WEEK, "Needed this week", week),
        ],
        rows=[
            BarRow(
                label=label,
                values=[
                    counts[(label, Grant.Urgency.TODAY)],
                    counts[(label, Grant.Urgency.THIS_WEEK)],
                ],
            )
            for label, _, _ in AGE_BANDS
        ],
        unit="count",
        row_heading="Waiting",
    )
