"""Reads for the contactless pages: taps and cash side by side per point, imports, payouts."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from djmoney.money import Money

from donations.models import Collection, Tap, TapImport, TapPayout, TapTerminal
from donations.selectors.cash import POSTED
from fund.money import gbp


@dataclass(frozen=True)
class PointTakings:
    collections: int
    cash: Money
    taps: int
    contactless: Money
    fees: Money

    @property
    def total(self) -> Money:
        return self.cash + self.contactless


NO_TAKINGS = PointTakings(0, gbp(0), 0, gbp(0), gbp(0))


def takings_by_point(points) -> dict[int, PointTakings]:
    """Confirmed box cash and contactless taps of each of ``points``, summed by the
    database (two queries, whatever the number of collections and taps)."""
    cash = {
        row["point"]: row
        for row in Collection.objects.filter(status__in=POSTED, point__in=points)
        .values("point")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by()
    }
    taps = {
        row["point"]: row
        for row in Tap.objects.filter(point__in=points)
        .values("point")
        .annotate(count=Count("pk"), total=Sum("amount"), fees=Sum("fee"))
        .order_by()
    }
    return {
        point_id: PointTakings(
            collections=cash.get(point_id, {}).get("count", 0),
            cash=gbp(cash.get(point_id, {}).get("total")),
            taps=taps.get(point_id, {}).get("count", 0),
            contactless=gbp(taps.get(point_id, {}).get("total")),
            fees=gbp(taps.get(point_id, {}).get("fees")),
        )
        for point_id in cash.keys() | taps.keys()
    }


def terminals_by_point(points) -> dict[int, list[TapTerminal]]:
    found: dict[int, list[TapTerminal]] = {}
    for terminal in TapTerminal.objects.filter(point__in=points).order_by(
        "provider", "terminal_id"
    ):
        found.setdefault(terminal.point_id, []).append(terminal)
    return found


def recent_imports(limit: int = 20) -> QuerySet[TapImport]:
    return TapImport.objects.select_related("imported_by").order_by("-imported_at", "-pk")[:limit]


def payouts_awaiting_bank() -> QuerySet[TapPayout]:
    """Payouts not yet matched on the bank statement, with their tap counts."""
    return (
        TapPayout.objects.filter(entry__isnull=True, net__gt=0)
        .annotate(tap_count=Count("taps"))
        .order_by("pk")
    )


def payouts_paid(limit: int = 20) -> QuerySet[TapPayout]:
    return (
        TapPayout.objects.filter(entry__isnull=False)
        .annotate(tap_count=Count("taps", filter=Q(taps__isnull=False)))
        .order_by("-paid_on", "-pk")[:limit]
    )
