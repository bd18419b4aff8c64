"""Recompute the ledger from its transfers and compare with everything derived from them."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import sha256

from django.db import connection

from fund.models import GENESIS_HASH, Balance, ChainHead, Entry, Transfer
from fund.services import canonical_content

CHUNK = 20_000


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

    # Integer pence and ISO text straight from the database: the loop below runs once per
    # transfer, so it avoids model instances, Decimal arithmetic and per-vendor converters.
    debits: dict[tuple[int, int], int] = defaultdict(int)
    credits: dict[tuple[int, int], int] = defaultdict(int)
    expected_sequence, prev_hash = 1, GENESIS_HASH
    query = (
        "SELECT t.sequence, t.entry_id, CAST(e.effective_date AS TEXT), t.fund_id, "
        "t.debit_account_id, t.credit_account_id, CAST(ROUND(t.amount * 100) AS BIGINT), "
        "t.amount_currency, e.memo, e.source, e.idempotency_key, e.reverses_id, t.prev_hash, "
        f"t.hash FROM {Transfer._meta.db_table} t JOIN {Entry._meta.db_table} e "
        "ON e.id = t.entry_id ORDER BY t.sequence"
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(query)
        while batch := cursor.fetchmany(CHUNK):
            for (
                sequence,
                entry_id,
                day,
                fund_id,
                debit_id,
                credit_id,
                pence,
                currency,
                memo,
                source,
                key,
                reverses_id,
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
                content = canonical_content(
                    sequence,
                    entry_id,
                    day,
                    fund_id,
                    debit_id,
                    credit_id,
                    f"{pence // 100}.{pence % 100:02d}",
                    currency,
                    memo,
                    source,
                    key,
                    reverses_id,
                )
                if sha256((stored_prev + content).encode()).hexdigest() != stored_hash:
                    problem(
                        f"transfer #{sequence} (entry {entry_id}): hash does not match its content"
                    )
                debits[(debit_id, fund_id)] += pence
                credits[(credit_id, fund_id)] += pence
                prev_hash = stored_hash
                expected_sequence = sequence + 1
                result.transfers_checked += 1

    head = ChainHead.objects.get(pk=1)
    result.head_sequence, result.head_hash = head.sequence, head.hash
    if head.sequence != expected_sequence - 1 or head.hash != prev_hash:
        problem(
            f"chain head says #{head.sequence} {head.hash[:12]}, the transfers end at "
            f"#{expected_sequence - 1} {prev_hash[:12]}"
        )

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
