"""Walking the hash chain: the part of ``verify_ledger`` that runs once per transfer.

It imports nothing of Django, so the second process of a long walk starts in a fraction
of a second (``multiprocessing``'s "spawn": a clean interpreter that inherits none of the
caller's threads or locks) and needs only psycopg. ``fund.verification`` drives it and
checks everything derived (balances, month totals, the chain head).
"""

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from hashlib import sha256
from operator import itemgetter

CHUNK = 20_000
SEP = "\x1f"
# A chunk's entries are read as one id range while the range is at most this many times
# the chunk (entry ids are taken under the chain-head lock, so they grow with the sequence
# and always are for the posting service's own ledger); a chunk whose entry ids are
# scattered further is read id by id instead, so the result never depends on the order.
ENTRY_SPREAD = 4
# The tables walked (``fund.verification`` checks these are the models' tables).
TRANSFERS, ENTRIES = "fund_transfer", "fund_entry"


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
        f"t.hash FROM {TRANSFERS} t"
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
        f"|| {sep} || {reverses} FROM {ENTRIES} e "
    )


def read_chunk(
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


def chunks(vendor: str, connection, after: int | None = None, until: int | None = None):
    """The transfers after ``after`` (up to ``until``) in sequence order, a chunk at a time,
    each with its entries, read on ``connection`` (a DB-API connection: Django's, or a
    psycopg connection of its own), in its transaction and snapshot.

    On PostgreSQL a second thread reads the next chunk while the caller checks this one, so
    the database's work and the hashing overlap; the caller does not touch the connection
    until the last chunk, and the driver releases the interpreter while it waits.
    """
    if vendor != "postgresql":
        with connection.cursor() as cursor:
            while (chunk := read_chunk(cursor, vendor, after, until))[0]:
                yield chunk
                after = chunk[0][-1][0]
        return

    def read(after: int | None) -> tuple[list, dict]:
        with connection.cursor() as cursor:
            return read_chunk(cursor, vendor, after, until)

    with ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(read, after)
        while (chunk := pending.result())[0]:
            pending = reader.submit(read, chunk[0][-1][0])
            yield chunk


@dataclass
class Walk:
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

    def walk(self, chunks) -> "Walk":
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


def walk_upper_half(
    params: dict, snapshot: str, after: int, max_problems: int, chunk: int, pipe
) -> None:
    """The second process of a long walk, started clean ("spawn": none of the caller's
    threads or locks): walk the transfers after ``after`` on a connection of its own at
    the caller's exported snapshot, and send back what it found."""
    import psycopg
    from psycopg import sql

    global CHUNK
    CHUNK = chunk
    try:
        with psycopg.connect(**params) as driver:
            driver.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            driver.read_only = True
            driver.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            walked = Walk(max_problems).walk(chunks("postgresql", driver, after))
        pipe.send(("ok", walked))
    except BaseException as error:  # sent to the caller, who raises it
        pipe.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        pipe.close()
