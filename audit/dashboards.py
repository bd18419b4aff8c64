"""Reads behind the staff dashboard: balances, income, grants, cash and speed at a glance.

Money figures come from the ledger (transfers and cached balances), never from the
business records, so the dashboard agrees with ``verify_ledger`` and the exports. Months
are calendar months of the entry's effective date.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from djmoney.money import Money

from audit.charts import BarRow, Chart, Series, colours
from donations.models import OnlineDonation, OnlinePayment
from donations.selectors.cash import cash_in_transit
from fund.models import Account, Balance, Fund, Transfer
from fund.selectors import available_in_fund

GRANTS_PAYABLE = "liabilities:grants-payable"
CASH_IN_TRANSIT = "assets:cash-in-transit"
ONLINE = "income:donations:online"
ONLINE_SOURCE = "donations.OnlinePayment:"

# Income channels: a series key, its label, and the income account it is read from. Online
# gifts share one account; one-off and monthly are told apart by the payment each entry
# records (its ``source``).
INCOME_CHANNELS = [
    ("boxes", "Collection boxes", "income:donations:boxes"),
    ("online-one-off", "Online, one-off", ONLINE),
    ("online-monthly", "Online, monthly", ONLINE),
    ("contributions", "Contributions from services and funders", "income:contributions"),
    ("gift-aid", "Gift Aid and GASDS", "income:gift-aid"),
]


def gbp(amount) -> Money:
    return Money(amount or Decimal("0.00"), "GBP")


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


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- Balances -------------------------------------------------------------------------


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
    held = cash_in_transit()
    collections = [c for c in held.collections if fund is None or c.point.fund_id == fund.pk]
    ledger = Balance.objects.filter(account__code=CASH_IN_TRANSIT)
    if fund is not None:
        ledger = ledger.filter(fund=fund)
    totals = ledger.aggregate(debit=Sum("debit_total"), credit=Sum("credit_total"))
    return CashHeld(
        ledger_total=gbp((totals["debit"] or 0) - (totals["credit"] or 0)),
        collections=len(collections),
        collections_total=gbp(sum((c.amount.amount for c in collections), Decimal(0))),
        oldest_emptied=_as_date(collections[0].emptied_at) if collections else None,
    )


# --- Income and grants by month ---------------------------------------------------------


def _transfers_in(period: Period):
    transfers = Transfer.objects.filter(
        entry__effective_date__gte=period.start, entry__effective_date__lte=period.end
    )
    if period.fund is not None:
        transfers = transfers.filter(fund=period.fund)
    return transfers.annotate(month=TruncMonth("entry__effective_date"))


def income_by_channel(period: Period) -> Chart:
    """Income per month by channel: what was credited to each income account, less any
    debits (refunds, reversals), in the month of the entry's effective date."""
    channel_of_account = {code: key for key, _, code in INCOME_CHANNELS if code != ONLINE}
    income_codes = [code for _, _, code in INCOME_CHANNELS]
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)

    rows = (
        _transfers_in(period)
        .filter(Q(credit_account__code__in=income_codes) | Q(debit_account__code__in=income_codes))
        .exclude(Q(credit_account__code=ONLINE) | Q(debit_account__code=ONLINE))
        .values("month", "debit_account__code", "credit_account__code")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        month = _as_date(row["month"])
        if row["credit_account__code"] in channel_of_account:
            totals[(month, channel_of_account[row["credit_account__code"]])] += row["total"]
        if row["debit_account__code"] in channel_of_account:
            totals[(month, channel_of_account[row["debit_account__code"]])] -= row["total"]

    online = (
        _transfers_in(period)
        .filter(Q(credit_account__code=ONLINE) | Q(debit_account__code=ONLINE))
        .values("month", "entry__source", "credit_account__code")
        .annotate(total=Sum("amount"))
    )
    online = list(online)
    payment_ids = {
        int(source.removeprefix(ONLINE_SOURCE))
        for source in (row["entry__source"] for row in online)
        if source.startswith(ONLINE_SOURCE) and source.removeprefix(ONLINE_SOURCE).isdigit()
    }
    monthly = set(
        OnlinePayment.objects.filter(
            pk__in=payment_ids, donation__frequency=OnlineDonation.Frequency.MONTHLY
        ).values_list("pk", flat=True)
    )
    for row in online:
        source = row["entry__source"]
        is_monthly = (
            source.startswith(ONLINE_SOURCE)
            and source.removeprefix(ONLINE_SOURCE).isdigit()
            and int(source.removeprefix(ONLINE_SOURCE)) in monthly
        )
        key = "online-monthly" if is_monthly else "online-one-off"
        sign = 1 if row["credit_account__code"] == ONLINE else -1
        totals[(_as_date(row["month"]), key)] += sign * row["total"]

    series = [
        Series(key, label, colour)
        for (key, label, _), colour in zip(
            INCOME_CHANNELS, colours(len(INCOME_CHANNELS)), strict=True
        )
    ]
    return Chart(
        slug="income-by-channel",
        title="Income by channel, by month",
        description="Money given, net of refunds, by the month it was recorded.",
        series=series,
        rows=[
            BarRow(
                label=month_label(month),
                values=[totals.get((month, s.key), Decimal("0.00")) for s in series],
            )
            for month in period.months
        ],
    )


def grants_by_category(period: Period) -> Chart:
    """Grants approved per month by category: the net debit to each grant category account
    (an approval withdrawn or an underspend returned is a reversal and comes off)."""
    categories = list(Account.objects.filter(is_grant_category=True).order_by("name"))
    by_id = {a.pk: a for a in categories}
    totals: dict[tuple[date, int], Decimal] = defaultdict(Decimal)
    rows = (
        _transfers_in(period)
        .filter(Q(debit_account__in=categories) | Q(credit_account__in=categories))
        .values("month", "debit_account", "credit_account")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        month = _as_date(row["month"])
        if row["debit_account"] in by_id:
            totals[(month, row["debit_account"])] += row["total"]
        if row["credit_account"] in by_id:
            totals[(month, row["credit_account"])] -= row["total"]
    used = [a for a in categories if any(v for (_, pk), v in totals.items() if pk == a.pk)]
    series = [
        Series(a.code, a.name.removeprefix("Grants: ").capitalize(), colour)
        for a, colour in zip(used, colours(len(used)), strict=True)
    ]
    return Chart(
        slug="grants-by-category",
        title="Grants by category, by month",
        description="Grants approved, less any withdrawn or returned, by the month approved.",
        series=series,
        rows=[
            BarRow(
                label=month_label(month),
                values=[totals.get((month, a.pk), Decimal("0.00")) for a in used],
            )
            for month in period.months
        ],
    )
