"""Grants counted: approved per quarter by category or agency and outcomes recorded (with
small numbers merged or withheld), and paid grants still waiting for a receipt."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Min, Sum
from django.utils import timezone
from djmoney.money import Money

from audit.charts import BarRow, Chart, Series, colours
from audit.dashboards.periods import Bucket, aware, bucket_index, in_span
from audit.dashboards.small_numbers import (
    SMALL_NUMBER,
    SUPPRESSED,
    CategoryCount,
    merge_small_counts,
)
from fund.models import Fund
from fund.money import gbp
from grants.models import Grant, Outcome
from grants.selectors import missing_receipts

S = Grant.Status
APPROVED_STATES = [S.APPROVED, S.PAID, S.RECEIPT_RECEIVED, S.CLOSED]


def category_label(account_name: str) -> str:
    """ "Grants: ID documents" reads as "ID documents"."""
    name = account_name.removeprefix("Grants: ")
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class ReceiptsMissing:
    count: int
    total: Money
    oldest_paid: date | None


def receipts_missing(now: datetime, fund: Fund | None = None) -> ReceiptsMissing:
    """Grants paid ``RECEIPT_DUE_DAYS`` or more ago with no receipt yet."""
    grants = missing_receipts(now)
    if fund is not None:
        grants = grants.filter(fund=fund)
    totals = grants.order_by().aggregate(n=Count("pk"), total=Sum("amount"), oldest=Min("paid_at"))
    return ReceiptsMissing(
        count=totals["n"],
        total=gbp(getattr(totals["total"], "amount", totals["total"]) or Decimal(0)),
        oldest_paid=timezone.localdate(totals["oldest"]) if totals["oldest"] else None,
    )


def _approved_in(buckets: list[Bucket]):
    return Grant.objects.filter(
        status__in=APPROVED_STATES,
        approved_at__gte=aware(buckets[0].start),
        approved_at__lt=aware(buckets[-1].end),
    )


def grants_per_quarter_by(
    buckets: list[Bucket], *, field: str, slug: str, title: str, other_label: str
) -> Chart:
    """Number of grants approved per quarter, by category or by agency, with the small
    numbers of each quarter merged by ``merge_small_counts``: a column for every category
    (or agency) shown in some quarter, then ``other_label``. In a quarter where a shown
    column was merged into Other its cell is None; an Other under ``SMALL_NUMBER`` is
    suppressed, and so is that quarter's total."""
    if not buckets:
        return Chart(slug=slug, title=title, series=[], rows=[])
    counts: dict[tuple[str, str], int] = defaultdict(int)
    names: set[str] = set()
    for index, name, n in (
        _approved_in(buckets)
        .annotate(bucket=bucket_index("approved_at", buckets))
        .values("bucket", f"{field}__name")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("bucket", f"{field}__name", "n")
    ):
        if index is not None:
            counts[(buckets[index].label, category_label(name))] += n
            names.add(category_label(name))
    merged = {
        b.label: {
            c.label: c
            for c in merge_small_counts(
                ((name, counts[(b.label, name)]) for name in names), other_label=other_label
            )
        }
        for b in buckets
    }
    shown = sorted({name for m in merged.values() for name in m} - {other_label}, key=str.lower)
    has_other = any(other_label in m for m in merged.values())
    columns = shown + [other_label] if has_other else shown
    series = [
        Series(name, name, colour)
        for name, colour in zip(columns, colours(len(columns)), strict=True)
    ]
    rows = []
    for b in buckets:
        row = merged[b.label]
        values: list[Decimal | None] = []
        for name in shown:
            if name in row:
                values.append(row[name].count)
            else:
                # Merged into Other this quarter, unless there were none at all.
                values.append(None if counts[(b.label, name)] else 0)
        suppressed = frozenset()
        if has_other:
            other = row.get(other_label)
            if other is not None and other.suppressed:
                values.append(None)
                suppressed = frozenset({len(shown)})
            else:
                values.append(other.count if other is not None else 0)
        rows.append(BarRow(label=b.label, values=values, suppressed=suppressed))
    noun = "category" if field == "category" else "agency"
    return Chart(
        slug=slug,
        title=title,
        description=(
            "Grants approved (and not since withdrawn), by the quarter approved. To protect "
            f"the people helped, a {noun} with fewer than {SMALL_NUMBER} grants in a quarter "
            f'is counted in "{other_label}"; an "{other_label}" that small reads '
            f'"{SUPPRESSED}", and the quarter\'s total is then left out.'
        ),
        series=series,
        rows=rows,
        unit="count",
        row_heading="Quarter",
        suppressed_label=SUPPRESSED,
    )


def outcomes_chart(buckets: list[Bucket]) -> Chart:
    """Outcomes recorded per quarter: was the barrier removed?"""
    choices = Outcome.BarrierRemoved
    counts: dict[tuple[str, str], int] = defaultdict(int)
    if buckets:
        for index, answer, n in (
            Outcome.objects.filter(in_span("recorded_at", buckets))
            .annotate(bucket=bucket_index("recorded_at", buckets))
            .values("bucket", "barrier_removed")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("bucket", "barrier_removed", "n")
        ):
            if index is not None:
                counts[(buckets[index].label, answer)] += n
    series = [
        Series(value, f"Barrier removed: {label.lower()}", colour)
        for (value, label), colour in zip(
            choices.choices, ["#00703c", "#f47738", "#d4351c"], strict=True
        )
    ]
    rows = []
    for b in buckets:
        # The answers are not categories to merge: a small count is withheld as it would
        # be in Other (CategoryCount.suppressed), and none is shown as 0.
        found = [CategoryCount(s.key, counts[(b.label, s.key)]) for s in series]
        rows.append(
            BarRow(
                label=b.label,
                values=[None if c.count and c.suppressed else c.count for c in found],
                suppressed=frozenset(i for i, c in enumerate(found) if c.count and c.suppressed),
            )
        )
    return Chart(
        slug="outcomes",
        title="Outcomes recorded, per quarter",
        description=(
            "The key worker's answer, some weeks after payment: was the barrier removed? To "
            f"protect the people helped, 1 to {SMALL_NUMBER - 1} answers read "
            f'"{SUPPRESSED}", and the quarter\'s total is then left out.'
        ),
        series=series,
        rows=rows,
        unit="count",
        row_heading="Quarter",
        suppressed_label=SUPPRESSED,
    )
