"""Reads about contributions: totals per funder, and what a pledge has brought in."""

from dataclasses import dataclass

from django.db.models import Sum
from djmoney.money import Money

from donations.models.contributions import ContributionReceipt, Pledge
from fund.models import Fund
from fund.selectors import fund_spending


@dataclass(frozen=True)
class FunderTotals:
    funder: str
    pledged: Money
    received: Money

    @property
    def outstanding(self) -> Money:
        return self.pledged - self.received


def funder_totals() -> list[FunderTotals]:
    """Pledged, received and outstanding per funder."""
    pledged = dict(Pledge.objects.values_list("funder").annotate(t=Sum("amount")))
    received = dict(
        ContributionReceipt.objects.values_list("pledge__funder").annotate(t=Sum("amount"))
    )
    return [
        FunderTotals(
            funder=name,
            pledged=Money(pledged[name], "GBP"),
            received=Money(received.get(name) or 0, "GBP"),
        )
        for name in sorted(pledged)
    ]


def pledge_received(pledge: Pledge) -> Money:
    total = pledge.receipts.aggregate(t=Sum("amount"))["t"]
    return Money(total or 0, "GBP")


@dataclass(frozen=True)
class RestrictedSpending:
    fund: Fund
    spent: Money


def restricted_spending() -> list[RestrictedSpending]:
    """Each active restricted fund with a period: what it spent within that period."""
    funds = Fund.objects.filter(
        kind=Fund.Kind.RESTRICTED,
        is_active=True,
        period_start__isnull=False,
        period_end__isnull=False,
    ).order_by("name")
    return [RestrictedSpending(f, fund_spending(f, f.period_start, f.period_end)) for f in funds]
