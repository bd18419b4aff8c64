"""Ledger benchmark: posting rate, balance reads, verification, and hledger/ledger at equal size.

Run through ``make bench`` (SQLite, then a private PostgreSQL), or directly against the
database in ``DATABASE_URL``: ``python bench/ledger.py --transfers 1000000``. It builds its
own ledger in that database (which must be empty or disposable) and prints a table.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from djmoney.money import Money  # noqa: E402

from audit.journals import write_hledger  # noqa: E402
from bench.loader import load  # noqa: E402
from fund.models import Account, Fund, Transfer  # noqa: E402
from fund.selectors import account_balance, trial_balance  # noqa: E402
from fund.services.funds import fund_create  # noqa: E402
from fund.services.posting import Leg, entry_post  # noqa: E402
from fund.verification import verify_ledger  # noqa: E402


def timed(fn, repeat: int) -> float:
    """Median seconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def external(tool: str, journal: Path) -> float | None:
    path = shutil.which(tool)
    if not path:
        return None
    start = time.perf_counter()
    subprocess.run([path, "-f", str(journal), "balance"], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--external-at", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=2_000)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if Transfer.objects.exists():
        sys.exit("The benchmark database already holds transfers: give it an empty one.")
    actor, _ = get_user_model().objects.get_or_create(username="bench")
    funds = [
        fund_create(
            actor=actor, code=f"bench-{n}", name=f"Bench fund {n}", kind=Fund.Kind.UNRESTRICTED
        )
        for n in range(2)
    ]
    rows: list[tuple[str, str]] = []
    vendor = connection.vendor

    # 1. Posting through the service: one transaction per entry, two transfers each.
    start = time.perf_counter()
    for n in range(args.postings):
        entry_post(
            actor=actor,
            effective_date=date(2026, 11, 26),
            memo=f"Online gift {n}",
            source=f"bench:post:{n}",
            legs=[
                Leg(
                    fund=funds[n % 2],
                    debit="assets:stripe",
                    credit="income:donations:online",
                    amount=Money("10.00", "GBP"),
                ),
                Leg(
                    fund=funds[n % 2],
                    debit="expenses:fees",
                    credit="assets:stripe",
                    amount=Money("0.35", "GBP"),
                ),
            ],
        )
    rate = args.postings / (time.perf_counter() - start)
    rows.append(("posting rate (entries/s, 2 transfers each)", f"{rate:,.0f}"))

    # 2. At equal size, the app's trial balance against hledger and ledger on its export.
    load(transfers=args.external_at - Transfer.objects.count(), actor=actor, funds=funds)
    app_tb = timed(trial_balance, 20)
    with tempfile.TemporaryDirectory() as tmp:
        journal = Path(tmp) / "bench.journal"
        with journal.open("w", encoding="utf-8") as stream:
            write_hledger(stream)
        for tool in ("hledger", "ledger"):
            seconds = external(tool, journal)
            label = f"{tool} balance at {args.external_at:,} transfers"
            if seconds is None:
                rows.append((label, "not installed"))
            else:
                rows.append((label, f"{seconds * 1000:,.0f} ms = {seconds / app_tb:,.0f}x the app"))
    rows.append((f"app trial balance at {args.external_at:,} transfers", f"{app_tb * 1000:.2f} ms"))

    # 3. Reads and verification at full size.
    load(transfers=args.transfers - Transfer.objects.count(), actor=actor, funds=funds)
    bank = Account.objects.get(code="assets:bank")
    size = f"{args.transfers:,}"
    one = timed(lambda: account_balance(bank, funds[0]), 200)
    rows.append((f"balance of one account at {size} transfers", f"{one * 1000:.2f} ms"))
    rows.append((f"trial balance at {size} transfers", f"{timed(trial_balance, 50) * 1000:.2f} ms"))
    start = time.perf_counter()
    result = verify_ledger()
    seconds = time.perf_counter() - start
    if not result.ok:
        sys.exit(f"verify_ledger failed on the benchmark ledger: {result.problems[0]}")
    rows.append(
        (
            f"verify_ledger at {size} transfers",
            f"{result.transfers_checked / seconds:,.0f} transfers/s ({seconds:.1f} s)",
        )
    )

    width = max(len(label) for label, _ in rows)
    print(f"\nLedger benchmark on {vendor} ({os.cpu_count()} cores)")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
