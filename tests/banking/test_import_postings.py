"""What a statement import posts itself: payments confirmed automatically at import.

Most automatic matches point at an entry another service already posted; a card
provider's payout, an HMRC Gift Aid repayment and an HMRC GASDS payment are posted when
their line is confirmed, so an import with those rules switched on posts one entry per
such line, all in one batch (one chain-head lock). These tests pin the ledger such an
import leaves, that importing the same file again posts nothing, and what happens to a
line dated in a period a manager has closed.
"""

from datetime import date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from banking.exceptions import MatchRefused
from banking.models import Match, StatementLine
from banking.services.matching import match_confirm, match_rule_set
from banking.services.statements import statement_import
from donations.models import TapPayout
from donations.models.giftaid import GasdsClaim, GiftAidRepayment
from donations.services.cash import collection_point_create
from donations.services.gasds import gasds_claim_record
from donations.services.taps import tap_report_import
from fund.models import ChainHead, Entry, Transfer
from fund.services.period_locks import fund_lock_period
from fund.verification import verify_ledger
from tests.conftest import login
from tests.donations.conftest import LONDON, at, stripe_double, stripe_world  # noqa: F401
from tests.donations.taps_helpers import REPORT, terminals
from tests.donations.test_gasds import box, gift_aid_claimed
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


def two_points(officer, *, pharmacy_fund=None):
    """The café (public fund) and the pharmacy (``pharmacy_fund``, public by default)."""
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
        fund=pharmacy_fund,
    )
    return cafe, pharmacy


@pytest.fixture
def two_payouts(officer, manager, public_fund, restricted_fund):
    """PO-1 (café in public 34.38 net, pharmacy in rsi 29.48 net) and PO-2 (café, 9.82)."""
    cafe, pharmacy = two_points(officer, pharmacy_fund=restricted_fund)
    terminals(officer, cafe, pharmacy)
    for n, report in enumerate((REPORT, SECOND_REPORT)):
        tap_report_import(
            actor=officer, content=report.encode(), file_name=f"t{n}.csv", layout="standard"
        )
    match_rule_set(actor=manager, kind="tap_payout", automatic=True)
    return TapPayout.objects.get(payout_id="PO-1"), TapPayout.objects.get(payout_id="PO-2")


def chain_head_reads(queries) -> list[str]:
    """The statements that read the chain head: every posting batch reads (and, on
    PostgreSQL, locks) it once, so posting line by line would read it once a line."""
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and '"fund_chainhead"' in q["sql"]
    ]
    if connection.vendor == "postgresql":
        assert all(sql.rstrip().endswith("FOR UPDATE") for sql in reads)
    return reads


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

    with CaptureQueriesContext(connection) as queries:
        result = statement_import(
            actor=officer, bank_account=bank, content=STATEMENT, file_name="nov.csv"
        )

    assert (result.added, result.auto_matched, result.left_unmatched) == (2, 2, ())
    # Both payouts posted in one batch: the chain head read (and locked) once, not per line.
    assert len(chain_head_reads(queries)) == 1
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


# ---- A closed period --------------------------------------------------------------------

LEFT_PO_1 = (
    "SUMUP PAYOUT PO-1 (6 Nov 2026, £63.86) was not matched automatically: Public donations "
    "is closed up to 6 Nov 2026; an entry dated 6 Nov 2026 cannot be posted. Nothing was "
    "recorded for it; it stays on the lines to work until a manager decides how to record it."
)


def test_a_payout_dated_in_a_closed_period_is_left_unmatched_and_the_rest_lands(
    officer, manager, bank, two_payouts, public_fund, restricted_fund
):
    """The books of the public fund are closed up to 6 Nov: PO-1, paid that day, cannot be
    posted; PO-2, paid on 9 Nov, is. Refusing the whole file would keep every line out of
    the reconciliation until the rule was switched off (a closed period never reopens), so
    the file lands and PO-1's line stays open with the reason."""
    po1, po2 = two_payouts
    fund_lock_period(actor=manager, fund=public_fund, lock_date=date(2026, 11, 6))
    before = set(Entry.objects.values_list("pk", flat=True))
    head = ChainHead.objects.get()

    result = statement_import(
        actor=officer, bank_account=bank, content=STATEMENT, file_name="nov.csv"
    )

    assert (result.added, result.auto_matched) == (2, 1)
    assert [(line.description, reason) for line, reason in result.left_unmatched] == [
        (
            "SUMUP PAYOUT PO-1",
            "Public donations is closed up to 6 Nov 2026; an entry dated 6 Nov 2026 cannot "
            "be posted.",
        )
    ]
    assert result.left_unmatched_notes() == [LEFT_PO_1]
    # Both lines are stored; only PO-2's entry is posted, and nothing of PO-1's (not even
    # its leg in the restricted fund, which is open).
    assert list(
        StatementLine.objects.filter(statement=result.statement).values_list(
            "description", flat=True
        )
    ) == ["SUMUP PAYOUT PO-1", "SUMUP PAYOUT PO-2"]
    assert posted_since(before) == [
        (
            date(2026, 11, 9),
            "SumUp payout PO-2 paid into the bank: £9.82 (£10.00 less fees £0.18)",
            f"donations.TapPayout:{po2.pk}",
            f"tap:payout:{po2.pk}:paid",
            [("public", "assets:bank", "assets:card-provider", "9.82")],
        ),
    ]
    assert ChainHead.objects.get().sequence == head.sequence + 1
    po1.refresh_from_db()
    po2.refresh_from_db()
    assert (po1.entry_id, po1.paid_on, po2.paid_on) == (None, None, date(2026, 11, 9))
    assert list(Match.objects.values_list("line__description", "kind", "entry_id")) == [
        ("SUMUP PAYOUT PO-2", "tap_payout", po2.entry_id)
    ]
    assert str(balance("assets:card-provider", public_fund).amount) == "34.38"
    assert str(balance("assets:card-provider", restricted_fund).amount) == "29.48"
    assert str(balance("assets:bank", public_fund).amount) == "9.82"
    assert str(balance("assets:bank", restricted_fund).amount) == "0.00"
    assert verify_ledger().ok

    # An officer confirming it by hand is refused with the same reason, nothing written.
    line = StatementLine.objects.get(description="SUMUP PAYOUT PO-1")
    with pytest.raises(MatchRefused) as refused:
        match_confirm(actor=officer, line=line, key=f"tap_payout:{po1.pk}")
    assert str(refused.value) == (
        "Public donations is closed up to 6 Nov 2026; an entry dated 6 Nov 2026 cannot be posted."
    )
    assert Match.objects.count() == 1 and TapPayout.objects.get(pk=po1.pk).entry_id is None


def html(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_the_upload_page_says_which_line_was_left_unmatched_and_why(
    client, officer, manager, bank, two_payouts, public_fund
):
    fund_lock_period(actor=manager, fund=public_fund, lock_date=date(2026, 11, 6))
    login(client, officer)
    upload = ContentFile(STATEMENT, name="nov.csv")

    response = client.post("/banking/", {"file": upload, "layout": ""})

    assert (response.status_code, response["Location"]) == (302, "/banking/")
    page = html(client.get("/banking/"))
    assert "nov.csv: 2 new lines, 0 already held, 1 matched automatically." in page
    assert LEFT_PO_1 in page
    assert list(Match.objects.values_list("line__description", flat=True)) == ["SUMUP PAYOUT PO-2"]


def test_the_import_command_says_which_line_was_left_unmatched_and_why(
    officer, manager, bank, two_payouts, public_fund, tmp_path
):
    fund_lock_period(actor=manager, fund=public_fund, lock_date=date(2026, 11, 6))
    statement = tmp_path / "nov.csv"
    statement.write_bytes(STATEMENT)
    out = StringIO()

    call_command(
        "import_bank_statement",
        str(statement),
        account="current",
        as_user=officer.username,
        stdout=out,
    )

    assert out.getvalue().splitlines() == [
        "nov.csv: 2 lines, 2 new, 0 already held, 1 matched automatically.",
        LEFT_PO_1,
    ]


# ---- A Gift Aid repayment, a card provider's payout and a GASDS payment at once ----------

MIXED = b"""Date,Description,Amount,Balance
2026-11-06,SUMUP PAYOUT PO-1,63.86,1063.86
2026-11-20,HMRC GIFT AID REPAYMENT,5.00,1068.86
2026-11-20,HMRC GASDS TOP UP,33.75,1102.61
"""


@pytest.fixture
def on_20_november():
    """Claims are made "today"; HMRC's payments cannot be dated after it."""
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=LONDON), tick=True):
        yield


@pytest.fixture
def three_payments(on_20_november, officer, officer2, manager, public_fund, stripe_world):  # noqa: F811
    """Awaiting the bank, all in the public fund: card payout PO-1 (£63.86 net), Gift Aid
    claim of £5.00, GASDS claim of £33.75; each kind confirmed automatically."""
    cafe, pharmacy = two_points(officer)
    terminals(officer, cafe, pharmacy)
    box(officer, officer2, cafe, "100.00", at(2026, 10, 1))
    tap_report_import(actor=officer, content=REPORT.encode(), file_name="t.csv", layout="standard")
    # HMRC: Gift Aid is 25/100 of the gift: £20.00 gives £5.00.
    gift_aid = gift_aid_claimed(stripe_world, officer, ["20.00"])
    # HMRC: the GASDS top-up is 25 % of the least of the small donations (£100.00 of box
    # cash and the £5.00 and £30.00 taps: £135.00), £8,000 and 10 × £20.00 of Gift Aid
    # donations (£200.00): 25 % of £135.00 = £33.75.
    gasds = gasds_claim_record(
        actor=officer,
        tax_year_start=date(2026, 4, 6),
        hmrc_reference="GASDS-2026-1",
        claimed_on=timezone.localdate(),
    )
    assert (str(gift_aid.net.amount), str(gasds.top_up.amount)) == ("5.00", "33.75")
    for kind in ("gift_aid", "tap_payout", "gasds"):
        match_rule_set(actor=manager, kind=kind, automatic=True)
    return TapPayout.objects.get(payout_id="PO-1"), gift_aid, gasds


def test_an_import_posts_a_gift_aid_repayment_a_tap_payout_and_a_gasds_payment_in_one_batch(
    officer, bank, three_payments, public_fund
):
    payout, gift_aid, gasds = three_payments
    before = set(Entry.objects.values_list("pk", flat=True))
    head = ChainHead.objects.get()

    with CaptureQueriesContext(connection) as queries:
        result = statement_import(
            actor=officer, bank_account=bank, content=MIXED, file_name="nov.csv"
        )

    assert (result.added, result.auto_matched, result.left_unmatched) == (3, 3, ())
    assert len(chain_head_reads(queries)) == 1
    lines = {
        line.description: line for line in StatementLine.objects.filter(statement=result.statement)
    }
    gift_aid_line = lines["HMRC GIFT AID REPAYMENT"]
    assert posted_since(before) == [
        (
            date(2026, 11, 6),
            "SumUp payout PO-1 paid into the bank: £63.86 (£65.01 less fees £1.15)",
            f"donations.TapPayout:{payout.pk}",
            f"tap:payout:{payout.pk}:paid",
            [("public", "assets:bank", "assets:card-provider", "63.86")],
        ),
        (
            date(2026, 11, 20),
            f"HMRC repayment bank line {gift_aid_line.pk}: HMRC GIFT AID REPAYMENT of Gift "
            f"Aid claim {gift_aid.pk}: as claimed",
            f"donations.GiftAidClaim:{gift_aid.pk}",
            f"gift-aid:repayment:{gift_aid.pk}",
            [("public", "assets:bank", "assets:gift-aid-receivable", "5.00")],
        ),
        (
            date(2026, 11, 20),
            "HMRC payment of GASDS claim GASDS-2026-1",
            "donations.GasdsClaim:2026",
            f"gasds:payment:{gasds.pk}",
            [("public", "assets:bank", "assets:gasds-receivable", "33.75")],
        ),
    ]
    assert ChainHead.objects.get().sequence == head.sequence + 3

    # Each record saved from its entry, by the officer, with its audit history.
    payout.refresh_from_db()
    repayment = GiftAidRepayment.objects.get(claim=gift_aid)
    gasds = GasdsClaim.objects.get(pk=gasds.pk)
    assert (payout.paid_on, payout.paid_by) == (date(2026, 11, 6), officer)
    assert (
        repayment.hmrc_reference,
        repayment.received_on,
        str(repayment.amount.amount),
        str(repayment.expected.amount),
        repayment.reason,
        repayment.recorded_by,
    ) == (
        f"bank line {gift_aid_line.pk}: HMRC GIFT AID REPAYMENT",
        date(2026, 11, 20),
        "5.00",
        "5.00",
        "",
        officer,
    )
    assert (gasds.paid_on, str(gasds.paid_amount.amount), gasds.payment_reason) == (
        date(2026, 11, 20),
        "33.75",
        "",
    )
    assert [(h.history_type, h.history_user) for h in payout.history.order_by("history_id")][
        -1
    ] == ("~", officer)
    assert [(h.history_type, h.history_user) for h in repayment.history.all()] == [("+", officer)]
    assert [(h.history_type, h.history_user) for h in gasds.history.order_by("history_id")][-1] == (
        "~",
        officer,
    )
    # Each line matched automatically to its payment's entry, in the line's order.
    assert list(
        Match.objects.order_by("pk").values_list(
            "line__description", "kind", "entry_id", "automatic", "source", "confirmed_by"
        )
    ) == [
        (
            "SUMUP PAYOUT PO-1",
            "tap_payout",
            payout.entry_id,
            True,
            f"donations.TapPayout:{payout.pk}",
            officer.pk,
        ),
        (
            "HMRC GIFT AID REPAYMENT",
            "gift_aid",
            repayment.entry_id,
            True,
            f"donations.GiftAidClaim:{gift_aid.pk}",
            officer.pk,
        ),
        (
            "HMRC GASDS TOP UP",
            "gasds",
            gasds.payment_entry_id,
            True,
            "donations.GasdsClaim:2026",
            officer.pk,
        ),
    ]
    assert [(h.history_type, h.history_user) for h in Match.history.order_by("history_id")] == [
        ("+", officer)
    ] * 3
    figures = {
        code: str(balance(code, public_fund).amount)
        for code in (
            "assets:bank",
            "assets:card-provider",
            "assets:gift-aid-receivable",
            "assets:gasds-receivable",
        )
    }
    # The bank holds 63.86 + 5.00 + 33.75 = 102.61; every receivable is cleared.
    assert figures == {
        "assets:bank": "102.61",
        "assets:card-provider": "0.00",
        "assets:gift-aid-receivable": "0.00",
        "assets:gasds-receivable": "0.00",
    }
    assert verify_ledger().ok

    # The same file again: nothing added, matched or posted.
    entries, head = Entry.objects.count(), ChainHead.objects.get()
    again = statement_import(
        actor=officer, bank_account=bank, content=MIXED, file_name="nov-again.csv"
    )
    assert (again.added, again.already_held, again.auto_matched) == (0, 3, 0)
    assert Entry.objects.count() == entries
    assert (ChainHead.objects.get().sequence, ChainHead.objects.get().hash) == (
        head.sequence,
        head.hash,
    )
    assert Match.objects.count() == 3


def test_hmrc_payments_in_a_closed_period_are_left_unmatched_and_refused_by_hand(
    officer, manager, bank, three_payments, public_fund
):
    """Before, HMRC's payments met the closed period as an error nobody caught (a server
    error on the upload page); now each line stays open with the reason."""
    payout, gift_aid, gasds = three_payments
    fund_lock_period(actor=manager, fund=public_fund, lock_date=date(2026, 11, 20))
    entries, head = Entry.objects.count(), ChainHead.objects.get()

    result = statement_import(actor=officer, bank_account=bank, content=MIXED, file_name="n.csv")

    closed = "Public donations is closed up to 20 Nov 2026; an entry dated {} cannot be posted."
    assert (result.added, result.auto_matched) == (3, 0)
    assert [(line.description, reason) for line, reason in result.left_unmatched] == [
        ("SUMUP PAYOUT PO-1", closed.format("6 Nov 2026")),
        ("HMRC GIFT AID REPAYMENT", closed.format("20 Nov 2026")),
        ("HMRC GASDS TOP UP", closed.format("20 Nov 2026")),
    ]
    assert StatementLine.objects.filter(statement=result.statement).count() == 3
    assert (Entry.objects.count(), ChainHead.objects.get().sequence) == (entries, head.sequence)
    assert not Match.objects.exists() and not GiftAidRepayment.objects.exists()
    assert GasdsClaim.objects.get(pk=gasds.pk).payment_entry_id is None
    assert TapPayout.objects.get(pk=payout.pk).entry_id is None

    line = StatementLine.objects.get(description="HMRC GIFT AID REPAYMENT")
    with pytest.raises(MatchRefused, match=closed.format("20 Nov 2026")):
        match_confirm(actor=officer, line=line, key=f"gift_aid_claim:{gift_aid.pk}")
    line = StatementLine.objects.get(description="HMRC GASDS TOP UP")
    with pytest.raises(MatchRefused, match=closed.format("20 Nov 2026")):
        match_confirm(actor=officer, line=line, key=f"gasds:{gasds.pk}")
    assert not Match.objects.exists() and not GiftAidRepayment.objects.exists()
    assert verify_ledger().ok
