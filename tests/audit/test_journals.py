"""The journals re-checked by tools nobody on this team wrote: hledger and bean-check."""

import csv
import io
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import realization
from django.core.management import call_command

from tests.audit.helpers import app_net_by_account

HLEDGER = shutil.which("hledger")
BEAN_CHECK = str(Path(sys.executable).with_name("bean-check"))


def export(tmp_path, file_format, *args) -> Path:
    output = tmp_path / f"ledger.{file_format}"
    call_command(
        "export_ledger",
        "--format",
        file_format,
        "--output",
        str(output),
        *args,
        stdout=io.StringIO(),
    )
    return output


def hledger_balances(path: Path) -> dict[str, Decimal]:
    result = subprocess.run(
        [HLEDGER, "-f", str(path), "balance", "--flat", "--no-total", "--strict", "-O", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    return {account: Decimal(amount.replace("£", "").replace(",", "")) for account, amount in rows}


def bean_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([BEAN_CHECK, str(path)], capture_output=True, text=True)


def beancount_balances(path: Path) -> dict[str, Decimal]:
    """Every account's balance as beancount's own loader and realisation compute it."""
    entries, errors, _options = loader.load_file(str(path))
    assert not errors
    balances = {}
    for real_account in realization.iter_children(realization.realize(entries)):
        amount = real_account.balance.get_currency_units("GBP").number
        if amount:
            code = real_account.account.lower()
            balances[code] = amount
    return balances


def test_hledger_reports_every_account_balance_the_app_reports(tmp_path, ledger):
    assert hledger_balances(export(tmp_path, "hledger")) == app_net_by_account()


def test_hledger_agrees_for_one_fund(tmp_path, ledger, restricted_fund):
    path = export(tmp_path, "hledger", "--fund", restricted_fund.code)
    assert hledger_balances(path) == app_net_by_account(restricted_fund)


def test_bean_check_accepts_the_export_and_its_balance_assertions(tmp_path, ledger):
    path = export(tmp_path, "beancount")
    result = bean_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " balance Assets:Bank  15014.37 GBP" in path.read_text()


def test_beancount_balances_equal_the_app_for_all_funds_and_each_fund(
    tmp_path, ledger, public_fund, restricted_fund
):
    assert beancount_balances(export(tmp_path, "beancount")) == app_net_by_account()
    for fund in (public_fund, restricted_fund):
        path = export(tmp_path, "beancount", "--fund", fund.code)
        assert bean_check(path).returncode == 0
        assert beancount_balances(path) == app_net_by_account(fund)


def test_bean_check_fails_when_a_posting_is_altered_after_export(tmp_path, ledger):
    path = export(tmp_path, "beancount")
    text = path.read_text()
    path.write_text(
        text.replace("  Assets:Bank  15000.00 GBP", "  Assets:Bank  15001.00 GBP", 1).replace(
            "  Income:Contributions  -15000.00 GBP", "  Income:Contributions  -15001.00 GBP", 1
        )
    )

    result = bean_check(path)

    assert result.returncode != 0
    assert "Balance failed for 'Assets:Bank'" in result.stdout + result.stderr


def test_beancount_for_a_period_checks_the_period_totals(tmp_path, ledger):
    path = export(tmp_path, "beancount", "--from", "2026-05-01", "--to", "2026-05-31")
    assert bean_check(path).returncode == 0
    assert beancount_balances(path) == {
        "assets:bank": Decimal("84.37"),
        "assets:stripe": Decimal("24.42"),
        "expenses:fees": Decimal("0.58"),
        "income:donations:boxes": Decimal("-84.37"),
        "income:donations:online": Decimal("-25.00"),
    }


@pytest.mark.parametrize("file_format", ["hledger", "beancount"])
def test_a_fund_with_no_entries_exports_a_valid_empty_journal(tmp_path, manager, file_format):
    from fund.models import Fund
    from fund.services.funds import fund_create

    fund_create(actor=manager, code="empty", name="Empty", kind=Fund.Kind.UNRESTRICTED)
    path = export(tmp_path, file_format, "--fund", "empty")
    if file_format == "hledger":
        assert hledger_balances(path) == {}
    else:
        assert bean_check(path).returncode == 0
