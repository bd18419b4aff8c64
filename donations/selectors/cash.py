"""Reads for the cash pages: overdue boxes, counts to confirm, cash in transit, yields, GASDS."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, F, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from djmoney.money import Money

from donations.models import Collection, CollectionDenomination, CollectionPoint, Deposit
from fund.money import gbp

OVERDUE_AFTER = timedelta(weeks=4)
POSTED = [Collection.Status.CONFIRMED, Collection.Status.BANKED]

# Gift Aid Small Donations Scheme: a top-up at the Gift Aid rate on small cash gifts of
# £30 or less, on at most £8,000 of them per charity per tax year (since April 2016).
GASDS_CAP = Money("8000.00", "GBP")
GASDS_RATE = Decimal("0.25")


@dataclass(frozen=True)
class PointRow:
    point: CollectionPoint
    last_emptied: datetime | None
    overdue: bool


def points_listed(*, now: datetime | None = None) -> QuerySet[CollectionPoint]:
    """Every point, active first then by host, with the last time its box was emptied
    (``last_emptied``, kept on the point by ``collection_record``) and whether it is
    ``overdue``: an active box untouched for four weeks, or never emptied four weeks after
    opening. Worked out by the database from the points alone, so a page of points, or
    only the overdue ones, costs the same however many points and collections there are."""
    now = now or timezone.now()
    cutoff = now - OVERDUE_AFTER
    return (
        CollectionPoint.objects.select_related("fund")
        .annotate(last_emptied=F("last_emptied_at"))
        .annotate(
            overdue=Case(
                When(
                    Q(is_active=True)
                    & (
                        Q(last_emptied__lt=cutoff)
                        | Q(last_emptied__isnull=True, opened_on__lt=timezone.localdate(cutoff))
                    ),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_active", "host_name", "pk")
    )


def points_overdue(*, now: datetime | None = None) -> QuerySet[CollectionPoint]:
    return points_listed(now=now).filter(overdue=True)


def point_rows(points) -> list[PointRow]:
    """Rows for points from ``points_listed``."""
    return [PointRow(point=p, last_emptied=p.last_emptied, overdue=p.overdue) for p in points]


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
    """Confirmed collections not yet in a deposit: the rows (a queryset, oldest first, for
    the page to paginate) and their count and total, summed by the database."""

    collections: QuerySet[Collection]
    count: int
    total: Money


def cash_in_transit() -> CashInTransit:
    """Confirmed collections not yet in a deposit, oldest first: cash someone is holding.
    The total is one aggregate query, never a sum over loaded rows."""
    summary = cash_in_transit_summary()
    rows = (
        Collection.objects.filter(status=Collection.Status.CONFIRMED)
        .select_related("point", "point__fund", "counted_by", "confirmed_by")
        .order_by("emptied_at", "pk")
    )
    return CashInTransit(collections=rows, count=summary.count, total=summary.total)


@dataclass(frozen=True)
class InTransitSummary:
    count: int
    total: Money
    oldest_emptied: datetime | None


def cash_in_transit_summary(*, fund_id: int | None = None) -> InTransitSummary:
    """Confirmed collections not yet in a deposit: how many, their total and the oldest,
    summed by the database (one query, whatever the number of collections)."""
    rows = Collection.objects.filter(status=Collection.Status.CONFIRMED)
    if fund_id is not None:
        rows = rows.filter(point__fund_id=fund_id)
    totals = rows.aggregate(count=Count("pk"), total=Sum("amount"), oldest=Min("emptied_at"))
    return InTransitSummary(
        count=totals["count"], total=gbp(totals["total"]), oldest_emptied=totals["oldest"]
    )


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


def yield_rows(*, point: CollectionPoint | None = None):
    """Confirmed box cash per point per calendar month (by date emptied), newest month
    first, then by host: one row per point and month, summed by the database, so a page of
    them (``month_yields``) costs the same however many months and points there are."""
    rows = Collection.objects.filter(status__in=POSTED)
    if point is not None:
        rows = rows.filter(point=point)
    return (
        rows.annotate(month=TruncMonth("emptied_at"))
        .values("month", "point", "point__host_name")
        .annotate(total=Sum("amount"), collections=Count("pk"))
        .order_by("-month", "point__host_name", "point")
    )


def month_yields(rows) -> list[MonthYield]:
    """``yield_rows`` (or a page of them) with their points."""
    rows = list(rows)
    points = {p.pk: p for p in CollectionPoint.objects.filter(pk__in={r["point"] for r in rows})}
    return [
        MonthYield(
            month=_as_date(r["month"]),
            point=points[r["point"]],
            collections=r["collections"],
            total=gbp(r["total"]),
        )
        for r in rows
    ]


def yield_month(row) -> date:
    """The month of one of ``yield_rows``."""
    return _as_date(row["month"])


def yield_by_month(*, point: CollectionPoint | None = None) -> list[MonthYield]:
    return month_yields(yield_rows(point=point))


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def tax_year_start(day: date) -> date:
    """The 6 April on which the UK tax year holding ``day`` began."""
    start = date(day.year, 4, 6)
    return start if day >= start else date(day.year - 1, 4, 6)


# HMRC's GASDS rules (gov.uk "Claiming a top-up payment on small donations"): a small
# donation is one cash or contactless gift of £30 or less; the top-up is at the Gift Aid
# rate on the least of the eligible total, £8,000 and 10 times the Gift Aid donations
# claimed in the same tax year; the claim is due within two years of the year's end.
GASDS_SMALL_LIMIT = Decimal("30.00")
GASDS_MATCHING = 10
GASDS_CLAIM_YEARS = 2

LIMIT_ELIGIBLE = "eligible"
LIMIT_CAP = "cap"
LIMIT_MATCHING = "matching"


@dataclass(frozen=True)
class GasdsYear:
    start: date
    collections: int
    total: Money
    excluded: Money
    gift_aid_claimed: Money
    today: date
    # Contactless taps: those of £30 or less are small donations; a tap over £30 is not.
    small_taps: int = 0
    small_tap_total: Money = Money("0.00", "GBP")
    taps_over: int = 0
    taps_over_total: Money = Money("0.00", "GBP")

    @property
    def end(self) -> date:
        return date(self.start.year + 1, 4, 5)

    @property
    def label(self) -> str:
        return f"{self.start.year}–{str(self.start.year + 1)[-2:]}"

    @property
    def eligible_total(self) -> Money:
        """Box cash less the notes over £30 (each a single donation above the limit), and
        the contactless taps of £30 or less."""
        return self.total - self.excluded + self.small_tap_total

    @property
    def matching_limit(self) -> Money:
        return gbp(self.gift_aid_claimed.amount * GASDS_MATCHING)

    @property
    def limiting(self) -> str:
        """Which of the three limits decides the amount (the eligible total on a tie)."""
        candidates = [
            (self.eligible_total.amount, 0, LIMIT_ELIGIBLE),
            (GASDS_CAP.amount, 1, LIMIT_CAP),
            (self.matching_limit.amount, 2, LIMIT_MATCHING),
        ]
        return min(candidates)[2]

    @property
    def eligible(self) -> Money:
        """The small donations that may be claimed on: the least of the three limits."""
        return min(self.eligible_total, GASDS_CAP, self.matching_limit)

    @property
    def top_up(self) -> Money:
        return gbp((self.eligible.amount * GASDS_RATE).quantize(Decimal("0.01")))

    @property
    def over_cap(self) -> bool:
        return self.eligible_total > GASDS_CAP

    @property
    def no_gift_aid(self) -> bool:
        return self.gift_aid_claimed.amount <= 0

    @property
    def deadline(self) -> date:
        """Two years after the end of the tax year (5 April two years on)."""
        return date(self.end.year + GASDS_CLAIM_YEARS, 4, 5)

    @property
    def out_of_time(self) -> bool:
        return self.today > self.deadline


def _gift_aid_claimed_by_tax_year() -> dict[date, Decimal]:
    """Gift Aid donations claimed, on the amount kept, by the tax year they were received."""
    from donations.models import OnlinePayment

    years: dict[date, Decimal] = defaultdict(lambda: Decimal("0.00"))
    rows = OnlinePayment.objects.filter(gift_aid_claim__isnull=False).values_list(
        "paid_on", "amount", "amount_refunded"
    )
    for paid_on, amount, refunded in rows:
        years[tax_year_start(paid_on)] += amount - refunded
    return years


def _taps_by_tax_year() -> dict[date, tuple[int, Decimal, int, Decimal]]:
    """Per tax year: the taps of £30 or less (count, total) and those over (count, total)."""
    from donations.models import Tap

    small = Q(amount__lte=GASDS_SMALL_LIMIT)
    per_day = (
        Tap.objects.annotate(day=TruncDate("tapped_at"))
        .values("day")
        .annotate(
            small_count=Count("pk", filter=small),
            small_total=Sum("amount", filter=small),
            over_count=Count("pk", filter=~small),
            over_total=Sum("amount", filter=~small),
        )
        .order_by()
    )
    years: dict[date, tuple[int, Decimal, int, Decimal]] = {}
    for row in per_day:
        start = tax_year_start(_as_date(row["day"]))
        a, b, c, d = years.get(start, (0, Decimal("0.00"), 0, Decimal("0.00")))
        years[start] = (
            a + row["small_count"],
            b + (row["small_total"] or 0),
            c + row["over_count"],
            d + (row["over_total"] or 0),
        )
    return years


def gasds_by_tax_year(*, today: date | None = None) -> list[GasdsYear]:
    """Confirmed box cash and contactless taps per UK tax year (6 April to 5 April, by date
    emptied or tapped), newest first.

    Notes over £30 (the £50 note) recorded on the count are single donations above the
    small-donation limit and are excluded; the rest of a box is loose coins and notes of
    £30 or less. A tap is one donation: eligible at £30.00 or less, excluded above.
    """
    today = today or timezone.localdate()
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
    taps = _taps_by_tax_year()
    for start in taps:
        years.setdefault(start, (0, Decimal("0.00")))
    excluded: dict[date, Decimal] = defaultdict(lambda: Decimal("0.00"))
    big_notes = CollectionDenomination.objects.filter(
        collection__status__in=POSTED, value__gt=GASDS_SMALL_LIMIT
    ).values_list("collection__emptied_at", "value", "quantity")
    for emptied_at, value, quantity in big_notes:
        day = timezone.localtime(emptied_at).date()
        excluded[tax_year_start(day)] += value * quantity
    claimed = _gift_aid_claimed_by_tax_year()
    no_taps = (0, Decimal("0.00"), 0, Decimal("0.00"))
    return [
        GasdsYear(
            start=start,
            collections=count,
            total=gbp(total),
            excluded=gbp(excluded[start]),
            gift_aid_claimed=gbp(claimed[start]),
            today=today,
            small_taps=taps.get(start, no_taps)[0],
            small_tap_total=gbp(taps.get(start, no_taps)[1]),
            taps_over=taps.get(start, no_taps)[2],
            taps_over_total=gbp(taps.get(start, no_taps)[3]),
        )
        for start, (count, total) in sorted(years.items(), reverse=True)
    ]
