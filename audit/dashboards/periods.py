"""The dashboard's periods: the date range chosen, and the months or quarters its figures
are grouped by (worked out by the database, in the fund's local dates)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from fund.models import Fund


@dataclass(frozen=True)
class Period:
    """The dashboard's filter: a date range (inclusive) and optionally one fund."""

    start: date
    end: date
    fund: Fund | None = None

    @property
    def months(self) -> list[date]:
        """The first day of every calendar month the range touches, oldest first."""
        months = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = next_month(month)
        return months


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def last_twelve_months(today: date) -> Period:
    start = today.replace(day=1)
    for _ in range(11):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start=start, end=today)


def last_four_quarters(today: date) -> Period:
    """The current calendar quarter and the three before it."""
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for _ in range(9):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start=start, end=today)


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


@dataclass(frozen=True)
class Bucket:
    """A span of time the workflow figures are grouped by: a month or a quarter."""

    start: date
    end: date  # exclusive
    label: str


def month_buckets(period: Period) -> list[Bucket]:
    return [Bucket(m, next_month(m), month_label(m)) for m in period.months]


def quarter_buckets(start: date, end: date) -> list[Bucket]:
    """Calendar quarters touching ``start``..``end`` (inclusive), oldest first."""
    buckets = []
    quarter = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while quarter <= end:
        after = next_month(next_month(next_month(quarter)))
        last = (after - timedelta(days=1)).strftime("%b")
        buckets.append(Bucket(quarter, after, f"{quarter:%b} to {last} {quarter.year}"))
        quarter = after
    return buckets


def bucket_index(field: str, buckets: list[Bucket]) -> Case:
    """The index in ``buckets`` of the bucket holding a row's ``field`` (a moment), worked
    out by the database: the first bucket ending after it. Rows are first limited to the
    buckets' span (``in_span``), so this is the bucket whose local dates hold the moment,
    and the figures are grouped by the database rather than row by row in Python."""
    return Case(
        *[When(**{f"{field}__lt": aware(b.end)}, then=Value(i)) for i, b in enumerate(buckets)],
        default=Value(None),
        output_field=IntegerField(),
    )


def in_span(field: str, buckets: list[Bucket]) -> Q:
    return Q(**{f"{field}__gte": aware(buckets[0].start), f"{field}__lt": aware(buckets[-1].end)})


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
