"""The hash chain: the exact text each transfer's hash covers, and the hash.

``verify_ledger`` rebuilds the text with ``canonical_content``; posting builds the same
text in two parts, ``entry_content`` once an entry and ``transfer_content`` once a leg.
"""

import hashlib


def canonical_content(
    sequence: int,
    entry_id: int,
    effective_date: str,
    fund_id: int,
    debit_account_id: int,
    credit_account_id: int,
    amount: str,
    currency: str,
    memo: str,
    source: str,
    idempotency_key: str | None,
    reverses_id: int | None,
    /,
) -> str:
    """The exact text a transfer's hash covers; ``verify_ledger`` rebuilds it the same way.

    Dates are ISO text and amounts have exactly two decimals, so the text does not depend
    on how a database returns them.
    """
    return transfer_content(
        sequence,
        entry_id,
        effective_date,
        fund_id,
        debit_account_id,
        credit_account_id,
        amount,
        entry_content(currency, memo, source, idempotency_key, reverses_id),
    )


SEP = "\x1f"


def entry_content(
    currency: str, memo: str, source: str, idempotency_key: str | None, reverses_id: int | None
) -> str:
    """The canonical text's last fields, the same for every transfer of an entry."""
    reverses = "" if reverses_id is None else reverses_id
    return f"{currency}{SEP}{memo}{SEP}{source}{SEP}{idempotency_key or ''}{SEP}{reverses}"


def transfer_content(
    sequence: int,
    entry_id: int,
    effective_date: str,
    fund_id: int,
    debit_account_id: int,
    credit_account_id: int,
    amount: str,
    entry_content: str,
) -> str:
    return (
        f"{sequence}{SEP}{entry_id}{SEP}{effective_date}{SEP}{fund_id}{SEP}{debit_account_id}"
        f"{SEP}{credit_account_id}{SEP}{amount}{SEP}{entry_content}"
    )


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()
