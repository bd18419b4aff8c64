"""The hledger journal: the real hledger accepts it and reports the app's trial balance."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fund.selectors import trial_balance
from fund.services.posting import Leg, entry_post
from fund.services.reversal import entry_reverse
from tests.fund.helpers import TODAY, gbp, post

HLEDGER = shutil.which("hledger") or "/usr/bin/hledger"


@pytest.fixture
def journal(tmp_path, officer, manager, public_fund, restricted_fund):
    post(
        manager,
        restricted_fund,
        "assets:bank",
        "income:contributions",
        "15000.00",
        memo="RSI; 2026/27",
    )
    post(officer, public_fund, "assets:cash-in-transit", "income:donations:boxes", "1234.56")
    entry_post(
        actor=officer,
        effective_date=TODAY,
        memo="Online gift",
        source="tests",
        legs=[
            Leg(
                fund=public_fund,
                debit="assets:stripe",
                credit="income:donations:online",
                amount=gbp("25.00"),
            ),
            Leg(
                fund=public_fund, debit="expenses:fees", credit="assets:stripe", amount=gbp("0.58")
            ),
        ],
    )
    approval = post(
        manager,
        restricted_fund,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "70.00",
        discretionary=True,
    )
    entry_reverse(actor=manager, entry=approval, effective_date=TODAY, memo="Withdrawn")
    path = tmp_path / "fund.journal"
    call_command("export_ledger", "--format", "hledger", "--output", str(path))
    return path


def hledger(*args) -> str:
    return subprocess.run([HLEDGER, *args], check=True, capture_output=True, text=True).stdout


def test_hledger_check_passes_on_the_export(journal):
    hledger("-f", str(journal), "check", "accounts", "commodities", "balanced")


def test_hledger_balances_equal_the_app_trial_balance(journal):
    output = hledger(
        "-f",
        str(journal),
        "balance",
        "--flat",
        "--no-total",
        "--empty",
        "--format",
        "%(account)|%(total)",
    )
    reported = {}
    for line in output.splitlines():
        account, amount = line.split("|")
        amount = amount.strip().replace("£", "").replace(",", "")
        reported[account.strip()] = Decimal(amount or "0")

    expected = {row.account.code: row.net_debit.amount for row in trial_balance()}
    assert {k: v for k, v in reported.items() if v} == {k: v for k, v in expected.items() if v}
    assert expected["assets:bank"] == Decimal("15000.00")
    assert expected["income:contributions"] == Decimal("-15000.00")


def test_fund_filter_exports_only_that_fund(tmp_path, journal, public_fund):
    path = tmp_path / "public.journal"
    call_command("export_ledger", "--format", "hledger", "--fund", "public", "--output", str(path))
    text = path.read_text()
    assert "income:contributions  £" not in text
    assert "fund:public" in text


def test_bad_arguments_are_refused_clearly(tmp_path, db):
    with pytest.raises(CommandError, match="No fund with code 'nope'"):
        call_command("export_ledger", "--fund", "nope", "--output", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="not a date"):
        call_command("export_ledger", "--from", "26/11/2026", "--output", str(tmp_path / "x"))
