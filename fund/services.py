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
from django.utils import timezone
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
    return _transfer_content(
        sequence,
        entry_id,
        effective_date,
        fund_id,
        debit_account_id,
        credit_account_id,
        amount,
        _entry_content(currency, memo, source, idempotency_key, reverses_id),
    )


SEP = "\x1f"


def _entry_content(
    currency: str, memo: str, source: str, idempotency_key: str | None, reverses_id: int | None
) -> str:
    """The canonical text's last fields, the same for every transfer of an entry."""
    reverses = "" if reverses_id is None else reverses_id
    return f"{currency}{SEP}{memo}{SEP}{source}{SEP}{idempotency_key or ''}{SEP}{reverses}"


def _transfer_content(
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
    """Lock, check and write ``postings``; the caller holds a transaction.

    The rows are built as plain tuples (no model instances) and written with a handful of
    statements whatever the batch's size: the entries, the transfers, then one statement
    for the cached balances, the month totals and the chain head (see ``_write``).
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

    entry_ids = _reserve_entry_ids(len(new))
    created_at = timezone.now()
    entry_rows: list[tuple] = []
    transfer_rows: list[tuple] = []
    debits: dict[tuple[int, int, date], Decimal] = defaultdict(Decimal)
    credits: dict[tuple[int, int, date], Decimal] = defaultdict(Decimal)
    for index, entry_id in zip(new, entry_ids, strict=True):
        posting = postings[index]
        reverses_id = posting.reverses.pk if posting.reverses else None
        entry_rows.append(
            (
                entry_id,
                posting.effective_date,
                posting.memo,
                posting.source,
                posting.idempotency_key,
                reverses_id,
                created_at,
                actor.pk,
            )
        )
        day = posting.effective_date.isoformat()
        month = posting.effective_date.replace(day=1)
        # The canonical text's last fields are the entry's: built once for all its legs.
        tail = _entry_content(
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
                _transfer_content(
                    sequence, entry_id, day, fund_id, debit_id, credit_id, text, tail
                ),
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
        _write(entry_rows, transfer_rows, _totals(debits, credits), sequence, prev_hash)

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


ENTRY_COLUMNS = [f.attname for f in Entry._meta.concrete_fields]
_TRANSFER_COLUMNS = (
    "sequence",
    "entry_id",
    "fund_id",
    "debit_account_id",
    "credit_account_id",
    "amount_currency",
    "amount",
    "prev_hash",
    "hash",
)
# Above this many transfers PostgreSQL gets the rows by COPY; below it, in the one statement.
_COPY_FROM = 40


def _reserve_entry_ids(count: int) -> list[int]:
    """``count`` new entry ids in ascending order, taken under the chain-head lock.

    The hash of each transfer covers its entry's id, so the ids are known before anything
    is inserted. On PostgreSQL they come from the table's own sequence; on SQLite the
    caller's transaction already holds the database's single write lock (IMMEDIATE).
    """
    if not count:
        return []
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, %s)",
                [count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))


def _totals(
    debits: dict[tuple[int, int, date], Decimal], credits: dict[tuple[int, int, date], Decimal]
) -> tuple[list[tuple], list[tuple]]:
    """The amounts to add to the cached balances and the month totals, one row per key."""
    by_month: list[tuple] = []
    by_balance: dict[tuple[int, int], list[Decimal]] = {}
    zero = Decimal(0)
    for key in sorted(debits.keys() | credits.keys()):
        debit, credit = debits.get(key, zero), credits.get(key, zero)
        account, fund, month = key
        by_month.append((account, fund, month, debit, credit))
        totals = by_balance.setdefault((account, fund), [zero, zero])
        totals[0] += debit
        totals[1] += credit
    balances = [(account, fund, d, c) for (account, fund), (d, c) in sorted(by_balance.items())]
    return balances, by_month


def _write(
    entry_rows: list[tuple],
    transfer_rows: list[tuple],
    totals: tuple[list[tuple], list[tuple]],
    sequence: int,
    head_hash: str,
) -> None:
    """Insert the entries and transfers, add to the cached totals and move the chain head.

    On PostgreSQL a small posting is one statement (data-modifying ``WITH`` clauses); a
    large batch sends its rows by COPY and then the totals and head in one statement.
    SQLite, where a statement is a function call rather than a round trip, runs them one
    after another.
    """
    ops = connection.ops
    entry_rows = [
        (
            pk,
            ops.adapt_datefield_value(day),
            memo,
            source,
            key,
            reverses,
            ops.adapt_datetimefield_value(created_at),
            by,
        )
        for pk, day, memo, source, key, reverses, created_at, by in entry_rows
    ]
    balances, months = totals
    months = [(a, f, ops.adapt_datefield_value(m), d, c) for a, f, m, d, c in months]
    entry_table, transfer_table = Entry._meta.db_table, Transfer._meta.db_table
    entry_columns = ", ".join(ENTRY_COLUMNS)
    transfer_columns = ", ".join(_TRANSFER_COLUMNS)
    head = (
        f"UPDATE {ChainHead._meta.db_table} SET sequence = %s, hash = %s WHERE id = 1",
        [sequence, head_hash],
    )
    balance_sql = _upsert_sql(Balance._meta.db_table, ["account_id", "fund_id"], len(balances))
    month_sql = _upsert_sql(
        MonthTotal._meta.db_table, ["account_id", "fund_id", "month"], len(months)
    )
    flat_balances = [value for row in balances for value in row]
    flat_months = [value for row in months for value in row]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(ENTRY_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {entry_table} ({entry_columns}) VALUES ({marks})", entry_rows
            )
            marks = ", ".join(["%s"] * len(_TRANSFER_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {transfer_table} ({transfer_columns}) VALUES ({marks})",
                transfer_rows,
            )
            cursor.execute(balance_sql, flat_balances)
            cursor.execute(month_sql, flat_months)
            cursor.execute(*head)
            return
        clauses, params = [], []
        if len(transfer_rows) > _COPY_FROM:
            for table, columns, rows in (
                (entry_table, entry_columns, entry_rows),
                (transfer_table, transfer_columns, transfer_rows),
            ):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            clauses += [
                f"e AS (INSERT INTO {entry_table} ({entry_columns}) VALUES "
                f"{_values(len(ENTRY_COLUMNS), len(entry_rows))})",
                f"t AS (INSERT INTO {transfer_table} ({transfer_columns}) VALUES "
                f"{_values(len(_TRANSFER_COLUMNS), len(transfer_rows))})",
            ]
            params += [value for row in entry_rows for value in row]
            params += [value for row in transfer_rows for value in row]
        clauses += [f"b AS ({balance_sql})", f"m AS ({month_sql})"]
        params += flat_balances + flat_months
        cursor.execute(f"WITH {', '.join(clauses)} {head[0]}", params + head[1])


def _values(width: int, count: int) -> str:
    return ", ".join([f"({', '.join(['%s'] * width)})"] * count)


def _upsert_sql(table: str, key_columns: list[str], count: int) -> str:
    """Add (key..., debit, credit) rows to a table of cached totals; a missing row is made.

    The chain-head lock held by the caller serialises these updates.
    """
    keys = ", ".join(key_columns)
    rows = ", ".join([f"({', '.join(['%s'] * (len(key_columns) + 2))}, 'GBP', 'GBP')"] * count)
    return (
        f"INSERT INTO {table} ({keys}, debit_total, credit_total, debit_total_currency, "
        f"credit_total_currency) VALUES {rows} ON CONFLICT ({keys}) DO UPDATE SET "
        f"debit_total = {table}.debit_total + excluded.debit_total, "
        f"credit_total = {table}.credit_total + excluded.credit_total"
    )


def _add_to_totals(
    debits: dict[tuple[int, int, date], Decimal], credits: dict[tuple[int, int, date], Decimal]
) -> None:
    """Add posted amounts to the cached balances and month totals (the bench loader's use)."""
    balances, months = _totals(debits, credits)
    if not balances:
        return
    ops = connection.ops
    months = [(a, f, ops.adapt_datefield_value(m), d, c) for a, f, m, d, c in months]
    with connection.cursor() as cursor:
        for table, keys, rows in (
            (Balance._meta.db_table, ["account_id", "fund_id"], balances),
            (MonthTotal._meta.db_table, ["account_id", "fund_id", "month"], months),
        ):
            cursor.execute(
                _upsert_sql(table, keys, len(rows)), [value for row in rows for value in row]
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
