"""Reads for the cash pages: overdue boxes, counts to confirm, cash in transit, yields, GASDS."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from djmoney.money import Money

from donations.models import Collection, CollectionPoint, Deposit

OVERDUE_AFTER = timedelta(weeks=4)
POSTED = [Collection.Status.CONFIRMED, Collection.Status.BANKED]

# Gift Aid Small Donations Scheme: a top-up at the Gift Aid rate on small cash gifts of
# £30 or less, on at most £8,000 of them per charity per tax year (since April 2016).
GASDS_CAP = Money("8000.00", "GBP")
GASDS_RATE = Decimal("0.25")


def gbp(amount) -> Money:
    return Money(amount or Decimal("0.00"), "GBP")


@dataclass(frozen=True)
class PointRow:
    point: CollectionPoint
    last_emptied: datetime | None
    overdue: bool


def points_with_last_emptied(*, now: datetime | None = None) -> list[PointRow]:
    """Every point with the last time its box was emptied; active boxes untouched for four
    weeks (or never emptied four weeks after opening) are overdue."""
    now = now or timezone.now()
    cutoff = now - OVERDUE_AFTER
    points = (
        CollectionPoint.objects.select_related("fund")
        .annotate(last_emptied=Max("collections__emptied_at"))
        .order_by("-is_active", "host_name")
    )
    rows = []
    for point in points:
        if point.last_emptied is not None:
            overdue = point.last_emptied < cutoff
        else:
            overdue = point.opened_on < timezone.localdate(cutoff)
        rows.append(
            PointRow(
                point=point, last_emptied=point.last_emptied, overdue=point.is_active and overdue
            )
        )
    return rows


def counts_awaiting_confirmation() -> QuerySet[Collection]:
    return (
        Collection.objects.filter(status=Collection.Status.AWAITING_CONFIRMATION)
        .select_related("point", "counted_by")
        .order_by("emptied_at", "pk")
    )


def counts_returned() -> QuerySet[Collection]:
    return (
        Collection.objects.filter(status=Collection.Status.RETURNED)
        .select_related("point", "counted_by")
        .order_by("emptied_at", "pk")
    )


def broken_seals_to_review() -> QuerySet[Collection]:
    return (
        Collection.objects.filter(seal_broken=True, seal_reviewed_by__isnull=True)
        .select_related("point", "counted_by")
        .order_by("emptied_at", "pk")
    )


@dataclass(frozen=True)
class CashInTransit:
    collections: list[Collection]
    total: Money


def cash_in_transit() -> CashInTransit:
    """Confirmed collections not yet in a deposit, oldest first: cash someone is holding."""
    rows = list(
        Collection.objects.filter(status=Collection.Status.CONFIRMED)
        .select_related("point", "point__fund", "counted_by", "confirmed_by")
        .order_by("emptied_at", "pk")
    )
    return CashInTransit(collections=rows, total=gbp(sum(r.amount.amount for r in rows)))


def deposits_awaiting_check() -> QuerySet[Deposit]:
    return (
        Deposit.objects.filter(status=Deposit.Status.AWAITING_CHECK)
        .select_related("fund", "recorded_by")
        .order_by("banked_on", "pk")
    )


@dataclass(frozen=True)
class MonthYield:
    month: date
    point: CollectionPoint
    collections: int
    total: Money


def yield_by_month(*, point: CollectionPoint | None = None) -> list[MonthYield]:
    """Confirmed box cash per point per calendar month (by date emptied), newest first."""
    rows = Collection.objects.filter(status__in=POSTED)
    if point is not None:
        rows = rows.filter(point=point)
    totals = (
        rows.annotate(month=TruncMonth("emptied_at"))
        .values("month", "point")
        .annotate(total=Sum("amount"), collections=Count("pk"))
        .order_by("-month", "point")
    )
    points = {p.pk: p for p in CollectionPoint.objects.filter(pk__in={t["point"] for t in totals})}
    result = [
        MonthYield(
            month=_as_date(t["month"]),
            point=points[t["point"]],
            collections=t["collections"],
            total=gbp(t["total"]),
        )
        for t in totals
    ]
    return sorted(result, key=lambda r: (-r.month.toordinal(), r.point.host_name))


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def tax_year_start(day: date) -> date:
    """The 6 April on which the UK tax year holding ``day`` began."""
    start = date(day.year, 4, 6)
    return start if day >= start else date(day.year - 1, 4, 6)


@dataclass(frozen=True)
class GasdsYear:
    start: date
    collections: int
    total: Money

    @property
    def end(self) -> date:
        return date(self.start.year + 1, 4, 5)

    @property
    def label(self) -> str:
        return f"{self.start.year}–{str(self.start.year + 1)[-2:]}"

    @property
    def eligible(self) -> Money:
        """The part of the total that fits under the charity-wide £8,000 cap."""
        return min(self.total, GASDS_CAP)

    @property
    def top_up(self) -> Money:
        return gbp((self.eligible.amount * GASDS_RATE).quantize(Decimal("0.01")))

    @property
    def over_cap(self) -> bool:
        return self.total > GASDS_CAP


def gasds_by_tax_year() -> list[GasdsYear]:
    """Confirmed box cash per UK tax year (6 April to 5 April, by date emptied), newest first.

    Box cash is loose coins and notes from many givers, each well under the £30 limit, so
    all of it counts as small donations.
    """
    per_day = (
        Collection.objects.filter(status__in=POSTED)
        .annotate(day=TruncDate("emptied_at"))
        .values("day")
        .annotate(total=Sum("amount"), collections=Count("pk"))
    )
    years: dict[date, tuple[int, Decimal]] = {}
    for row in per_day:
        start = tax_year_start(_as_date(row["day"]))
        count, total = years.get(start, (0, Decimal("0.00")))
        years[start] = (count + row["collections"], total + row["total"])
    return [
        GasdsYear(start=start, collections=count, total=gbp(total))
        for start, (count, total) in sorted(years.items(), reverse=True)
    ]
