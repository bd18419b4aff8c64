"""Bank statement benchmark: import and auto-match a 10,000-line statement against a ledger
of 1,000,000 transfers (lines per second, peak memory).

Run directly against the database in ``DATABASE_URL`` (empty or disposable):
``python bench/banking.py --transfers 1000000 --lines 10000``. The ledger is written with
bulk SQL by ``bench/loader.py`` (building 1,000,000 transfers through the posting service
would take hours on this machine); the last ``--lines`` transfers are contributions into
the bank, and the statement holds one line for each, so every line has a candidate of the
same amount within the matching window. Automatic matching of contributions is switched
on, as a manager would; lines whose amount fits more than one entry stay for an officer.
"""

import argparse
import os
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from banking.models import BankAccount, Match  # noqa: E402
from banking.services.matching import match_rule_set  # noqa: E402
from banking.services.statements import statement_import  # noqa: E402
from bench import loader  # noqa: E402
from fund.models import Fund, Transfer  # noqa: E402
from fund.services.funds import fund_create  # noqa: E402
from people.roles import Role  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if Transfer.objects.exists():
        sys.exit("The benchmark database already holds transfers: give it an empty one.")
    actor, _ = get_user_model().objects.get_or_create(username="bench")
    actor.groups.add(Group.objects.get(name=Role.FUND_MANAGER.value))
    funds = [
        fund_create(
            actor=actor, code=f"bench-{n}", name=f"Bench fund {n}", kind=Fund.Kind.UNRESTRICTED
        )
        for n in range(2)
    ]
    start = time.perf_counter()
    loader.load(transfers=args.transfers - args.lines, actor=actor, funds=funds)
    saved = loader.PATTERNS
    loader.PATTERNS = [[("assets:bank", "income:contributions")]]
    loader.load(transfers=args.lines, actor=actor, funds=funds, seed=13)
    loader.PATTERNS = saved
    built = time.perf_counter() - start

    rows = (
        Transfer.objects.filter(credit_account__code="income:contributions")
        .order_by("sequence")
        .values_list("entry__effective_date", "amount")
    )
    running = Decimal("0.00")
    lines = ["Date,Description,Amount,Balance"]
    for n, (on, amount) in enumerate(rows):
        running += amount
        lines.append(f"{on:%d/%m/%Y},BGC FUNDER {n},{amount:.2f},{running:.2f}")
    content = ("\n".join(lines) + "\n").encode()
    match_rule_set(actor=actor, kind="contribution", automatic=True)

    account = BankAccount.objects.get(code="current")
    tracemalloc.start()
    start = time.perf_counter()
    result = statement_import(actor=actor, bank_account=account, content=content, file_name="b.csv")
    took = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    start = time.perf_counter()
    again = statement_import(actor=actor, bank_account=account, content=content, file_name="b.csv")
    repeat = time.perf_counter() - start

    print(
        f"database: {connection.vendor}; ledger: {Transfer.objects.count():,} transfers "
        f"(bulk SQL, {built:.1f} s)"
    )
    print(f"| statement lines | {result.added:,} |")
    print(f"| import and auto-match | {took:.2f} s ({result.added / took:,.0f} lines/s) |")
    print(f"| matched automatically | {Match.objects.count():,} of {result.added:,} |")
    print(f"| peak Python memory (tracemalloc) | {peak / 2**20:.1f} MiB |")
    print(f"| same file again (nothing new) | {repeat:.2f} s, {again.added} added |")


if __name__ == "__main__":
    main()
