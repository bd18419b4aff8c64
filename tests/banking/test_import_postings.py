"""What a statement import posts itself: payouts confirmed automatically at import.

Most automatic matches point at an entry another service already posted; a card
provider's payout (like an HMRC payment) is posted when its line is confirmed, so an import
with the rule switched on posts one entry per such line. These tests pin the ledger such an
import leaves, and that importing the same file again posts nothing.
"""

from datetime import date

import pytest

from banking.models import Match
from banking.services.matching import match_rule_set
from banking.services.statements import statement_import
from donations.models import TapPayout
from donations.services.cash import collection_point_create
from donations.services.taps import tap_report_import
from fund.models import ChainHead, Entry, Transfer
from fund.verification import verify_ledger
from tests.donations.taps_helpers import REPORT, terminals
from tests.fund.helpers import balance

# PO-2: one more tap at the café, after PO-1's: 10.00 less 0.18 fee, 9.82 net.
SECOND_REPORT = (
    "Date and time,Amount,Fee,Terminal ID,Payout ID,Transaction ID\n"
    "05/11/2026 10:30,10.00,0.18,TID-CAFE,PO-2,TX-5\n"
)

STATEMENT = b"""Date,Description,Amount,Balance
2026-11-06,SUMUP PAYOUT PO-1,63.86,1063.86
2026-11-09,SUMUP PAYOUT PO-2,9.82,1073.68
"""


@pytest.fixture
def two_payouts(officer, manager, public_fund, restricted_fund):
    """PO-1 (café in public 34.38 net, pharmacy in rsi 29.48 net) and PO-2 (café, 9.82)."""
    cafe = collection_point_create(
        actor=officer,
        host_name="Corner Café",
        address="Doncaster",
        box_number="B001",
        seal="S-B001",
        opened_on=date(2026, 4, 1),
    )
    pharmacy = collection_point_create(
        actor=officer,
        host_name="Grainger Pharmacy",
        address="Doncaster",
        box_number="B002",
        seal="S-B002",
        opened_on=date(2026, 4, 1),
        fund=restricted_fund,
    )
    terminals(officer, cafe, pharmacy)
    for n, report in enumerate((REPORT, SECOND_REPORT)):
        tap_report_import(
            actor=officer, content=report.encode(), file_name=f"t{n}.csv", layout="standard"
        )
    match_rule_set(actor=manager, kind="tap_payout", automatic=True)
    return TapPayout.objects.get(payout_id="PO-1"), TapPayout.objects.get(payout_id="PO-2")


def posted_since(entry_ids):
    return [
        (
            e.effective_date,
            e.memo,
            e.source,
            e.idempotency_key,
            sorted(
                (t.fund.code, t.debit_account.code, t.credit_account.code, str(t.amount.amount))
                for t in Transfer.objects.filter(entry=e).select_related(
                    "fund", "debit_account", "credit_account"
                )
            ),
        )
        for e in Entry.objects.exclude(pk__in=entry_ids).order_by("pk")
    ]


def test_an_import_posts_each_payout_confirmed_automatically_and_once(
    officer, bank, two_payouts, public_fund, restricted_fund
):
    po1, po2 = two_payouts
    before = set(Entry.objects.values_list("pk", flat=True))
    head = ChainHead.objects.get()

    result = statement_import(
        actor=officer, bank_account=bank, content=STATEMENT, file_name="nov.csv"
    )

    assert (result.added, result.auto_matched) == (2, 2)
    assert posted_since(before) == [
        (
            date(2026, 11, 6),
            "SumUp payout PO-1 paid into the bank: £63.86 (£65.01 less fees £1.15)",
            f"donations.TapPayout:{po1.pk}",
            f"tap:payout:{po1.pk}:paid",
            [
                ("public", "assets:bank", "assets:card-provider", "34.38"),
                ("rsi", "assets:bank", "assets:card-provider", "29.48"),
            ],
        ),
        (
            date(2026, 11, 9),
            "SumUp payout PO-2 paid into the bank: £9.82 (£10.00 less fees £0.18)",
            f"donations.TapPayout:{po2.pk}",
            f"tap:payout:{po2.pk}:paid",
            [("public", "assets:bank", "assets:card-provider", "9.82")],
        ),
    ]
    assert ChainHead.objects.get().sequence == head.sequence + 3
    # Each line is linked to its payout's entry, and each payout to the day it was paid.
    po1.refresh_from_db()
    po2.refresh_from_db()
    assert (po1.paid_on, po2.paid_on) == (date(2026, 11, 6), date(2026, 11, 9))
    assert sorted(
        Match.objects.values_list("line__description", "kind", "entry_id", "automatic", "source")
    ) == [
        ("SUMUP PAYOUT PO-1", "tap_payout", po1.entry_id, True, f"donations.TapPayout:{po1.pk}"),
        ("SUMUP PAYOUT PO-2", "tap_payout", po2.entry_id, True, f"donations.TapPayout:{po2.pk}"),
    ]
    figures = {
        (code, fund.code): str(balance(code, fund).amount)
        for code in (
            "assets:bank",
            "assets:card-provider",
            "income:donations:contactless",
            "expenses:fees",
        )
        for fund in (public_fund, restricted_fund)
    }
    assert figures == {
        ("assets:bank", "public"): "44.20",
        ("assets:bank", "rsi"): "29.48",
        ("assets:card-provider", "public"): "0.00",
        ("assets:card-provider", "rsi"): "0.00",
        ("income:donations:contactless", "public"): "45.00",
        ("income:donations:contactless", "rsi"): "30.01",
        ("expenses:fees", "public"): "0.80",
        ("expenses:fees", "rsi"): "0.53",
    }
    assert verify_ledger().ok

    # The same file again: no line added, nothing matched or posted.
    entries, head = Entry.objects.count(), ChainHead.objects.get()
    again = statement_import(
        actor=officer, bank_account=bank, content=STATEMENT, file_name="nov-again.csv"
    )
    assert (again.added, again.already_held, again.auto_matched) == (0, 2, 0)
    assert Entry.objects.count() == entries
    assert (ChainHead.objects.get().sequence, ChainHead.objects.get().hash) == (
        head.sequence,
        head.hash,
    )
    assert Match.objects.count() == 2
