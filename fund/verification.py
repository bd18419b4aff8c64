"""Recompute the ledger from its transfers and compare with everything derived from them."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from fund.models import GENESIS_HASH, Balance, ChainHead, Entry, Transfer
from fund.services import canonical_content, chain_hash

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

    debits: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    credits: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    expected_sequence, prev_hash = 1, GENESIS_HASH
    rows = Transfer.objects.order_by("sequence").values_list(
        "sequence",
        "entry_id",
        "entry__effective_date",
        "fund_id",
        "debit_account_id",
        "credit_account_id",
        "amount",
        "amount_currency",
        "entry__memo",
        "entry__source",
        "entry__idempotency_key",
        "entry__reverses_id",
        "prev_hash",
        "hash",
    )
    for (
        sequence,
        entry_id,
        effective_date,
        fund_id,
        debit_id,
        credit_id,
        amount,
        currency,
        memo,
        source,
        key,
        reverses_id,
        stored_prev,
        stored_hash,
    ) in rows.iterator(chunk_size=CHUNK):
        if sequence != expected_sequence:
            problem(
                f"transfer #{sequence}: expected sequence #{expected_sequence} (gap or duplicate)"
            )
        if stored_prev != prev_hash:
            problem(f"transfer #{sequence}: previous hash does not match transfer #{sequence - 1}")
        if amount <= 0 or currency != "GBP":
            problem(
                f"transfer #{sequence}: amount {amount} {currency} is not a positive GBP amount"
            )
        content = canonical_content(
            sequence=sequence,
            entry_id=entry_id,
            effective_date=effective_date,
            fund_id=fund_id,
            debit_account_id=debit_id,
            credit_account_id=credit_id,
            amount=amount,
            currency=currency,
            memo=memo,
            source=source,
            idempotency_key=key,
            reverses_id=reverses_id,
        )
        if chain_hash(stored_prev, content) != stored_hash:
            problem(f"transfer #{sequence} (entry {entry_id}): hash does not match its content")
        debits[(debit_id, fund_id)] += amount
        credits[(credit_id, fund_id)] += amount
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
        if debit_total != debits.get(key, 0) or credit_total != credits.get(key, 0):
            problem(
                f"balance {code} in fund {fund_code}: cached debits {debit_total} / credits "
                f"{credit_total}, transfers sum to {debits.get(key, 0)} / {credits.get(key, 0)}"
            )
    for key in (debits.keys() | credits.keys()) - seen:
        problem(f"balance missing for account {key[0]} in fund {key[1]}")
    if total_debit != total_credit:
        problem(f"trial balance does not balance: debits {total_debit}, credits {total_credit}")

    empty = Entry.objects.filter(transfers__isnull=True).values_list("pk", flat=True)[:1]
    for entry_id in empty:
        problem(f"entry {entry_id} has no transfers")
    return result
