"""Every write to the fund's ledger and configuration.

``entry_post`` is the one posting function: everything that writes the ledger calls it
inside the caller's transaction, so a business record and its ledger entry commit or fail
together.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from djmoney.money import Money

from fund.exceptions import AlreadyReversed, InsufficientFunds, InvalidPosting, PeriodLocked
from fund.models import (
    Account,
    Balance,
    CategoryCap,
    ChainHead,
    Entry,
    Fund,
    FundRules,
    MonthTotal,
    Transfer,
)
from fund.money import AmountProblem, check_amount, gbp
from fund.selectors import available_in_fund


@dataclass(frozen=True)
class Leg:
    """One transfer to post: ``amount`` moves from ``credit`` to ``debit`` in ``fund``."""

    fund: Fund
    debit: str
    credit: str
    amount: Money


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
    return (
        f"{sequence}\x1f{entry_id}\x1f{effective_date}\x1f{fund_id}\x1f{debit_account_id}"
        f"\x1f{credit_account_id}\x1f{amount}\x1f{currency}\x1f{memo}\x1f{source}"
        f"\x1f{idempotency_key or ''}\x1f{'' if reverses_id is None else reverses_id}"
    )


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


AMOUNT_MESSAGES = {
    AmountProblem.NOT_MONEY: "Amounts must be Money, not {type}.",
    AmountProblem.NOT_STERLING: "The fund keeps its books in GBP, not {currency}.",
    AmountProblem.NOT_POSITIVE: "Every transfer moves a positive amount.",
    AmountProblem.NOT_WHOLE_PENCE: "{amount} is not a whole number of pence.",
}


def _check_amount(amount: Money) -> None:
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


def _check_posting(posting: Posting) -> None:
    """The checks that need no database: raise ``InvalidPosting`` before anything is locked."""
    if not posting.legs:
        raise InvalidPosting("An entry needs at least one transfer.")
    if not posting.memo.strip():
        raise InvalidPosting("An entry needs a memo.")
    for leg in posting.legs:
        _check_amount(leg.amount)
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
    """Lock, check and write ``postings``; the caller holds a transaction."""
    # Lock order: funds by primary key, then the chain head. Every posting takes the
    # chain head, which serialises postings and keeps the sequence gapless; the fund
    # locks make the available-balance check safe against a racing approval.
    fund_ids = sorted({leg.fund.pk for p in postings for leg in p.legs})
    funds = {
        f.pk: f for f in Fund.objects.select_for_update().filter(pk__in=fund_ids).order_by("pk")
    }
    head = ChainHead.objects.select_for_update().get(pk=1)

    # Re-checked under the lock: a concurrent replay of the same event waits above and then
    # finds the entry its twin committed.
    keys = [p.idempotency_key for p in postings if p.idempotency_key]
    found: dict[str, Entry] = {}
    if keys:
        found = {e.idempotency_key: e for e in Entry.objects.filter(idempotency_key__in=keys)}

    codes = {code for p in postings for leg in p.legs for code in (leg.debit, leg.credit)}
    accounts = {a.code: a for a in Account.objects.filter(code__in=codes)}

    # Decide, in order, which postings are new; check each one as entry_post would.
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
                # The cached balances are written after the loop, so this reads the fund
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

    entries = Entry.objects.bulk_create(
        [
            Entry(
                effective_date=postings[i].effective_date,
                memo=postings[i].memo,
                source=postings[i].source,
                idempotency_key=postings[i].idempotency_key,
                reverses=postings[i].reverses,
                created_by=actor,
            )
            for i in new
        ]
    )
    posted = dict(zip(new, entries, strict=True))

    transfers = []
    sequence, prev_hash = head.sequence, head.hash
    debits: dict[tuple[int, int, date], Decimal] = defaultdict(Decimal)
    credits: dict[tuple[int, int, date], Decimal] = defaultdict(Decimal)
    for index, entry in posted.items():
        posting = postings[index]
        day = posting.effective_date.isoformat()
        month = posting.effective_date.replace(day=1)
        reverses_id = posting.reverses.pk if posting.reverses else None
        for leg in posting.legs:
            sequence += 1
            debit_id, credit_id = accounts[leg.debit].pk, accounts[leg.credit].pk
            amount = leg.amount.amount
            this_hash = chain_hash(
                prev_hash,
                canonical_content(
                    sequence,
                    entry.pk,
                    day,
                    leg.fund.pk,
                    debit_id,
                    credit_id,
                    f"{amount:.2f}",
                    "GBP",
                    posting.memo,
                    posting.source,
                    entry.idempotency_key,
                    reverses_id,
                ),
            )
            transfers.append(
                Transfer(
                    sequence=sequence,
                    entry_id=entry.pk,
                    fund_id=leg.fund.pk,
                    debit_account_id=debit_id,
                    credit_account_id=credit_id,
                    amount=leg.amount,
                    prev_hash=prev_hash,
                    hash=this_hash,
                )
            )
            prev_hash = this_hash
            debits[(debit_id, leg.fund.pk, month)] += amount
            credits[(credit_id, leg.fund.pk, month)] += amount
    if transfers:
        Transfer.objects.bulk_create(transfers, batch_size=2_000)
        _add_to_totals(debits, credits)
        ChainHead.objects.filter(pk=1).update(sequence=sequence, hash=prev_hash)

    for i, entry in posted.items():
        if postings[i].idempotency_key:
            found.setdefault(postings[i].idempotency_key, entry)
    return [posted[i] if i in posted else found[duplicate_of[i]] for i in range(len(postings))]


def _add_to_totals(
    debits: dict[tuple[int, int, date], Decimal], credits: dict[tuple[int, int, date], Decimal]
) -> None:
    """Add posted amounts to the cached balances and month totals: one statement each.

    An upsert, so a missing row (a fund or account created without its balance rows) is
    created. The chain-head lock held by the caller serialises these updates. Raw SQL
    because this is the hot path of every posting and the ORM's per-row update costs
    several times more.
    """
    by_month: dict[tuple[int, int, date], tuple[Decimal, Decimal]] = {}
    by_balance: dict[tuple[int, int], list[Decimal]] = {}
    zero = Decimal(0)
    for key in debits.keys() | credits.keys():
        debit, credit = debits.get(key, zero), credits.get(key, zero)
        by_month[key] = (debit, credit)
        totals = by_balance.setdefault(key[:2], [zero, zero])
        totals[0] += debit
        totals[1] += credit
    _upsert(
        Balance._meta.db_table,
        ["account_id", "fund_id"],
        [(account, fund, d, c) for (account, fund), (d, c) in sorted(by_balance.items())],
    )
    _upsert(
        MonthTotal._meta.db_table,
        ["account_id", "fund_id", "month"],
        [
            (account, fund, month, d, c)
            for (account, fund, month), (d, c) in sorted(by_month.items())
        ],
    )


def _upsert(table: str, key_columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    width = len(key_columns) + 2
    values = ", ".join([f"({', '.join(['%s'] * width)}, 'GBP', 'GBP')"] * len(rows))
    keys = ", ".join(key_columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({keys}, debit_total, credit_total, debit_total_currency, "
            f"credit_total_currency) VALUES {values} ON CONFLICT ({keys}) DO UPDATE SET "
            f"debit_total = {table}.debit_total + excluded.debit_total, "
            f"credit_total = {table}.credit_total + excluded.credit_total",
            [value for row in rows for value in row],
        )


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


def entry_reverse(
    *,
    actor: AbstractBaseUser,
    entry: Entry,
    effective_date: date,
    memo: str,
    idempotency_key: str | None = None,
) -> Entry:
    """Post the exact opposite of ``entry``, pointing back at it. Always goes through."""
    if entry.reverses_id is not None:
        raise AlreadyReversed("A reversal cannot itself be reversed; post a new entry instead.")
    with transaction.atomic():
        if Entry.objects.filter(reverses=entry).exists():
            raise AlreadyReversed(f"Entry {entry.pk} has already been reversed.")
        legs = [
            Leg(
                fund=t.fund,
                debit=t.credit_account.code,
                credit=t.debit_account.code,
                amount=t.amount,
            )
            for t in entry.transfers.select_related("fund", "debit_account", "credit_account")
        ]
        return entry_post(
            actor=actor,
            effective_date=effective_date,
            memo=memo,
            source=entry.source,
            legs=legs,
            idempotency_key=idempotency_key,
            reverses=entry,
        )


def fund_create(
    *,
    actor: AbstractBaseUser,
    code: str,
    name: str,
    kind: str,
    purpose: str = "",
    funder: str = "",
    period_start: date | None = None,
    period_end: date | None = None,
) -> Fund:
    """Create a fund with its rules, default category caps and a zero balance per account."""
    with transaction.atomic():
        fund = Fund(
            code=code,
            name=name,
            kind=kind,
            purpose=purpose,
            funder=funder,
            period_start=period_start,
            period_end=period_end,
        )
        fund._history_user = actor
        fund.full_clean()
        fund.save()
        Balance.objects.bulk_create(
            [Balance(account=account, fund=fund) for account in Account.objects.all()]
        )
        rules = FundRules(fund=fund)
        rules._history_user = actor
        rules.save()
        for account in Account.objects.filter(is_grant_category=True):
            cap = CategoryCap(
                fund=fund,
                account=account,
                cap=DEFAULT_CATEGORY_CAPS.get(account.code, Money("250.00", "GBP")),
            )
            cap._history_user = actor
            cap.save()
    return fund


DEFAULT_CATEGORY_CAPS = {
    "expenses:grants:phone": Money("70.00", "GBP"),
    "expenses:grants:id-documents": Money("60.00", "GBP"),
    "expenses:grants:personal-care": Money("20.00", "GBP"),
    "expenses:grants:clothing": Money("100.00", "GBP"),
    "expenses:grants:travel": Money("50.00", "GBP"),
    "expenses:grants:furniture": Money("500.00", "GBP"),
    "expenses:grants:white-goods": Money("300.00", "GBP"),
    "expenses:grants:other": Money("250.00", "GBP"),
}


def fund_rules_update(*, actor: AbstractBaseUser, fund: Fund, **limits: Money) -> FundRules:
    """Change a fund's grant limits; history records who changed what."""
    allowed = {
        "per_grant_cap",
        "per_client_12_month_cap",
        "two_approver_threshold",
        "online_donation_max",
    }
    unknown = limits.keys() - allowed
    if unknown:
        raise TypeError(f"Unknown fund rule(s): {', '.join(sorted(unknown))}")
    with transaction.atomic():
        rules = FundRules.objects.select_for_update().get(fund=fund)
        for name, value in limits.items():
            _check_amount(value) if name != "two_approver_threshold" else None
            setattr(rules, name, value)
        rules._history_user = actor
        rules.full_clean()
        rules.save()
    return rules


def category_cap_set(
    *, actor: AbstractBaseUser, fund: Fund, account: Account, cap: Money
) -> CategoryCap:
    _check_amount(cap)
    with transaction.atomic():
        row, _ = CategoryCap.objects.select_for_update().get_or_create(
            fund=fund, account=account, defaults={"cap": cap}
        )
        row.cap = cap
        row._history_user = actor
        row.save()
    return row


def fund_lock_period(
    *, actor: AbstractBaseUser, fund: Fund, lock_date: date, reason: str = ""
) -> Fund:
    """Close the fund's books up to and including ``lock_date``; a lock never moves back.

    ``reason`` (why the period was closed with an item open) is kept in the fund's history.
    """
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=fund.pk)
        if fund.lock_date is not None and lock_date < fund.lock_date:
            raise InvalidPosting(
                f"{fund.name} is already closed up to {fund.lock_date:%d %b %Y}; "
                "a closed period cannot be reopened."
            )
        fund.lock_date = lock_date
        fund._history_user = actor
        fund._change_reason = reason[:100] if reason else None
        fund.save(update_fields=["lock_date"])
    return fund
