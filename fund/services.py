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
    Transfer,
)
from fund.money import AmountProblem, check_amount
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
    if not legs:
        raise InvalidPosting("An entry needs at least one transfer.")
    if not memo.strip():
        raise InvalidPosting("An entry needs a memo.")
    for leg in legs:
        _check_amount(leg.amount)
        if leg.debit == leg.credit:
            raise InvalidPosting(f"A transfer cannot debit and credit {leg.debit}.")

    if idempotency_key:
        existing = Entry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing

    with transaction.atomic():
        # Lock order: funds by primary key, then the chain head. Every posting takes the
        # chain head, which serialises postings and keeps the sequence gapless; the fund
        # locks make the available-balance check safe against a racing approval.
        fund_ids = sorted({leg.fund.pk for leg in legs})
        funds = {
            f.pk: f for f in Fund.objects.select_for_update().filter(pk__in=fund_ids).order_by("pk")
        }
        head = ChainHead.objects.select_for_update().get(pk=1)

        if idempotency_key:
            # Re-checked under the lock: a concurrent replay of the same event waits above
            # and then finds the entry its twin committed.
            existing = Entry.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing

        for fund in funds.values():
            if fund.lock_date is not None and effective_date <= fund.lock_date:
                raise PeriodLocked(fund, effective_date)

        codes = {leg.debit for leg in legs} | {leg.credit for leg in legs}
        accounts = {a.code: a for a in Account.objects.filter(code__in=codes)}
        missing = codes - accounts.keys()
        if missing:
            raise InvalidPosting(f"Unknown account(s): {', '.join(sorted(missing))}.")

        if discretionary:
            _check_available(legs, funds, accounts)

        entry = Entry.objects.create(
            effective_date=effective_date,
            memo=memo,
            source=source,
            idempotency_key=idempotency_key or None,
            reverses=reverses,
            created_by=actor,
        )
        transfers = []
        sequence, prev_hash = head.sequence, head.hash
        debits: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        credits: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for leg in legs:
            sequence += 1
            debit, credit = accounts[leg.debit], accounts[leg.credit]
            content = canonical_content(
                sequence,
                entry.pk,
                effective_date.isoformat(),
                leg.fund.pk,
                debit.pk,
                credit.pk,
                f"{leg.amount.amount:.2f}",
                "GBP",
                memo,
                source,
                entry.idempotency_key,
                reverses.pk if reverses else None,
            )
            this_hash = chain_hash(prev_hash, content)
            transfers.append(
                Transfer(
                    sequence=sequence,
                    entry=entry,
                    fund_id=leg.fund.pk,
                    debit_account=debit,
                    credit_account=credit,
                    amount=leg.amount,
                    prev_hash=prev_hash,
                    hash=this_hash,
                )
            )
            prev_hash = this_hash
            debits[(debit.pk, leg.fund.pk)] += leg.amount.amount
            credits[(credit.pk, leg.fund.pk)] += leg.amount.amount
        Transfer.objects.bulk_create(transfers)

        _add_to_balances(debits, credits)

        ChainHead.objects.filter(pk=1).update(sequence=sequence, hash=prev_hash)
    return entry


def _add_to_balances(
    debits: dict[tuple[int, int], Decimal], credits: dict[tuple[int, int], Decimal]
) -> None:
    """Add posted amounts to the cached balances, in one round trip.

    Every (account, fund) row exists from the moment the fund or account is created, and
    the chain-head lock held by the caller serialises these updates. Raw SQL because this
    is the hot path of every posting and the ORM's per-row update costs several times more.
    """
    keys = debits.keys() | credits.keys()
    rows = [(debits.get(k, Decimal(0)), credits.get(k, Decimal(0)), k[0], k[1]) for k in keys]
    table = Balance._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET debit_total = debit_total + %s, "
            "credit_total = credit_total + %s WHERE account_id = %s AND fund_id = %s",
            rows,
        )
        updated = cursor.rowcount
    if updated < len(rows):
        # A fund or account created without its balance rows (fund_create makes them):
        # create the missing rows now, still under the chain-head lock.
        existing = set(
            Balance.objects.filter(
                account_id__in={k[0] for k in keys}, fund_id__in={k[1] for k in keys}
            ).values_list("account_id", "fund_id")
        )
        for debit, credit, account_id, fund_id in rows:
            if (account_id, fund_id) not in existing:
                Balance.objects.create(
                    account_id=account_id,
                    fund_id=fund_id,
                    debit_total=Money(debit, "GBP"),
                    credit_total=Money(credit, "GBP"),
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


def _check_available(
    legs: Sequence[Leg], funds: dict[int, Fund], accounts: dict[str, Account]
) -> None:
    deltas: dict[int, Decimal] = defaultdict(Decimal)
    for leg in legs:
        deltas[leg.fund.pk] += _available_delta(leg, accounts[leg.debit], accounts[leg.credit])
    for fund_id, delta in deltas.items():
        if delta >= 0:
            continue
        available = available_in_fund(funds[fund_id])
        if available.amount + delta < 0:
            raise InsufficientFunds(funds[fund_id], available, Money(-delta, "GBP"))


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
