"""How long requests wait: the median and 90th percentile hours to a decision and to
payment, and the requests waiting for a decision now, by age."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Case, Count, Q, Value, When

from audit.charts import BarRow, Chart, Series, colours
from audit.dashboards.periods import Bucket, bucket_index, in_span
from fund.models import Fund
from grants.models import Grant
from grants.waits import WaitFigures, wait_figures

S = Grant.Status
AWAITING_DECISION = [S.SUBMITTED, S.SECOND_APPROVAL]


def _grants(fund: Fund | None):
    grants = Grant.objects.all()
    return grants.filter(fund=fund) if fund is not None else grants


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
