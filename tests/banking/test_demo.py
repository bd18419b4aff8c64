"""The demo's bank statements, one a month, as on 7 Dec 2026: every line matched or
worked (deposits, payouts and supplier payments automatically; the funder's contribution,
HMRC's payments and SumUp's contactless payouts confirmed; the fee worked; an unknown
receipt sent to suspense and cleared), every month reconciled, and running the demo again
imports nothing twice."""

from collections import Counter
from datetime import UTC, datetime

import time_machine

from banking.models import BankAccount, Match, Statement, StatementLine, SuspenseClearance
from tests.banking.test_matching import verify
from tests.fund.helpers import call_demo_command


def test_demo_statements_are_matched_line_by_line(db):
    with time_machine.travel(datetime(2026, 12, 7, 12, 0, tzinfo=UTC)):
        call_demo_command("seed_demo")
        account = BankAccount.objects.get(code="current")
        assert Statement.objects.filter(bank_account=account).count() == 12
        lines = StatementLine.objects.filter(bank_account=account)
        assert lines.count() == 117
        live = Match.objects.filter(undone_at__isnull=True)
        assert set(live.values_list("line_id", flat=True)) == set(
            lines.values_list("pk", flat=True)
        )
        assert Counter(live.values_list("kind", flat=True)) == {
            "deposit": 24,
            "payout": 11,
            "tap_payout": 23,
            "supplier": 43,
            "contribution": 1,
            "gift_aid": 1,
            "gasds": 1,
            "bank_charge": 12,
            "unknown_receipt": 1,
        }
        assert SuspenseClearance.objects.get().match.line.description == "BGC CREDIT REF 88213"
        count = lines.count()
        call_demo_command("seed_demo")
        assert StatementLine.objects.count() == count
        verify()
