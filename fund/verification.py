"""Recompute the ledger from its transfers and compare with everything derived from them."""

import multiprocessing
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from fund import chain_walk
from fund.chain_walk import SEP, Walk, chunks
from fund.models import GENESIS_HASH, Balance, ChainHead, Entry, MonthTotal, Transfer

# From this sequence number (about as many transfers), PostgreSQL's ledger is walked in two
# processes (one per half of the sequence range, at one snapshot), when the caller has no
# transaction of its own open.
PARALLEL_FROM = 200_000

if (Transfer._meta.db_table, Entry._meta.db_table) != (chain_walk.TRANSFERS, chain_walk.ENTRIES):
    raise ImproperlyConfigured("fund.chain_walk must name the transfer and entry tables")


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


def _reader():
    """The connection the walk reads on: on PostgreSQL the driver's own connection under
    Django's (a reader thread cannot use Django's, which is per thread), in the same
    transaction; on SQLite Django's, read in this thread alone."""
    if connection.vendor != "postgresql":
        return connection
    connection.ensure_connection()
    return connection.connection


def _walk_ledger(max_problems: int, parallel: bool) -> Walk:
    """Walk every transfer from the genesis hash. A long ledger on PostgreSQL is walked in
    two processes, one per half of the sequence range, at one snapshot, and joined where
    the halves meet; the result is the same as one walk, problems in sequence order."""
    first_half = Walk(max_problems, expected_sequence=1, prev_hash=GENESIS_HASH)
    with connection.cursor() as cursor:
        # The highest number (read from the index) decides; the count, which reads every
        # row, is taken while the second process starts.
        cursor.execute(f"SELECT max(sequence) FROM {Transfer._meta.db_table}")
        (last,) = cursor.fetchone()
        if not (parallel and (last or 0) >= PARALLEL_FROM):
            count = _count()
            return _counted(first_half.walk(chunks(connection.vendor, _reader())), count)
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    middle = last // 2
    # Spawned, not forked: the caller may run threads (a test runner, a server), and a
    # forked child could inherit a lock one of them held. Only plain values go across.
    spawn = multiprocessing.get_context("spawn")
    receiver, sender = spawn.Pipe(duplex=False)
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("context", "cursor_factory")
    }
    upper = spawn.Process(
        target=chain_walk.walk_upper_half,
        args=(params, snapshot, middle, max_problems, chain_walk.CHUNK, sender),
        daemon=True,
    )
    upper.start()
    sender.close()
    try:
        count = _count()
        first_half.walk(chunks("postgresql", _reader(), until=middle))
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


def _count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Transfer._meta.db_table}")
        return cursor.fetchone()[0]


def _counted(walked: Walk, count: int) -> Walk:
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
