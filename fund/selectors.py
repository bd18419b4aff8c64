"""Reads of the ledger that are more than a one-line queryset."""

from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from djmoney.money import Money

from fund.models import Account, Balance, ChainHead, Entry, Fund, MonthTotal, Transfer
from fund.money import gbp


def available_in_fund(fund: Fund) -> Money:
    """What the fund has received less what it has committed and paid.

    Liquid assets (bank, Stripe balance, cash in transit) less liabilities (grants
    approved but not yet paid). Read from the cached balances: a handful of rows.
    """
    rows = (
        Balance.objects.filter(fund=fund)
        .filter(Q(account__liquid=True) | Q(account__type=Account.Type.LIABILITY))
        .values_list("account__type", "debit_total", "credit_total")
    )
    total = Decimal(0)
    for account_type, debit, credit in rows:
        if account_type == Account.Type.LIABILITY:
            total -= credit - debit
        else:
            total += debit - credit
    return gbp(total)


def account_balance(account: Account, fund: Fund | None = None) -> Money:
    """The account's balance in its normal direction, in one fund or across all."""
    rows = Balance.objects.filter(account=account)
    if fund is not None:
        rows = rows.filter(fund=fund)
    totals = rows.aggregate(debit=Sum("debit_total"), credit=Sum("credit_total"))
    debit, credit = totals["debit"] or Decimal(0), totals["credit"] or Decimal(0)
    return gbp(debit - credit if account.debit_normal else credit - debit)


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    debit: Money
    credit: Money

    @property
    def net_debit(self) -> Money:
        return self.debit - self.credit


def trial_balance(fund: Fund | None = None) -> list[TrialBalanceRow]:
    """Debit and credit totals per account (one fund or all), from the cached balances."""
    rows = Balance.objects.all()
    if fund is not None:
        rows = rows.filter(fund=fund)
    totals = {
        row["account"]: row
        for row in rows.values("account").annotate(
            debit=Sum("debit_total"), credit=Sum("credit_total")
        )
    }
    return [
        TrialBalanceRow(
            account=account,
            debit=gbp(totals.get(account.pk, {}).get("debit")),
            credit=gbp(totals.get(account.pk, {}).get("credit")),
        )
        for account in Account.objects.order_by("code")
    ]


@dataclass(frozen=True)
class FundSummary:
    fund: Fund
    available: Money
    balances: list[tuple[Account, Money]]


def fund_summaries() -> list[FundSummary]:
    """Each active fund with its available balance and non-zero account balances."""
    funds = list(Fund.objects.filter(is_active=True).order_by("name"))
    by_fund: dict[int, list[tuple[Account, Money]]] = {f.pk: [] for f in funds}
    for balance in (
        Balance.objects.filter(fund__in=funds).select_related("account").order_by("account__code")
    ):
        if balance.debit_total.amount or balance.credit_total.amount:
            by_fund[balance.fund_id].append((balance.account, balance.net))
    return [
        FundSummary(fund=f, available=available_in_fund(f), balances=by_fund[f.pk]) for f in funds
    ]


def chain_head() -> ChainHead:
    return ChainHead.objects.get(pk=1)


def fund_spending(fund: Fund, start, end) -> Money:
    """What ``fund`` spent (its expense accounts, net of reversals) on entries dated from
    ``start`` to ``end`` inclusive: read from the month totals (``movements_by_month``), so
    a restricted fund's year costs a few rows a month, not a sum over its transfers."""
    expenses = Account.objects.filter(type=Account.Type.EXPENSE)
    moved = movements_by_month(start, end, accounts=expenses, fund=fund)
    return gbp(sum((debit - credit for debit, credit in moved.values()), Decimal(0)))


# Entries counted on each side of a part-month, up to this many: enough to tell a side of a
# few days' entries from one of thousands, in a read of the date index that stays short.
SIDE_COUNT_CAP = 2_000


def _fewer_entries(kept: list[tuple[date, date]], left_out: list[tuple[date, date]]) -> bool:
    """Whether the days kept of a part-month hold fewer entries than the days left out (so
    their transfers are read and added, rather than the left-out days' taken off the month
    total). Counted through the index on the entries' date, each side up to
    ``SIDE_COUNT_CAP``; when both reach it, the side of fewer days. A range ending today
    leaves out days with no entries yet, which this reads as none to take off."""

    def entries(ranges) -> int:
        dated = Q()
        for lo, hi in ranges:
            dated |= Q(effective_date__gte=lo, effective_date__lte=hi)
        return Entry.objects.filter(dated).order_by()[:SIDE_COUNT_CAP].count()

    kept_entries, left_entries = entries(kept), entries(left_out)
    if kept_entries != left_entries:
        return kept_entries < left_entries
    days = sum((hi - lo).days + 1 for lo, hi in kept)
    return days <= sum((hi - lo).days + 1 for lo, hi in left_out)


def movements_by_month(
    start: date,
    end: date,
    *,
    accounts: Iterable[Account],
    fund: Fund | None = None,
) -> dict[tuple[date, int], tuple[Decimal, Decimal]]:
    """Debits and credits to each of ``accounts`` per calendar month, for entries dated
    ``start`` to ``end`` inclusive (one fund or all): ``{(month, account_id): (debit, credit)}``.

    Read from the cached month totals: a handful of rows a month, whatever the ledger's
    size. A month the range covers only in part is its month total less the transfers on
    the days left out, or the transfers on the days kept, whichever side holds fewer
    entries (``_fewer_entries``).
    """
    # Why the part-months are read this way: month totals exist only per calendar month,
    # so a range that starts or ends inside a month (the dashboard's default range ends
    # today; the transparency page's year starts on 6 April) needs some transfers. Reading
    # the side of the month with fewer entries, found through the index on the entries'
    # effective date (``fund_entry_effective_date``) and the transfers' entry key, bounds
    # that work by the entries on the shorter side, not by the range or the ledger's size:
    # for a range ending today, the days after it, which hold nothing yet. The months in
    # between are a few month-total rows each.
    account_ids = [a.pk for a in accounts]
    totals: dict[tuple[date, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    if end < start or not account_ids:
        return {}
    first, last = start.replace(day=1), end.replace(day=1)
    # (month, lo, hi, sign): transfers dated lo..hi are added (sign 1) or taken off (-1).
    corrections: list[tuple[date, date, date, int]] = []
    skip: set[date] = set()
    for month in {first, last}:
        month_end = month.replace(day=monthrange(month.year, month.month)[1])
        kept_from, kept_to = max(start, month), min(end, month_end)
        if kept_from == month and kept_to == month_end:
            continue
        kept = [(kept_from, kept_to)]
        left_out = []
        if kept_from > month:
            left_out.append((month, kept_from - timedelta(days=1)))
        if kept_to < month_end:
            left_out.append((kept_to + timedelta(days=1), month_end))
        if _fewer_entries(kept, left_out):
            skip.add(month)
            corrections.append((month, kept_from, kept_to, 1))
        else:
            corrections.extend((month, lo, hi, -1) for lo, hi in left_out)

    rows = MonthTotal.objects.filter(month__gte=first, month__lte=last, account_id__in=account_ids)
    if skip:
        rows = rows.exclude(month__in=skip)
    if fund is not None:
        rows = rows.filter(fund=fund)
    for month, account_id, debit, credit in (
        rows.values("month", "account_id")
        .annotate(debit=Sum("debit_total"), credit=Sum("credit_total"))
        .values_list("month", "account_id", "debit", "credit")
    ):
        totals[(month, account_id)][0] += debit
        totals[(month, account_id)][1] += credit

    wanted = set(account_ids)
    for month, lo, hi, sign in corrections:
        transfers = Transfer.objects.filter(
            entry__effective_date__gte=lo, entry__effective_date__lte=hi
        ).filter(Q(debit_account_id__in=account_ids) | Q(credit_account_id__in=account_ids))
        if fund is not None:
            transfers = transfers.filter(fund=fund)
        # One pass over those days' transfers for both sides, grouped by account pair.
        for debit_id, credit_id, amount in (
            transfers.values("debit_account_id", "credit_account_id")
            .annotate(total=Sum("amount"))
            .order_by()
            .values_list("debit_account_id", "credit_account_id", "total")
        ):
            if debit_id in wanted:
                totals[(month, debit_id)][0] += sign * amount
            if credit_id in wanted:
                totals[(month, credit_id)][1] += sign * amount
    return {key: (debit, credit) for key, (debit, credit) in totals.items()}
