"""Quick rates: entry_post, entry_post_many and verify_ledger on the configured database.

DATABASE_URL=postgres://... .venv/bin/python bench/batch.py --entries 20000 --ledger 300000

Each figure is printed with the machine's load average beside it (the machine is shared)
and, on PostgreSQL, with the CPU seconds this process and its database backend spent, and
whether the server was durable (fsync and synchronous_commit on).
"""

import argparse
import os
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from djmoney.money import Money  # noqa: E402

from fund.models import Fund, Transfer  # noqa: E402
from fund.services.funds import fund_create  # noqa: E402
from fund.services.posting import Leg, Posting, entry_post, entry_post_many  # noqa: E402
from fund.verification import verify_ledger  # noqa: E402


def _backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend, when it runs on this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Timed:
    """Wall time, this process's CPU time and the database backend's CPU time."""

    def __enter__(self):
        self.load_before = os.getloadavg()[0]
        self.server = _backend_cpu()
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        server = _backend_cpu()
        self.server = None if server is None or self.server is None else server - self.server
        self.load_after = os.getloadavg()[0]

    def describe(self) -> str:
        server = "" if self.server is None else f", database {self.server:.2f} s"
        return (
            f"[{self.wall:.2f} s wall; CPU: this process {self.cpu:.2f} s{server}; "
            f"load {self.load_before:.1f} -> {self.load_after:.1f}]"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--single", type=int, default=300, help="entries through entry_post")
    parser.add_argument(
        "--ledger",
        type=int,
        default=0,
        help="top the ledger up to this many transfers (bench.loader) before verifying",
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit')")
            fsync, sync = cursor.fetchone()
        print(f"PostgreSQL fsync={fsync} synchronous_commit={sync}", flush=True)
    user, _ = get_user_model().objects.get_or_create(username="bench-batch")
    fund = Fund.objects.filter(code="bench-batch").first() or fund_create(
        actor=user, code="bench-batch", name="Bench batch", kind=Fund.Kind.UNRESTRICTED
    )
    start = Transfer.objects.count()

    def posting(i: int) -> Posting:
        i += start
        return Posting(
            effective_date=date(2026, 1 + i % 12, 1 + i % 28),
            memo=f"Bench gift {i}",
            source=f"bench:{i}",
            legs=[
                Leg(fund, "assets:stripe", "income:donations:online", Money("10.00", "GBP")),
                Leg(fund, "expenses:fees", "assets:stripe", Money("0.35", "GBP")),
            ],
        )

    with Timed() as single:
        for i in range(args.single):
            p = posting(i)
            entry_post(
                actor=user,
                effective_date=p.effective_date,
                memo=p.memo,
                source=p.source,
                legs=p.legs,
            )
    print(
        f"entry_post, one transaction each: {args.single / single.wall:,.0f} entries/s "
        f"(2 transfers each) {single.describe()}",
        flush=True,
    )

    batches = [
        [posting(i) for i in range(offset, min(offset + args.batch, args.entries))]
        for offset in range(args.single, args.single + args.entries, args.batch)
    ]
    with Timed() as batched:
        for postings in batches:
            entry_post_many(actor=user, postings=postings)
    print(
        f"entry_post_many, {args.batch} a batch: {args.entries / batched.wall:,.0f} entries/s "
        f"{batched.describe()}",
        flush=True,
    )

    have = Transfer.objects.count()
    if args.ledger > have:
        from django.db import transaction

        from bench.loader import load

        with transaction.atomic():
            load(transfers=args.ledger - have, actor=user, funds=[fund])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    with Timed() as verified:
        result = verify_ledger()
    assert result.ok, result.problems
    print(
        f"verify_ledger: {result.transfers_checked:,} transfers, "
        f"{result.transfers_checked / verified.wall:,.0f} /s {verified.describe()}",
        flush=True,
    )


if __name__ == "__main__":
    main()
