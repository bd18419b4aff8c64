"""Reads of the banking app: the reconciliation statement, lines to work, suspense.

The reconciliation statement, per bank account and date:

    ledger balance            the ledger's bank account, every entry dated up to the date
  - items not on statement    ledger entries (from the first statement line on) not yet
                              matched to a line dated up to the date: payments not cleared,
                              deposits in transit
  - statement balance         the running balance after the last line dated up to the date
  = unexplained difference    must be £0.00 to mark the period reconciled; lines on the
                              statement not yet matched or worked are listed as its cause

An entry and its reversal, neither on the statement, cancel out and are left out.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from djmoney.money import Money

from banking.models import BankAccount, Match, Reconciliation, StatementLine, SuspenseClearance
from fund.models import Entry, Transfer
from fund.money import gbp
from fund.selectors import movements_by_month

ZERO = Decimal("0.00")
HALF_PENNY = Decimal("0.005")


_gbp = gbp  # the one helper in fund.money, under the name this module's callers use


@dataclass(frozen=True)
class LedgerItem:
    entry_id: int
    effective_date: date
    memo: str
    amount: Money  # into the bank positive, out negative


class LedgerItems:
    """The ledger's items not yet on the statement, as the database lists them: counted,
    totalled and sliced there (a page, an export), never all loaded to be added up. The
    count and the total come from one pass over the items (``summary``), kept for the
    pager's count."""

    def __init__(self, rows=None):
        self._rows = rows
        self._summary: tuple[int, Money] | None = None

    def _item(self, row) -> LedgerItem:
        return LedgerItem(
            row["entry_id"], row["entry__effective_date"], row["entry__memo"], _gbp(row["net"])
        )

    def summary(self) -> tuple[int, Money]:
        """How many items, and their net total, in one query."""
        if self._summary is None:
            if self._rows is None:
                self._summary = (0, _gbp(ZERO))
            else:
                found = self._rows.aggregate(n=Count("entry_id"), total=Sum("net"))
                self._summary = (found["n"], _gbp(found["total"] or ZERO))
        return self._summary

    def count(self) -> int:
        return self.summary()[0]

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(()) if self._rows is None else map(self._item, self._rows.iterator())

    def __getitem__(self, index):
        if self._rows is None:
            return [][index]
        if isinstance(index, slice):
            return [self._item(row) for row in self._rows[index]]
        return self._item(self._rows[index])

    def total(self) -> Money:
        return self.summary()[1]


@dataclass
class ReconciliationFigures:
    bank_account: BankAccount
    as_of: date
    ledger_balance: Money
    statement_balance: Money | None
    last_line: StatementLine | None
    not_on_statement: LedgerItems = field(default_factory=LedgerItems)
    not_on_statement_total: Money = field(default_factory=lambda: _gbp(ZERO))
    not_in_ledger: QuerySet[StatementLine] = field(default_factory=StatementLine.objects.none)
    reconciled: Reconciliation | None = None

    @property
    def adjusted_ledger(self) -> Money:
        return self.ledger_balance - self.not_on_statement_total

    @property
    def difference(self) -> Money:
        statement = self.statement_balance.amount if self.statement_balance is not None else ZERO
        return _gbp(self.adjusted_ledger.amount - statement)


def bank_ledger_balance(bank_account: BankAccount, as_of: date) -> Money:
    """The ledger's bank account over every entry dated up to ``as_of``: read from the
    month totals (a few rows a month) and the transfers of ``as_of``'s month alone, so
    it costs the same however long the ledger."""
    moved = movements_by_month(date.min, as_of, accounts=[bank_account.ledger_account])
    return _gbp(sum((debit - credit for debit, credit in moved.values()), ZERO))


def first_line(bank_account: BankAccount) -> StatementLine | None:
    return (
        StatementLine.objects.filter(bank_account=bank_account)
        .order_by("posted_on", "position")
        .first()
    )


def reconciliation_statement(bank_account: BankAccount, as_of: date) -> ReconciliationFigures:
    last = (
        StatementLine.objects.filter(bank_account=bank_account, posted_on__lte=as_of)
        .order_by("-posted_on", "-position")
        .first()
    )
    figures = ReconciliationFigures(
        bank_account=bank_account,
        as_of=as_of,
        ledger_balance=bank_ledger_balance(bank_account, as_of),
        statement_balance=last.balance if last else None,
        last_line=last,
        reconciled=Reconciliation.objects.filter(bank_account=bank_account, as_of=as_of).first(),
    )
    start = first_line(bank_account)
    if start is None:
        return figures
    bank = bank_account.ledger_account_id
    # The entries already on the statement, as one uncorrelated subquery (NOT IN): the
    # database hashes it once instead of probing the matches for every transfer.
    on_statement = Match.objects.filter(undone_at__isnull=True, line__posted_on__lte=as_of).values(
        "entry_id"
    )
    pending = (
        Transfer.objects.filter(Q(debit_account_id=bank) | Q(credit_account_id=bank))
        .filter(entry__effective_date__gte=start.posted_on, entry__effective_date__lte=as_of)
        .exclude(entry_id__in=on_statement)
    )
    # An entry and its reversal, neither on the statement, cancel out and are left out.
    # The pairs are found from the reversals (few, and indexed by what they reverse), so
    # the items' own query only leaves out a short list of entries.
    pending_entries = pending.values("entry_id")
    cancelled = Entry.objects.filter(
        reverses_id__isnull=False, pk__in=pending_entries, reverses_id__in=pending_entries
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    figures.not_on_statement = LedgerItems(
        pending.exclude(entry_id__in=cancelled.values("pk"))
        .exclude(entry_id__in=cancelled.values("reverses_id"))
        .values("entry_id", "entry__effective_date", "entry__memo")
        .annotate(
            net=Coalesce(Sum("amount", filter=Q(debit_account_id=bank)), ZERO, output_field=money)
            - Coalesce(Sum("amount", filter=Q(credit_account_id=bank)), ZERO, output_field=money)
        )
        # Within half a penny of zero: SQLite sums decimals as floating point, so an entry
        # netting to nothing on the bank can come back as 5.55e-17.
        .exclude(net__gt=-HALF_PENNY, net__lt=HALF_PENNY)
        .order_by("entry__effective_date", "entry_id")
    )
    figures.not_on_statement_total = figures.not_on_statement.total()
    in_ledger = Match.objects.filter(
        line_id=OuterRef("pk"), undone_at__isnull=True, entry__effective_date__lte=as_of
    )
    figures.not_in_ledger = (
        StatementLine.objects.filter(bank_account=bank_account, posted_on__lte=as_of)
        .annotate(in_ledger=Exists(in_ledger))
        .filter(in_ledger=False)
        .order_by("posted_on", "position")
    )
    return figures


def lines_to_work(bank_account: BankAccount):
    """Lines with no live match, oldest first."""
    live = Match.objects.filter(line_id=OuterRef("pk"), undone_at__isnull=True)
    return (
        StatementLine.objects.filter(bank_account=bank_account)
        .annotate(matched=Exists(live))
        .filter(matched=False)
        .order_by("posted_on", "position")
    )


def live_match(line: StatementLine) -> Match | None:
    return line.matches.filter(undone_at__isnull=True).select_related("entry").first()


@dataclass(frozen=True)
class SuspenseItem:
    match: Match
    amount: Money


def suspense_open() -> list[SuspenseItem]:
    """Unknown receipts held in suspense and not yet cleared to their real account."""
    cleared = SuspenseClearance.objects.filter(match_id=OuterRef("pk"))
    matches = (
        Match.objects.filter(kind="unknown_receipt", undone_at__isnull=True)
        .annotate(cleared=Exists(cleared))
        .filter(cleared=False)
        .select_related("line", "entry")
        .order_by("line__posted_on")
    )
    return [SuspenseItem(m, m.line.amount) for m in matches]


def suspense_total() -> Money:
    return _gbp(sum((item.amount.amount for item in suspense_open()), ZERO))
