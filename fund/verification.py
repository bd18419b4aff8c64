"""Recompute the ledger from its transfers and compare with everything derived from them."""

import multiprocessing
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import sha256
from operator import itemgetter

from django.db import connection, transaction

from fund.models import GENESIS_HASH, Balance, ChainHead, Entry, MonthTotal, Transfer

CHUNK = 20_000
SEP = "\x1f"
# A chunk's entries are read as one id range while the range is at most this many times
# the chunk (entry ids are taken under the chain-head lock, so they grow with the sequence
# and always are for the posting service's own ledger); a chunk whose entry ids are
# scattered further is read id by id instead, so the result never depends on the order.
ENTRY_SPREAD = 4
# From this many transfers, PostgreSQL's ledger is walked in two processes (one per half of
# the sequence range, at one snapshot), when the caller has no transaction of its own open.
PARALLEL_FROM = 200_000


def _transfers_sql(vendor: str, after: int | None, until: int | None = None) -> str:
    """The next chunk of transfers after sequence ``after`` (from the first when None; up
    to ``until``), in order. The first chunk has no lower bound, so a transfer numbered
    0 or below (were the constraint dropped) is read and reported, not skipped.

    A transfer's fund, debit and credit account ids come as one text, joined as the
    canonical text joins them (its "route"), and the amount as two-place text, so the loop
    hashes them as they are and keeps one running total per month and route: no Decimal,
    no number formatted per row. No join is made in the database: joining every transfer
    to its entry cost PostgreSQL several times the plain index scans.
    """
    if vendor == "postgresql":
        route = "concat(t.fund_id, chr(31), t.debit_account_id, chr(31), t.credit_account_id)"
        amount = "t.amount::text"
    else:
        route = (
            "coalesce(t.fund_id, '') || char(31) || coalesce(t.debit_account_id, '') "
            "|| char(31) || coalesce(t.credit_account_id, '')"
        )
        amount = "printf('%.2f', t.amount)"
    return (
        f"SELECT t.sequence, t.entry_id, {route}, {amount}, t.amount_currency, t.prev_hash, "
        f"t.hash FROM {Transfer._meta.db_table} t"
        + _where(
            ([] if after is None else [f"t.sequence > {int(after)}"])
            + ([] if until is None else [f"t.sequence <= {int(until)}"])
        )
        + f" ORDER BY t.sequence LIMIT {CHUNK}"
    )


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _entries_sql(vendor: str) -> str:
    """Each entry's id and the parts of ``canonical_content`` it gives its transfers, built
    by the database: its month (``YYYY-MM``), the text before the transfer's own fields
    and the text after them."""
    if vendor == "postgresql":
        day, sep = "to_char(e.effective_date, 'YYYY-MM-DD')", "chr(31)"
        reverses = "coalesce(e.reverses_id::text, '')"
    else:
        day, sep = "CAST(e.effective_date AS TEXT)", "char(31)"
        reverses = "coalesce(CAST(e.reverses_id AS TEXT), '')"
    return (
        f"SELECT e.id, substr({day}, 1, 7), "
        f"{sep} || e.id || {sep} || {day} || {sep}, "
        f"{sep} || e.memo || {sep} || e.source || {sep} || coalesce(e.idempotency_key, '') "
        f"|| {sep} || {reverses} FROM {Entry._meta.db_table} e "
    )


def _read_chunk(
    cursor, vendor: str, after: int | None, until: int | None = None
) -> tuple[list, dict]:
    """The next chunk of transfers, and the canonical-text parts of their entries by id."""
    cursor.execute(_transfers_sql(vendor, after, until))
    rows = cursor.fetchall()
    if not rows:
        return rows, {}
    sql = _entries_sql(vendor)
    first, last = min(map(itemgetter(1), rows)), max(map(itemgetter(1), rows))
    if last - first < ENTRY_SPREAD * CHUNK:
        cursor.execute(sql + "WHERE e.id >= %s AND e.id <= %s", [first, last])
        found = cursor.fetchall()
    else:
        ids = sorted({row[1] for row in rows})
        found = []
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            cursor.execute(sql + f"WHERE e.id IN ({', '.join(['%s'] * len(part))})", part)
            found += cursor.fetchall()
    return rows, {row[0]: row[1:] for row in found}


def _chunks(vendor: str, driver=None, after: int | None = None, until: int | None = None):
    """The transfers after ``after`` (up to ``until``) in sequence order, a chunk at a time,
    each with its entries.

    On PostgreSQL a second thread reads the next chunk while the caller checks this one, so
    the database's work and the hashing overlap. It uses the caller's connection (Django's,
    or ``driver``; so the same transaction and snapshot), which the caller does not touch
    until the last chunk; the driver releases the interpreter while it waits for the server.
    """
    if vendor != "postgresql":
        with connection.cursor() as cursor:
            while (chunk := _read_chunk(cursor, vendor, after, until))[0]:
                yield chunk
                after = chunk[0][-1][0]
        return
    if driver is None:
        connection.ensure_connection()
        driver = connection.connection

    def read(after: int | None) -> tuple[list, dict]:
        with driver.cursor() as cursor:
            return _read_chunk(cursor, vendor, after, until)

    with ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(read, after)
        while (chunk := pending.result())[0]:
            pending = reader.submit(read, chunk[0][-1][0])
            yield chunk


@dataclass
class _Walk:
    """What walking one run of transfers in sequence order found."""

    max_problems: int
    expected_sequence: int | None = None  # None: take the first transfer's own
    prev_hash: str | None = None
    first: tuple[int, str] | None = None  # the first transfer's sequence and previous hash
    checked: int = 0
    routes: dict = field(default_factory=lambda: defaultdict(int))
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < self.max_problems:
            self.problems.append(text)

    def walk(self, chunks) -> "_Walk":
        """Check every transfer: sequence, chain, amount and hash; total by month and route.

        The loop runs once per transfer, so it does as little as it can: plain rows (no
        model instances, no Decimal), one f-string, one SHA-256, one addition to a running
        total in integer pence per month and route (fund, debit account, credit account).
        """
        problem, routes = self.problem, self.routes
        expected_sequence, prev_hash = self.expected_sequence, self.prev_hash
        no_entry = ("", "", "")
        # Closed however the walk ends, so the reader thread has stopped before the
        # caller's transaction is ended on the connection it reads from.
        with closing(chunks):
            for rows, entries in chunks:
                if self.first is None:
                    self.first = (rows[0][0], rows[0][5])
                    if expected_sequence is None:
                        expected_sequence, prev_hash = self.first
                for sequence, entry_id, route, amount, currency, stored_prev, stored_hash in rows:
                    month, before, after = entries.get(entry_id, no_entry)
                    if sequence != expected_sequence:
                        problem(
                            f"transfer #{sequence}: expected sequence #{expected_sequence} "
                            "(gap or duplicate)"
                        )
                    if stored_prev != prev_hash:
                        problem(
                            f"transfer #{sequence}: previous hash does not match the one before"
                        )
                    pence = int(amount.replace(".", ""))
                    if pence <= 0 or currency != "GBP":
                        problem(
                            f"transfer #{sequence}: {pence}p {currency} is not a positive "
                            "GBP amount"
                        )
                    content = (
                        f"{stored_prev}{sequence}{before}{route}{SEP}{amount}{SEP}{currency}{after}"
                    )
                    if sha256(content.encode()).hexdigest() != stored_hash:
                        problem(
                            f"transfer #{sequence} (entry {entry_id}): hash does not match "
                            "its content"
                        )
                    routes[(month, route)] += pence
                    prev_hash = stored_hash
                    expected_sequence = sequence + 1
                self.checked += len(rows)
        self.expected_sequence, self.prev_hash = expected_sequence, prev_hash
        self.routes = dict(routes)
        return self


def _walk_upper_half(params: dict, snapshot: str, after: int, max_problems: int, pipe) -> None:
    """In a second process: walk the transfers after ``after`` on a connection of its own
    at the caller's snapshot, and send back what it found."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(**params) as driver:
            driver.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            driver.read_only = True
            driver.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            walked = _Walk(max_problems).walk(_chunks("postgresql", driver, after))
        pipe.send(("ok", walked))
    except BaseException as error:  # sent to the caller, who raises it
        pipe.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        pipe.close()


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

    It reads the transfers a chunk at a time, each chunk's entries beside it, so memory
    stays the same however long the ledger. All the chunks are read in one transaction at
    one snapshot, so a posting committed meanwhile is either wholly seen or not at all: on
    PostgreSQL REPEATABLE READ, on SQLite a deferred (read) transaction, which leaves
    postings free to go on. Called inside a transaction of its own, the caller's is used:
    on PostgreSQL at READ COMMITTED each chunk then sees the postings committed before it,
    which can report a chain head or balance out of step, never hide a change.
    """
    outer = connection.in_atomic_block
    if outer:
        return _verify(max_problems, parallel=False)
    if connection.vendor != "postgresql":
        # Django's atomic() begins SQLite's transactions IMMEDIATE (settings), which would
        # hold the write lock for the whole walk; a plain BEGIN only reads.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            try:
                return _verify(max_problems, parallel=False)
            finally:
                cursor.execute("COMMIT")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify(max_problems, parallel=True)


def _walk_ledger(max_problems: int, parallel: bool) -> _Walk:
    """Walk every transfer from the genesis hash. A long ledger on PostgreSQL is walked in
    two processes, one per half of the sequence range, at one snapshot, and joined where
    the halves meet; the result is the same as one walk, problems in sequence order."""
    first_half = _Walk(max_problems, expected_sequence=1, prev_hash=GENESIS_HASH)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(sequence), count(*) FROM {Transfer._meta.db_table}")
        last, count = cursor.fetchone()
        if not (parallel and count >= PARALLEL_FROM):
            return _counted(first_half.walk(_chunks(connection.vendor)), count)
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    middle = last // 2
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    upper = multiprocessing.get_context("fork").Process(
        target=_walk_upper_half,
        args=(connection.get_connection_params(), snapshot, middle, max_problems, sender),
        daemon=True,
    )
    upper.start()
    sender.close()
    try:
        first_half.walk(_chunks("postgresql", until=middle))
        outcome, second_half = receiver.recv()
    finally:
        upper.join()
    if outcome != "ok":
        raise RuntimeError(f"verifying the second half of the ledger failed: {second_half}")
    if second_half.first is not None:
        sequence, stored_prev = second_half.first
        if sequence != first_half.expected_sequence:
            first_half.problem(
                f"transfer #{sequence}: expected sequence #{first_half.expected_sequence} "
                "(gap or duplicate)"
            )
        if stored_prev != first_half.prev_hash:
            first_half.problem(f"transfer #{sequence}: previous hash does not match the one before")
        for text in second_half.problems:
            first_half.problem(text)
        for key, pence in second_half.routes.items():
            first_half.routes[key] = first_half.routes.get(key, 0) + pence
        first_half.checked += second_half.checked
        first_half.expected_sequence = second_half.expected_sequence
        first_half.prev_hash = second_half.prev_hash
    return _counted(first_half, count)


def _counted(walked: _Walk, count: int) -> _Walk:
    """Every transfer in the table was walked: one read past at a chunk's edge (were the
    sequence's uniqueness dropped, two transfers could share a number) is still found."""
    if walked.checked != count:
        walked.problem(
            f"the ledger holds {count} transfers but {walked.checked} were read in sequence "
            "order: a sequence number is used twice"
        )
    return walked


def _verify(max_problems: int, parallel: bool) -> VerificationResult:
    result = VerificationResult()

    def problem(text: str) -> None:
        if len(result.problems) < max_problems:
            result.problems.append(text)

    walked = _walk_ledger(max_problems, parallel)
    for text in walked.problems:
        problem(text)
    result.transfers_checked = walked.checked
    expected_sequence = walked.expected_sequence if walked.checked else 1
    prev_hash = walked.prev_hash if walked.checked else GENESIS_HASH
    routes = walked.routes

    # Month totals per (month, account, fund) in integer pence; the balances are their sums.
    debits: dict[tuple[str, int, int], int] = defaultdict(int)
    credits: dict[tuple[str, int, int], int] = defaultdict(int)
    for (month, route), pence in routes.items():
        try:
            fund_id, debit_id, credit_id = (int(part) for part in route.split(SEP))
        except ValueError:  # a fund or account id missing (only were NOT NULL dropped)
            problem(f"transfers in {month} name no fund or account: {route.split(SEP)}")
            continue
        debits[(month, debit_id, fund_id)] += pence
        credits[(month, credit_id, fund_id)] += pence

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
