"""Posting to the ledger.

``entry_post`` is the one posting function: everything that writes the ledger calls it
inside the caller's transaction, so a business record and its ledger entry commit or fail
together. ``entry_post_many`` posts a batch of entries the same way under one lock.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from djmoney.money import Money

from fund.exceptions import InsufficientFunds, InvalidPosting, PeriodLocked
from fund.models import Account, ChainHead, Entry, Fund
from fund.money import AmountProblem, check_amount, gbp
from fund.selectors import available_in_fund
from fund.services.chain import chain_hash, entry_content, transfer_content
from fund.services.writes import ENTRY_COLUMNS, reserve_entry_ids, total_rows, write_rows


@dataclass(frozen=True)
class Leg:
    """One transfer to post: ``amount`` moves from ``credit`` to ``debit`` in ``fund``."""

    fund: Fund
    debit: str
    credit: str
    amount: Money


AMOUNT_MESSAGES = {
    AmountProblem.NOT_MONEY: "Amounts must be Money, not {type}.",
    AmountProblem.NOT_STERLING: "The fund keeps its books in GBP, not {currency}.",
    AmountProblem.NOT_POSITIVE: "Every transfer moves a positive amount.",
    AmountProblem.NOT_WHOLE_PENCE: "{amount} is not a whole number of pence.",
}


def check_ledger_amount(amount: Money) -> None:
    check_amount(amount, error=InvalidPosting, messages=AMOUNT_MESSAGES)


@dataclass(frozen=True)
class Posting:
    """One entry for ``entry_post_many``: the same arguments ``entry_post`` takes."""

    effective_date: date
    memo: str
    source: str
    legs: Sequence[Leg]
    idempotency_key: str | None = None
    discretionary: bool = False
    reverses: Entry | None = None


def entry_post_prepared(*, actor: AbstractBaseUser, posting: Posting) -> Entry:
    """Post one ``Posting`` on its own through ``entry_post`` (a service that prepares its
    posting for a batch, posting it alone)."""
    return entry_post(
        actor=actor, **{field.name: getattr(posting, field.name) for field in fields(Posting)}
    )


def _check_posting(posting: Posting) -> None:
    """The checks that need no database: raise ``InvalidPosting`` before anything is locked."""
    if not posting.legs:
        raise InvalidPosting("An entry needs at least one transfer.")
    if not posting.memo.strip():
        raise InvalidPosting("An entry needs a memo.")
    for leg in posting.legs:
        check_ledger_amount(leg.amount)
        if leg.debit == leg.credit:
            raise InvalidPosting(f"A transfer cannot debit and credit {leg.debit}.")


def entry_post(
    *,
    actor: AbstractBaseUser,
    effective_date: date,
    memo: str,
    source: str,
    legs: Sequence[Leg],
    idempotency_key: str | None = None,
    discretionary: bool = False,
    reverses: Entry | None = None,
) -> Entry:
    """Post one balanced entry and return it; with a known idempotency key, return the first.

    A discretionary posting (a grant approval) raises ``InsufficientFunds`` if it would
    lower a fund's available balance below zero; any other posting is a fact from outside
    and always goes through.
    """
    posting = Posting(
        effective_date=effective_date,
        memo=memo,
        source=source,
        legs=legs,
        idempotency_key=idempotency_key or None,
        discretionary=discretionary,
        reverses=reverses,
    )
    _check_posting(posting)
    if posting.idempotency_key:
        existing = Entry.objects.filter(idempotency_key=posting.idempotency_key).first()
        if existing is not None:
            return existing
    with transaction.atomic():
        return _post_locked(actor, [posting])[0]


def entry_post_many(*, actor: AbstractBaseUser, postings: Sequence[Posting]) -> list[Entry]:
    """Post many entries in one transaction under one chain-head lock, in the order given.

    Every entry gets exactly the checks, sequence numbers, hashes and balance changes
    ``entry_post`` would give it posted one by one in the same order (a discretionary one
    sees the entries before it in the batch). If any entry fails, nothing is posted. An
    entry whose idempotency key is already posted (or appears earlier in the batch) is
    not posted again: its place in the returned list holds the first entry.
    """
    for posting in postings:
        _check_posting(posting)
    if not postings:
        return []
    with transaction.atomic():
        return _post_locked(actor, postings)


def _post_locked(actor: AbstractBaseUser, postings: Sequence[Posting]) -> list[Entry]:
    """Lock, check and write ``postings``; the caller holds a transaction.

    The rows are built as plain tuples (no model instances) and written with a handful of
    statements whatever the batch's size: the entries, the transfers, then one statement
    for the cached balances, the month totals and the chain head (see ``write_rows``).
    """
    # Lock order: funds by primary key, then the chain head. Every posting takes the
    # chain head, which serialises postings and keeps the sequence gapless; the fund
    # locks make the available-balance check safe against a racing approval.
    fund_ids = sorted({leg.fund.pk for p in postings for leg in p.legs})
    funds = {
        f.pk: f for f in Fund.objects.select_for_update().filter(pk__in=fund_ids).order_by("pk")
    }
    sequence, prev_hash = (
        ChainHead.objects.select_for_update().values_list("sequence", "hash").get(pk=1)
    )

    # Re-checked under the lock: a concurrent replay of the same event waits above and then
    # finds the entry its twin committed.
    keys = [p.idempotency_key for p in postings if p.idempotency_key]
    found: dict[str, Entry] = {}
    if keys:
        found = {e.idempotency_key: e for e in Entry.objects.filter(idempotency_key__in=keys)}

    codes = {code for p in postings for leg in p.legs for code in (leg.debit, leg.credit)}
    accounts = {a.code: a for a in Account.objects.filter(code__in=codes)}
    new, duplicate_of = _check_locked(postings, funds, accounts, found)

    entry_ids = reserve_entry_ids(len(new))
    created_at = timezone.now()
    entry_rows: list[tuple] = []
    transfer_rows: list[tuple] = []
    debits: dict[tuple[int, int, date], Decimal] = defaultdict(Decimal)
    credits: dict[tuple[int, int, date], Decimal] = defaultdict(Decimal)
    for index, entry_id in zip(new, entry_ids, strict=True):
        posting = postings[index]
        reverses_id = posting.reverses.pk if posting.reverses else None
        # Each value named by its column and put in ENTRY_COLUMNS' order: a column without a
        # value (or a value without a column) raises KeyError rather than shifting the row.
        values = {
            "id": entry_id,
            "effective_date": posting.effective_date,
            "memo": posting.memo,
            "source": posting.source,
            "idempotency_key": posting.idempotency_key,
            "reverses_id": reverses_id,
            "created_at": created_at,
            "created_by_id": actor.pk,
        }
        entry_rows.append(tuple(values.pop(column) for column in ENTRY_COLUMNS))
        if values:
            raise KeyError(f"No entry column for {', '.join(values)}.")
        day = posting.effective_date.isoformat()
        month = posting.effective_date.replace(day=1)
        # The canonical text's last fields are the entry's: built once for all its legs.
        tail = entry_content(
            "GBP", posting.memo, posting.source, posting.idempotency_key, reverses_id
        )
        for leg in posting.legs:
            sequence += 1
            fund_id = leg.fund.pk
            debit_id, credit_id = accounts[leg.debit].pk, accounts[leg.credit].pk
            amount = leg.amount.amount
            text = f"{amount:.2f}"
            this_hash = chain_hash(
                prev_hash,
                transfer_content(sequence, entry_id, day, fund_id, debit_id, credit_id, text, tail),
            )
            transfer_rows.append(
                (
                    sequence,
                    entry_id,
                    fund_id,
                    debit_id,
                    credit_id,
                    "GBP",
                    text,
                    prev_hash,
                    this_hash,
                )
            )
            prev_hash = this_hash
            debits[(debit_id, fund_id, month)] += amount
            credits[(credit_id, fund_id, month)] += amount
    if transfer_rows:
        write_rows(entry_rows, transfer_rows, total_rows(debits, credits), sequence, prev_hash)

    posted = {
        index: Entry.from_db(connection.alias, ENTRY_COLUMNS, row)
        for index, row in zip(new, entry_rows, strict=True)
    }
    for index, entry in posted.items():
        if postings[index].idempotency_key:
            found.setdefault(postings[index].idempotency_key, entry)
    return [posted[i] if i in posted else found[duplicate_of[i]] for i in range(len(postings))]


def _check_locked(
    postings: Sequence[Posting],
    funds: dict[int, Fund],
    accounts: dict[str, Account],
    found: dict[str, Entry],
) -> tuple[list[int], dict[int, str]]:
    """Decide, in order, which postings are new, checking each one as ``entry_post`` would.

    Returns the indexes of the new postings, and for each duplicate the key it repeats.
    Raises on the first posting that fails a check, so nothing is written.
    """
    new: list[int] = []
    duplicate_of: dict[int, str] = {}
    claimed: set[str] = set()
    available: dict[int, Decimal] = {}
    pending: dict[int, Decimal] = defaultdict(Decimal)
    for index, posting in enumerate(postings):
        key = posting.idempotency_key
        if key and (key in found or key in claimed):
            duplicate_of[index] = key
            continue
        for fund_id in {leg.fund.pk for leg in posting.legs}:
            fund = funds[fund_id]
            if fund.lock_date is not None and posting.effective_date <= fund.lock_date:
                raise PeriodLocked(fund, posting.effective_date)
        missing = {leg.debit for leg in posting.legs} | {leg.credit for leg in posting.legs}
        missing -= accounts.keys()
        if missing:
            raise InvalidPosting(f"Unknown account(s): {', '.join(sorted(missing))}.")
        deltas: dict[int, Decimal] = defaultdict(Decimal)
        for leg in posting.legs:
            deltas[leg.fund.pk] += _available_delta(leg, accounts[leg.debit], accounts[leg.credit])
        for fund_id, delta in deltas.items():
            if posting.discretionary and delta < 0:
                # The cached balances are written after the checks, so this reads the fund
                # as it stood before the batch; ``pending`` adds the entries before this one.
                if fund_id not in available:
                    available[fund_id] = available_in_fund(funds[fund_id]).amount
                now = available[fund_id] + pending[fund_id]
                if now + delta < 0:
                    raise InsufficientFunds(funds[fund_id], gbp(now), Money(-delta, "GBP"))
            pending[fund_id] += delta
        if key:
            claimed.add(key)
        new.append(index)
    return new, duplicate_of


def _counts_towards_available(account: Account) -> bool:
    return account.liquid or account.type == Account.Type.LIABILITY


def _available_delta(leg: Leg, debit: Account, credit: Account) -> Decimal:
    """How much this leg changes its fund's available balance.

    Available = liquid assets (debit-normal) less liabilities (credit-normal), which is
    the net debit of those accounts taken together.
    """
    delta = Decimal(0)
    if _counts_towards_available(debit):
        delta += leg.amount.amount
    if _counts_towards_available(credit):
        delta -= leg.amount.amount
    return delta
