"""Recompute the ledger from its transfers and compare with everything derived from them."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import sha256

from django.db import connection

from fund.models import GENESIS_HASH, Balance, ChainHead, Entry, MonthTotal, Transfer

CHUNK = 20_000
SEP = "\x1f"


def _rows_sql(vendor: str) -> str:
    """One row per transfer in sequence order: the figures the checks need, the month of
    its entry (``YYYY-MM``) and its canonical content as ``canonical_content`` writes it."""
    transfer, entry = Transfer._meta.db_table, Entry._meta.db_table
    if vendor == "postgresql":
        # The same text as fund.services.canonical_content, built by the database: ISO
        # dates, two-decimal amounts (numeric(14, 2) prints exactly two), empty text for a
        # missing key or reversal. tests/fund/test_verify_ledger.py holds the two equal.
        content = (
            "t.sequence::text || E'\\x1f' || t.entry_id::text || E'\\x1f' || "
            "e.effective_date::text || E'\\x1f' || t.fund_id::text || E'\\x1f' || "
            "t.debit_account_id::text || E'\\x1f' || t.credit_account_id::text || E'\\x1f' || "
            "t.amount::text || E'\\x1f' || t.amount_currency || E'\\x1f' || e.memo || "
            "E'\\x1f' || e.source || E'\\x1f' || COALESCE(e.idempotency_key, '') || E'\\x1f' || "
            "COALESCE(e.reverses_id::text, '')"
        )
        month = "to_char(e.effective_date, 'YYYY-MM')"
    else:
        content = (
            "CAST(t.sequence AS TEXT) || char(31) || CAST(t.entry_id AS TEXT) || char(31) || "
            "CAST(e.effective_date AS TEXT) || char(31) || CAST(t.fund_id AS TEXT) || char(31) || "
            "CAST(t.debit_account_id AS TEXT) || char(31) || "
            "CAST(t.credit_account_id AS TEXT) || char(31) || printf('%.2f', t.amount) || "
            "char(31) || t.amount_currency || char(31) || e.memo || char(31) || e.source || "
            "char(31) || COALESCE(e.idempotency_key, '') || char(31) || "
            "COALESCE(CAST(e.reverses_id AS TEXT), '')"
        )
        month = "substr(CAST(e.effective_date AS TEXT), 1, 7)"
    return (
        "SELECT t.sequence, t.fund_id, t.debit_account_id, t.credit_account_id, "
        "CAST(ROUND(t.amount * 100) AS BIGINT), t.amount_currency, "
        f"{month}, {content}, t.prev_hash, t.hash "
        f"FROM {transfer} t JOIN {entry} e ON e.id = t.entry_id ORDER BY t.sequence"
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
    """Walk every transfer in sequence: the chain, the cached balances and the trial balance."""
    result = VerificationResult()

    def problem(text: str) -> None:
        if len(result.problems) < max_problems:
            result.problems.append(text)

    # Month totals per (month, account, fund) in integer pence; the balances are their sums.
    # The loop below runs once per transfer, so it does as little as it can in Python: no
    # model instances, no Decimal arithmetic, and on PostgreSQL the database assembles each
    # transfer's canonical text (``content_sql``) from the stored columns.
    debits: dict[tuple[str, int, int], int] = defaultdict(int)
    credits: dict[tuple[str, int, int], int] = defaultdict(int)
    expected_sequence, prev_hash = 1, GENESIS_HASH
    checked = 0
    with connection.chunked_cursor() as cursor:
        cursor.execute(_rows_sql(connection.vendor))
        while batch := cursor.fetchmany(CHUNK):
            for (
                sequence,
                fund_id,
                debit_id,
                credit_id,
                pence,
                currency,
                month,
                content,
                stored_prev,
                stored_hash,
            ) in batch:
                if sequence != expected_sequence:
                    problem(
                        f"transfer #{sequence}: expected sequence #{expected_sequence} "
                        "(gap or duplicate)"
                    )
                if stored_prev != prev_hash:
                    problem(f"transfer #{sequence}: previous hash does not match the one before")
                if pence <= 0 or currency != "GBP":
                    problem(
                        f"transfer #{sequence}: {pence}p {currency} is not a positive GBP amount"
                    )
                if sha256((stored_prev + content).encode()).hexdigest() != stored_hash:
                    problem(
                        f"transfer #{sequence} (entry {content.split(SEP, 2)[1]}): "
                        "hash does not match its content"
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
