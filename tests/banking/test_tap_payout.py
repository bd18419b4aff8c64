"""A card provider's contactless payout matched on the bank statement: confirming it moves
the net from the card provider clearing account to the bank."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from banking.matching import candidates_for
from banking.models import Match, StatementLine
from banking.services.matching import match_confirm
from banking.services.statements import statement_import
from donations.exceptions import TapReportRefused
from donations.models import TapPayout
from donations.services.cash import collection_point_create
from donations.services.taps import tap_report_import
from fund.verification import verify_ledger
from tests.donations.taps_helpers import REPORT, terminals
from tests.fund.helpers import balance


@pytest.fixture
def tapped(officer, public_fund):
    """REPORT imported: payout PO-1 of £65.01 less £1.15 fees, £63.86 net (taps to 4 Nov)."""
    points = [
        collection_point_create(
            actor=officer,
            host_name=name,
            address="Doncaster",
            box_number=box,
            seal=f"S-{box}",
            opened_on=date(2026, 4, 1),
        )
        for name, box in (("Corner Café", "B001"), ("Grainger Pharmacy", "B002"))
    ]
    terminals(officer, *points)
    tap_report_import(actor=officer, content=REPORT.encode(), file_name="t.csv", layout="standard")
    return TapPayout.objects.get(payout_id="PO-1")


def line_on(officer, bank, on: str, amount: str, description="SUMUP PAYOUT PO-1"):
    content = f"Date,Description,Amount,Balance\n{on},{description},{amount},1{amount}\n"
    result = statement_import(
        actor=officer, bank_account=bank, content=content.encode(), file_name=f"{on}.csv"
    )
    return StatementLine.objects.get(statement=result.statement)


def keys(bank, line):
    return [c.key for c in candidates_for(bank, [line])[line.pk]]


def test_the_payout_is_matched_on_the_bank_line_and_clears_the_card_provider_account(
    officer, bank, tapped, public_fund
):
    assert bank.ledger_account.code == "assets:bank"
    assert str(balance("assets:card-provider", public_fund).amount) == "63.86"
    assert str(balance("assets:bank", public_fund).amount) == "0.00"
    line = line_on(officer, bank, "2026-11-06", "63.86")
    assert keys(bank, line) == [f"tap_payout:{tapped.pk}"]

    match = match_confirm(actor=officer, line=line, key=f"tap_payout:{tapped.pk}")

    tapped.refresh_from_db()
    assert (match.kind, match.entry_id, match.source) == (
        "tap_payout",
        tapped.entry_id,
        f"donations.TapPayout:{tapped.pk}",
    )
    assert tapped.paid_on == date(2026, 11, 6)
    assert tapped.entry.effective_date == date(2026, 11, 6)
    assert str(balance("assets:card-provider", public_fund).amount) == "0.00"
    assert str(balance("assets:bank", public_fund).amount) == "63.86"
    assert str(balance("income:donations:contactless", public_fund).amount) == "65.01"
    assert str(balance("expenses:fees", public_fund).amount) == "1.15"
    assert verify_ledger().ok
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    # Paid: the payout takes no more taps.
    later = REPORT.replace("TX-3", "TX-4")
    with pytest.raises(TapReportRefused, match="Line 4: SumUp payout PO-1 was paid into the bank"):
        tap_report_import(
            actor=officer, content=later.encode(), file_name="u.csv", layout="standard"
        )
    assert Match.objects.filter(kind="tap_payout").count() == 1


def test_a_line_of_another_amount_or_before_the_last_tap_is_not_the_payout(officer, bank, tapped):
    assert keys(bank, line_on(officer, bank, "2026-11-06", "63.85")) == []
    # The last tap was on 4 Nov: money cannot reach the bank on 3 Nov.
    assert keys(bank, line_on(officer, bank, "2026-11-03", "63.86", "SUMUP EARLY")) == []
    # More than 10 working days after the last tap (4 Nov to 19 Nov is 11).
    assert keys(bank, line_on(officer, bank, "2026-11-19", "63.86", "SUMUP LATE")) == []
    assert TapPayout.objects.get().entry is None
