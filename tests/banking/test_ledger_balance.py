"""The reconciliation's ledger balance: every bank entry dated up to the date, read from the
month totals and the date's own month (issue 15: it summed every bank transfer of the
ledger on each visit, 3.4 times its demo time at a fiftieth of the scale)."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from banking.selectors import bank_ledger_balance
from tests.fund.helpers import post


def test_the_balance_counts_whole_months_and_the_days_of_the_last_up_to_the_date(
    bank, manager, public_fund, restricted_fund
):
    post(
        manager,
        public_fund,
        "assets:bank",
        "income:donations:online",
        "100.00",
        on=date(2026, 9, 30),
    )
    post(
        manager,
        public_fund,
        "assets:bank",
        "income:donations:online",
        "20.00",
        on=date(2026, 10, 1),
    )
    post(
        manager,
        restricted_fund,
        "assets:bank",
        "income:contributions",
        "7.50",
        on=date(2026, 10, 31),
    )
    post(manager, public_fund, "expenses:fees", "assets:bank", "3.25", on=date(2026, 11, 1))
    post(
        manager,
        public_fund,
        "assets:bank",
        "income:donations:online",
        "40.00",
        on=date(2026, 11, 14),
    )
    post(
        manager,
        public_fund,
        "assets:bank",
        "income:donations:online",
        "9.99",
        on=date(2026, 11, 15),
    )
    post(
        manager,
        public_fund,
        "assets:stripe",
        "income:donations:online",
        "500.00",
        on=date(2026, 11, 2),
    )

    assert bank_ledger_balance(bank, date(2026, 9, 29)) == Money("0.00", "GBP")
    assert bank_ledger_balance(bank, date(2026, 9, 30)) == Money("100.00", "GBP")
    assert bank_ledger_balance(bank, date(2026, 10, 30)) == Money("120.00", "GBP")
    assert bank_ledger_balance(bank, date(2026, 10, 31)) == Money("127.50", "GBP")
    assert bank_ledger_balance(bank, date(2026, 11, 1)) == Money("124.25", "GBP")
    assert bank_ledger_balance(bank, date(2026, 11, 14)) == Money("164.25", "GBP")
    assert bank_ledger_balance(bank, date(2026, 11, 30)) == Money("174.24", "GBP")
    assert bank_ledger_balance(bank, date(2027, 3, 1)) == Money("174.24", "GBP")


def test_the_balance_asks_the_same_queries_for_one_month_or_many(bank, manager, public_fund):
    post(
        manager, public_fund, "assets:bank", "income:donations:online", "1.00", on=date(2026, 11, 3)
    )
    bank.ledger_account  # noqa: B018 - its account is read once, then kept on the object
    with CaptureQueriesContext(connection) as one:
        assert bank_ledger_balance(bank, date(2026, 11, 20)) == Money("1.00", "GBP")
    for month in range(1, 11):
        post(
            manager,
            public_fund,
            "assets:bank",
            "income:donations:online",
            "1.00",
            on=date(2026, month, 3),
        )
    with CaptureQueriesContext(connection) as many:
        assert bank_ledger_balance(bank, date(2026, 11, 20)) == Money("11.00", "GBP")
    assert len(many) == len(one)
    # Whole months from their totals; November's total less its transfers dated after the
    # 20th (fewer days than the 20 kept), the only transfers read.
    sql = [q["sql"] for q in many.captured_queries]
    assert [q for q in sql if "fund_monthtotal" in q] != []
    transfers = [q for q in sql if '"fund_transfer"' in q]
    assert len(transfers) == 1 and "2026-11-21" in transfers[0] and "2026-11-30" in transfers[0]


def test_the_balance_on_the_last_day_a_date_can_hold(bank, manager, public_fund):
    """December 9999's month end is worked out without the month after it (no year 10000)."""
    post(
        manager, public_fund, "assets:bank", "income:donations:online", "2.50", on=date(2026, 11, 3)
    )
    assert bank_ledger_balance(bank, date(9999, 12, 31)) == Money("2.50", "GBP")
    assert bank_ledger_balance(bank, date(9999, 12, 30)) == Money("2.50", "GBP")
