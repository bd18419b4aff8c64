"""Reads over the ledger for exports and statements."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Max, Min, Sum

from fund.models import Fund, Transfer


def transfers_in(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    fund: Fund | None = None,
    up_to_sequence: int | None = None,
):
    rows = Transfer.objects.all()
    if up_to_sequence is not None:
        rows = rows.filter(sequence__lte=up_to_sequence)
    if date_from:
        rows = rows.filter(entry__effective_date__gte=date_from)
    if date_to:
        rows = rows.filter(entry__effective_date__lte=date_to)
    if fund is not None:
        rows = rows.filter(fund=fund)
    return rows


@dataclass(frozen=True)
class AccountTotals:
    debit: Decimal
    credit: Decimal

    @property
    def net_debit(self) -> Decimal:
        return self.debit - self.credit


def account_totals(**filters) -> dict[int, AccountTotals]:
    """Debits and credits per account id over the selected transfers, summed by the database."""
    rows = transfers_in(**filters)
    debits: dict[int, Decimal] = defaultdict(Decimal)
    credits: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, total in (
        rows.values_list("debit_account_id").annotate(t=Sum("amount")).order_by()
    ):
        debits[account_id] += total
    for account_id, total in (
        rows.values_list("credit_account_id").annotate(t=Sum("amount")).order_by()
    ):
        credits[account_id] += total
    return {
        account_id: AccountTotals(
            debits.get(account_id, Decimal(0)), credits.get(account_id, Decimal(0))
        )
        for account_id in debits.keys() | credits.keys()
    }


def date_span(**filters) -> tuple[date | None, date | None]:
    span = transfers_in(**filters).aggregate(
        first=Min("entry__effective_date"), last=Max("entry__effective_date")
    )
    return span["first"], span["last"]
