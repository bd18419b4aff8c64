"""Recompute the ledger from its transfers and compare with everything derived from them."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import sha256

from django.db import connection, transaction

from fund.models import GENESIS_HASH, Balance, ChainHead, Entry, MonthTotal, Transfer

CHUNK = 20_000
SEP = "\x1f"


def _transfers_sql(vendor: str) -> str:
    """One row per transfer in sequence order, its amount as two-decimal text.

    No join and no text built in the database: joining every transfer to its entry and
    assembling the canonical text there cost PostgreSQL several times the plain index
    scans, and Python formats the few integers as quickly as it would convert them.
    """
    amount = "t.amount::text" if vendor == "postgresql" else "printf('%.2f', t.amount)"
    return (
        "SELECT t.sequence, t.entry_id, t.fund_id, t.debit_account_id, t.credit_account_id, "
        f"{amount}, t.amount_currency, t.prev_hash, t.hash "
        f"FROM {Transfer._meta.db_table} t ORDER BY t.sequence"
    )


def _entries_sql(vendor: str, where: str = "") -> str:
    """The entries' fields the canonical text covers, in id order, the date as ISO text."""
    day = "e.effective_date::text" if vendor == "postgresql" else "CAST(e.effective_date AS TEXT)"
    return (
        f"SELECT e.id, {day}, e.memo, e.source, e.idempotency_key, e.reverses_id "
        f"FROM {Entry._meta.db_table} e {where} ORDER BY e.id"
    )


class _Entries:
    """The entries, read in id order alongside the transfers in sequence order.

    Entry ids are taken under the chain-head lock, so an entry's transfers come in the
    order of its id and the reading only ever moves forward: one pass, a chunk in memory.
    An entry asked for out of that order (not something the posting service writes) is
    read on its own, so the result never depends on the order.
    """

    def __init__(self, cursor, vendor: str) -> None:
        self.cursor, self.vendor = cursor, vendor
        self.rows: list = []
        self.position = 0

    def find(self, entry_id: int) -> tuple[str, str, str] | None:
        """(``YYYY-MM``, the text before the transfer's own fields, the text after)."""
        while True:
            if self.position == len(self.rows):
                self.rows, self.position = self.cursor.fetchmany(CHUNK), 0
                if not self.rows:
                    return self._read_alone(entry_id)
            row = self.rows[self.position]
            if row[0] > entry_id:
                return self._read_alone(entry_id)
            self.position += 1
            if row[0] == entry_id:
                return _entry_texts(row)

    def _read_alone(self, entry_id: int) -> tuple[str, str, str] | None:
        with connection.cursor() as cursor:
            cursor.execute(_entries_sql(self.vendor, "WHERE e.id = %s"), [entry_id])
            row = cursor.fetchone()
        return None if row is None else _entry_texts(row)


def _entry_texts(row) -> tuple[str, str, str]:
    """The parts of ``canonical_content`` an entry gives each of its transfers."""
    entry_id, day, memo, source, key, reverses_id = row
    reverses = "" if reverses_id is None else reverses_id
    return (
        day[:7],
        f"{SEP}{entry_id}{SEP}{day}{SEP}",
        f"{SEP}{memo}{SEP}{source}{SEP}{key or ''}{SEP}{reverses}",
    )


def _check_month_totals(debits, credits, problem) -> None:
    """Each cached month total against the transfers' sums for that month."""
    seen = set()
    for (
        month,
        account_id,
        fund_id,
        debit_total,
        credit_total,
        code,
        fund_code,
    ) in MonthTotal.objects.values_list(
        "month",
        "account_id",
        "fund_id",
        "debit_total",
        "credit_total",
        "account__code",
        "fund__code",
    ).iterator():
        key = (f"{month:%Y-%m}", account_id, fund_id)
        seen.add(key)
        summed_debit, summed_credit = debits.get(key, 0), credits.get(key, 0)
        if round(debit_total * 100) != summed_debit or round(credit_total * 100) != summed_credit:
            problem(
                f"month total {code} in fund {fund_code} for {month:%b %Y}: cached debits "
                f"{debit_total} / credits {credit_total}, transfers sum to "
                f"{Decimal(summed_debit) / 100:.2f} / {Decimal(summed_credit) / 100:.2f}"
            )
    for key in (debits.keys() | credits.keys()) - seen:
        problem(f"month total missing for account {key[1]} in fund {key[2]} for {key[0]}")


@dataclass
class VerificationResult:
    transfers_checked: int = 0
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_ledger(*, max_problems: int = 20) -> VerificationResult:
    """Walk every transfer in sequence: the chain, the cached balances and the trial balance.

    On PostgreSQL it reads in one transaction at one snapshot (REPEATABLE READ, unless the
    caller's transaction is already open), so a posting committed meanwhile is either
    wholly seen or not at all, and the server-side cursors stream rather than being
    materialised first as a cursor held outside a transaction is.
    """
    if connection.vendor != "postgresql":
        return _verify(max_problems)
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify(max_problems)


def _verify(max_problems: int) -> VerificationResult:
    result = VerificationResult()

    def problem(text: str) -> None:
        if len(result.problems) < max_problems:
            result.problems.append(text)

    # Month totals per (month, account, fund) in integer pence; the balances are their sums.
    # The loop below runs once per transfer, so it does as little as it can: plain rows
    # (no model instances, no Decimal), one f-string, one SHA-256, two dictionary additions.
    debits: dict[tuple[str, int, int], int] = defaultdict(int)
    credits: dict[tuple[str, int, int], int] = defaultdict(int)
    expected_sequence, prev_hash = 1, GENESIS_HASH
    checked = 0
    vendor = connection.vendor
    with connection.chunked_cursor() as cursor, connection.chunked_cursor() as entry_cursor:
        entry_cursor.execute(_entries_sql(vendor))
        entries = _Entries(entry_cursor, vendor)
        entry_at, month, before, after = None, "", "", ""
        cursor.execute(_transfers_sql(vendor))
        while batch := cursor.fetchmany(CHUNK):
            for (
                sequence,
                entry_id,
                fund_id,
                debit_id,
                credit_id,
                amount,
                currency,
                stored_prev,
                stored_hash,
            ) in batch:
                if entry_id != entry_at:
                    entry_at = entry_id
                    month, before, after = entries.find(entry_id) or ("", "", "")
                if sequence != expected_sequence:
                    problem(
                        f"transfer #{sequence}: expected sequence #{expected_sequence} "
                        "(gap or duplicate)"
                    )
                if stored_prev != prev_hash:
                    problem(f"transfer #{sequence}: previous hash does not match the one before")
                pence = int(amount.replace(".", ""))
                if pence <= 0 or currency != "GBP":
                    problem(
                        f"transfer #{sequence}: {pence}p {currency} is not a positive GBP amount"
                    )
                content = (
                    f"{stored_prev}{sequence}{before}{fund_id}{SEP}{debit_id}{SEP}{credit_id}"
                    f"{SEP}{amount}{SEP}{currency}{after}"
                )
                if sha256(content.encode()).hexdigest() != stored_hash:
                    problem(
                        f"transfer #{sequence} (entry {entry_id}): hash does not match its content"
                    )
                debits[(month, debit_id, fund_id)] += pence
                credits[(month, credit_id, fund_id)] += pence
                prev_hash = stored_hash
                expected_sequence = sequence + 1
            checked += len(batch)
    result.transfers_checked = checked

    head = ChainHead.objects.get(pk=1)
    result.head_sequence, result.head_hash = head.sequence, head.hash
    if head.sequence != expected_sequence - 1 or head.hash != prev_hash:
        problem(
            f"chain head says #{head.sequence} {head.hash[:12]}, the transfers end at "
            f"#{expected_sequence - 1} {prev_hash[:12]}"
        )

    balance_debits: dict[tuple[int, int], int] = defaultdict(int)
    balance_credits: dict[tuple[int, int], int] = defaultdict(int)
    for (_, account_id, fund_id), pence in debits.items():
        balance_debits[(account_id, fund_id)] += pence
    for (_, account_id, fund_id), pence in credits.items():
        balance_credits[(account_id, fund_id)] += pence
    _check_month_totals(debits, credits, problem)
    debits, credits = balance_debits, balance_credits

    seen = set()
    total_debit = total_credit = Decimal(0)
    for (
        account_id,
        fund_id,
        debit_total,
        credit_total,
        code,
        fund_code,
    ) in Balance.objects.values_list(
        "account_id", "fund_id", "debit_total", "credit_total", "account__code", "fund__code"
    ):
        key = (account_id, fund_id)
        seen.add(key)
        total_debit += debit_total
        total_credit += credit_total
        summed_debit = Decimal(debits.get(key, 0)) / 100
        summed_credit = Decimal(credits.get(key, 0)) / 100
        if debit_total != summed_debit or credit_total != summed_credit:
            problem(
                f"balance {code} in fund {fund_code}: cached debits {debit_total} / credits "
                f"{credit_total}, transfers sum to {summed_debit:.2f} / {summed_credit:.2f}"
            )
    for key in (debits.keys() | credits.keys()) - seen:
        problem(f"balance missing for account {key[0]} in fund {key[1]}")
    if total_debit != total_credit:
        problem(f"trial balance does not balance: debits {total_debit}, credits {total_credit}")

    empty = Entry.objects.filter(transfers__isnull=True).values_list("pk", flat=True)[:1]
    for entry_id in empty:
        problem(f"entry {entry_id} has no transfers")
    return result


def chain_head_problem(sequence: int, expected_hash: str) -> str | None:
    """Does the ledger still hold, at ``sequence``, the hash someone recorded earlier?

    An export manifest records the chain head when the export was made. If any transfer
    up to that point was later changed, even with every hash after it recomputed, the hash
    stored at that sequence no longer matches the recorded one.
    """
    if sequence == 0:
        return None if expected_hash == GENESIS_HASH else "sequence 0 can only be the genesis hash"
    stored = Transfer.objects.filter(sequence=sequence).values_list("hash", flat=True).first()
    if stored is None:
        return f"transfer #{sequence} recorded in the manifest no longer exists"
    if stored != expected_hash:
        return (
            f"transfer #{sequence} now has hash {stored[:16]}..., the manifest recorded "
            f"{expected_hash[:16]}...: the ledger up to that export has been rewritten"
        )
    return None
