"""Quick rates: entry_post, entry_post_many and verify_ledger on the configured database.

DATABASE_URL=postgres://... .venv/bin/python bench/batch.py --entries 20000
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
from djmoney.money import Money  # noqa: E402

from fund.models import Fund  # noqa: E402
from fund.services import Leg, Posting, entry_post, entry_post_many, fund_create  # noqa: E402
from fund.verification import verify_ledger  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-batch")
    fund = Fund.objects.filter(code="bench-batch").first() or fund_create(
        actor=user, code="bench-batch", name="Bench batch", kind=Fund.Kind.UNRESTRICTED
    )

    def posting(i: int) -> Posting:
        return Posting(
            effective_date=date(2026, 1 + i % 12, 1 + i % 28),
            memo=f"Bench gift {i}",
            source=f"bench:{i}",
            legs=[
                Leg(fund, "assets:stripe", "income:donations:online", Money("10.00", "GBP")),
                Leg(fund, "expenses:fees", "assets:stripe", Money("0.35", "GBP")),
            ],
        )

    single = 300
    started = time.perf_counter()
    for i in range(single):
        p = posting(i)
        entry_post(
            actor=user, effective_date=p.effective_date, memo=p.memo, source=p.source, legs=p.legs
        )
    single_rate = single / (time.perf_counter() - started)

    started = time.perf_counter()
    for offset in range(0, args.entries, args.batch):
        entry_post_many(
            actor=user,
            postings=[posting(i) for i in range(offset, min(offset + args.batch, args.entries))],
        )
    batch_rate = args.entries / (time.perf_counter() - started)

    started = time.perf_counter()
    result = verify_ledger()
    verify_seconds = time.perf_counter() - started
    assert result.ok, result.problems
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"entry_post, one transaction each: {single_rate:,.0f} entries/s (2 transfers each)")
    print(f"entry_post_many, {args.batch} a batch: {batch_rate:,.0f} entries/s")
    print(
        f"verify_ledger: {result.transfers_checked:,} transfers in {verify_seconds:.2f} s, "
        f"{result.transfers_checked / verify_seconds:,.0f} /s"
    )


if __name__ == "__main__":
    main()
