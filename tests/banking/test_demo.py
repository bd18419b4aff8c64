"""The demo's bank statement: lines for deposits, payouts and supplier payments, a bank
charge and an unknown receipt; running the demo again imports nothing twice."""

from banking.matching import candidates_for
from banking.models import BankAccount, StatementLine
from tests.banking.test_matching import verify
from tests.fund.helpers import call_demo_command


def test_demo_statement_shows_every_case(db):
    call_demo_command("seed_demo")
    account = BankAccount.objects.get(code="current")
    lines = list(StatementLine.objects.filter(bank_account=account))
    kinds = {c.kind for options in candidates_for(account, lines).values() for c in options}
    assert {"deposit", "payout", "supplier"} <= kinds
    descriptions = {line.description for line in lines}
    assert {"ACCOUNT FEE", "BGC CREDIT REF 88213"} <= descriptions
    count = len(lines)
    call_demo_command("seed_demo")
    assert StatementLine.objects.count() == count
    verify()
