"""Month totals: kept by the posting service with the balances, checked by verify_ledger."""

import importlib
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

from django.apps import apps as global_apps
from django.db import connection
from django.db.models import Sum

from fund.models import Account, MonthTotal, Transfer
from fund.selectors import movements_by_month
from fund.services.reversal import entry_reverse
from fund.verification import verify_ledger
from tests.fund.helpers import post


def month_rows(code: str) -> dict[str, tuple[str, str]]:
    return {
        f"{m.month:%Y-%m} {m.fund.code}": (f"{m.debit_total.amount}", f"{m.credit_total.amount}")
        for m in MonthTotal.objects.filter(account__code=code).select_related("fund")
    }


def summed_from_transfers() -> dict[tuple, tuple[D, D]]:
    sums: dict[tuple, list[D]] = {}
    for t in Transfer.objects.select_related("entry"):
        month = t.entry.effective_date.replace(day=1)
        sums.setdefault((month, t.debit_account_id, t.fund_id), [D(0), D(0)])[0] += t.amount.amount
        sums.setdefault((month, t.credit_account_id, t.fund_id), [D(0), D(0)])[1] += t.amount.amount
    return {k: tuple(v) for k, v in sums.items()}


def cached() -> dict[tuple, tuple[D, D]]:
    return {
        (m.month, m.account_id, m.fund_id): (m.debit_total.amount, m.credit_total.amount)
        for m in MonthTotal.objects.all()
    }


def three_months(officer, manager, public_fund, restricted_fund):
    post(
        officer,
        public_fund,
        "assets:stripe",
        "income:donations:online",
        "25.00",
        on=date(2026, 9, 30),
    )
    post(
        officer,
        public_fund,
        "assets:stripe",
        "income:donations:online",
        "10.50",
        on=date(2026, 10, 1),
    )
    gift = post(
        officer,
        public_fund,
        "assets:stripe",
        "income:donations:online",
        "4.25",
        on=date(2026, 10, 31),
    )
    post(
        manager,
        restricted_fund,
        "assets:bank",
        "income:contributions",
        "1000.00",
        on=date(2026, 10, 15),
    )
    entry_reverse(actor=officer, entry=gift, effective_date=date(2026, 11, 2), memo="Refunded")


def test_month_totals_equal_the_transfers_after_posts_and_reversals(
    officer, manager, public_fund, restricted_fund
):
    three_months(officer, manager, public_fund, restricted_fund)

    assert month_rows("income:donations:online") == {
        "2026-09 public": ("0.00", "25.00"),
        "2026-10 public": ("0.00", "14.75"),
        "2026-11 public": ("4.25", "0.00"),
    }
    assert month_rows("assets:bank") == {"2026-10 rsi": ("1000.00", "0.00")}
    assert cached() == summed_from_transfers()
    result = verify_ledger()
    assert result.ok, result.problems
    assert result.transfers_checked == 5


def test_a_tampered_month_total_is_reported(officer, manager, public_fund, restricted_fund):
    three_months(officer, manager, public_fund, restricted_fund)
    MonthTotal.objects.filter(
        account__code="income:donations:online", month=date(2026, 10, 1)
    ).update(credit_total=D("14.00"))

    problems = verify_ledger().problems

    assert problems == [
        "month total income:donations:online in fund public for Oct 2026: cached debits "
        "0.00 / credits 14.00, transfers sum to 0.00 / 14.75"
    ]


def test_a_missing_month_total_is_reported(officer, manager, public_fund, restricted_fund):
    three_months(officer, manager, public_fund, restricted_fund)
    MonthTotal.objects.filter(account__code="assets:bank").delete()
    problems = verify_ledger().problems
    bank = Account.objects.get(code="assets:bank").pk
    assert (
        f"month total missing for account {bank} in fund {restricted_fund.pk} for 2026-10"
        in problems
    )


def test_movements_by_month_over_part_months(officer, manager, public_fund, restricted_fund):
    three_months(officer, manager, public_fund, restricted_fund)
    online = Account.objects.get(code="income:donations:online")

    def net(start, end, fund=None):
        rows = movements_by_month(start, end, accounts=[online], fund=fund)
        return {f"{m:%Y-%m}": c - d for (m, _), (d, c) in sorted(rows.items()) if c - d}

    # Whole months, then ranges cutting a month short at either end or inside it.
    assert net(date(2026, 9, 1), date(2026, 11, 30)) == {
        "2026-09": D("25.00"),
        "2026-10": D("14.75"),
        "2026-11": D("-4.25"),
    }
    assert net(date(2026, 10, 2), date(2026, 11, 30)) == {
        "2026-10": D("4.25"),
        "2026-11": D("-4.25"),
    }
    assert net(date(2026, 9, 30), date(2026, 10, 30)) == {
        "2026-09": D("25.00"),
        "2026-10": D("10.50"),
    }
    assert net(date(2026, 10, 1), date(2026, 10, 1)) == {"2026-10": D("10.50")}
    assert net(date(2026, 10, 2), date(2026, 10, 30)) == {}
    assert net(date(2026, 9, 1), date(2026, 11, 30), fund=restricted_fund) == {}


def test_the_backfill_rebuilds_month_totals_from_the_transfers(
    officer, manager, public_fund, restricted_fund
):
    three_months(officer, manager, public_fund, restricted_fund)
    before = cached()
    MonthTotal.objects.all().delete()

    migration = importlib.import_module("fund.migrations.0004_month_totals")
    # The migration reads only the editor's connection (SQLite cannot open a schema
    # editor inside the test's transaction).
    migration.backfill(global_apps, SimpleNamespace(connection=connection))

    assert cached() == before
    assert MonthTotal.objects.aggregate(total=Sum("credit_total"))["total"] == D("1044.00")


def test_a_part_month_reads_the_side_with_fewer_entries(officer, public_fund):
    """A range ending on 8 December: with nothing dated after it, the month total less
    no transfers (the 23 days left out) rather than the 8 days' many transfers; with more
    dated after it than before, the 8 days' transfers."""
    from django.test.utils import CaptureQueriesContext

    online = Account.objects.get(code="income:donations:online")
    for n, day in enumerate([1, 2, 2, 3, 8]):
        post(officer, public_fund, "assets:bank", "income:donations:online", f"{n + 1}.00",
             on=date(2026, 12, day))  # fmt: skip

    def read(start, end):
        with CaptureQueriesContext(connection) as queries:
            rows = movements_by_month(start, end, accounts=[online])
        transfer_reads = [q["sql"] for q in queries if 'FROM "fund_transfer"' in q["sql"]]
        net = {f"{m:%Y-%m}": c - d for (m, _), (d, c) in rows.items()}
        return net, transfer_reads

    net, reads = read(date(2026, 11, 1), date(2026, 12, 8))
    assert net == {"2026-12": D("15.00")}
    assert len(reads) == 1 and "2026-12-09" in reads[0] and "2026-12-31" in reads[0]

    for _ in range(6):  # six gifts dated after the range: now the 8 days are fewer
        post(officer, public_fund, "assets:bank", "income:donations:online", "100.00",
             on=date(2026, 12, 20))  # fmt: skip
    net, reads = read(date(2026, 11, 1), date(2026, 12, 8))
    assert net == {"2026-12": D("15.00")}
    assert len(reads) == 1 and "2026-12-01" in reads[0] and "2026-12-08" in reads[0]
    assert "2026-12-31" not in reads[0]
