"""What each fund holds now: available to grant, committed, cash not yet banked, and the
restricted funds' time left. Read from the ledger's cached balances."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.utils import timezone
from djmoney.money import Money

from audit.charts import BarRow, Chart, Series, colours
from audit.dashboards.periods import as_date
from donations.selectors.cash import cash_in_transit_summary
from fund.models import Balance, Fund
from fund.money import gbp
from fund.selectors import available_in_fund

GRANTS_PAYABLE = "liabilities:grants-payable"
CASH_IN_TRANSIT = "assets:cash-in-transit"


@dataclass(frozen=True)
class FundPosition:
    fund: Fund
    available: Money
    committed: Money
    cash_in_transit: Money

    @property
    def overcommitted(self) -> bool:
        return self.available.amount < 0


def fund_positions(fund: Fund | None = None) -> list[FundPosition]:
    """Each active fund (or the one chosen): available to grant, committed, cash in transit.

    Committed is the grants payable balance: grants approved and not yet paid.
    """
    funds = Fund.objects.filter(is_active=True).order_by("name")
    if fund is not None:
        funds = funds.filter(pk=fund.pk)
    funds = list(funds)
    held: dict[tuple[int, str], Money] = {}
    for balance in Balance.objects.filter(
        fund__in=funds, account__code__in=[GRANTS_PAYABLE, CASH_IN_TRANSIT]
    ).select_related("account"):
        held[(balance.fund_id, balance.account.code)] = balance.net
    return [
        FundPosition(
            fund=f,
            available=available_in_fund(f),
            committed=held.get((f.pk, GRANTS_PAYABLE), gbp(0)),
            cash_in_transit=held.get((f.pk, CASH_IN_TRANSIT), gbp(0)),
        )
        for f in funds
    ]


def available_chart(positions: list[FundPosition]) -> Chart:
    """Available to grant and committed, one bar per fund."""
    available, committed = colours(2)
    return Chart(
        slug="fund-balances",
        title="Available and committed, by fund",
        description="Available to grant now, and grants approved but not yet paid.",
        series=[
            Series("available", "Available to grant", available),
            Series("committed", "Committed, not yet paid", committed),
        ],
        rows=[
            BarRow(label=p.fund.name, values=[p.available.amount, p.committed.amount])
            for p in positions
        ],
        stacked=False,
        row_heading="Fund",
    )


@dataclass(frozen=True)
class RestrictedFund:
    fund: Fund
    remaining: Money
    ends_on: date | None
    days_left: int | None


def restricted_funds(today: date, fund: Fund | None = None) -> list[RestrictedFund]:
    """Restricted funds still active, soonest ending first, with what is left to grant."""
    funds = Fund.objects.filter(is_active=True, kind=Fund.Kind.RESTRICTED)
    if fund is not None:
        funds = funds.filter(pk=fund.pk)
    rows = [
        RestrictedFund(
            fund=f,
            remaining=available_in_fund(f),
            ends_on=f.period_end,
            days_left=(f.period_end - today).days if f.period_end else None,
        )
        for f in funds
    ]
    return sorted(rows, key=lambda r: (r.ends_on is None, r.ends_on or date.max, r.fund.name))


@dataclass(frozen=True)
class CashHeld:
    """Counted box cash not yet banked: the ledger's figure and the collections behind it."""

    ledger_total: Money
    collections: int
    collections_total: Money
    oldest_emptied: date | None


def cash_not_banked(fund: Fund | None = None) -> CashHeld:
    held = cash_in_transit_summary(fund_id=fund.pk if fund is not None else None)
    ledger = Balance.objects.filter(account__code=CASH_IN_TRANSIT)
    if fund is not None:
        ledger = ledger.filter(fund=fund)
    totals = ledger.aggregate(debit=Sum("debit_total"), credit=Sum("credit_total"))
    return CashHeld(
        ledger_total=gbp((totals["debit"] or 0) - (totals["credit"] or 0)),
        collections=held.count,
        collections_total=held.total,
        oldest_emptied=as_date(timezone.localtime(held.oldest_emptied))
        if held.oldest_emptied
        else None,
    )
