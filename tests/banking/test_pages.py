"""The bank pages: import through the page, work and undo, the statement and its PDF."""

import io
import re
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from banking.models import Match, Reconciliation, StatementLine
from tests.banking.conftest import AMOUNT, OFX, PAID_IN_OUT
from tests.banking.test_matching import verify
from tests.conftest import login
from tests.fund.helpers import post


def upload(client, name, text):
    return client.post("/banking/", {"file": SimpleUploadedFile(name, text.encode()), "layout": ""})


def test_import_through_the_page_then_same_file_again(client, officer, bank):
    login(client, officer)
    response = upload(client, "nov.csv", PAID_IN_OUT)
    assert response.status_code == 302
    response = upload(client, "nov.csv", PAID_IN_OUT)
    page = client.get("/banking/").content.decode()
    assert "0 new lines, 3 already held" in page
    assert StatementLine.objects.count() == 3
    upload(client, "nov.ofx", OFX.format(second="-5.00"))
    assert StatementLine.objects.count() == 5


def test_a_balance_gap_is_shown_on_the_import_page(client, officer, bank):
    """November closes at £1,115.00; the next file opens at £1,215.00: £100.00 is missing."""
    login(client, officer)
    upload(client, "nov.csv", PAID_IN_OUT)
    later = (
        AMOUNT.replace("1116.25", "1216.25")
        .replace("1156.25", "1256.25")
        .replace("1196.25", "1296.25")
    )
    response = client.post(
        "/banking/",
        {"file": SimpleUploadedFile("dec.csv", later.encode()), "layout": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "dec.csv: 3 new lines, 0 already held, 0 matched automatically." in page
    assert (
        "Balance gap of £100.00: the new lines do not follow on from the last closing "
        "balance £1,115.00."
    ) in page
    assert "Gap of £100.00" in page
    assert page.count("Gap of ") == 1  # November follows on; only December has the gap
    assert StatementLine.objects.count() == 6


def test_malformed_file_refused_on_the_page_with_its_line(client, officer, bank):
    login(client, officer)
    response = upload(client, "bad.csv", PAID_IN_OUT.replace("20.00", "2o.00"))
    assert response.status_code == 400
    assert (
        "Line 4: &#x27;2o.00&#x27; is not an amount in pounds and pence."
        in response.content.decode()
    )
    assert StatementLine.objects.count() == 0


def test_work_and_undo_through_the_page(client, manager, officer, bank, public_fund):
    post(manager, public_fund, "assets:bank", "income:donations:online", "100.00")
    login(client, officer)
    upload(client, "nov.csv", PAID_IN_OUT)
    fee = StatementLine.objects.get(description="ACCOUNT FEE")
    response = client.post(
        f"/banking/lines/{fee.pk}/work/",
        {"kind": "bank_charge", "fund": public_fund.pk, "reason": "Monthly fee"},
    )
    assert response.status_code == 302
    match = Match.objects.get(line=fee)
    response = client.post(f"/banking/matches/{match.pk}/undo/", {"reason": "Wrong line"})
    assert response.status_code == 302
    page = client.get(f"/banking/lines/{fee.pk}/").content.decode()
    assert "Wrong line" in page and "Monthly fee" in page
    verify()


def test_statement_page_and_pdf_agree_and_reconciled_refused_with_a_difference(
    client, manager, officer, bank, public_fund
):
    post(
        manager,
        public_fund,
        "assets:bank",
        "income:donations:online",
        "1000.00",
        on=date(2026, 10, 1),
    )
    post(
        manager, public_fund, "expenses:grants:other", "assets:bank", "30.00", on=date(2026, 11, 3)
    )
    login(client, manager)
    upload(client, "nov.csv", PAID_IN_OUT)
    page = client.get("/banking/reconciliation/?as_of=2026-11-30").content.decode()
    for figure in ("£970.00", "-£30.00", "£1,115.00", "-£115.00"):
        assert figure in page
    response = client.post("/banking/reconciliation/mark/", {"as_of": "2026-11-30"}, follow=True)
    assert "The unexplained difference is -£115.00" in response.content.decode()
    assert Reconciliation.objects.count() == 0

    pdf = client.get("/audit/exports/download/?export=bank_reconciliation:pdf&date_to=2026-11-30")
    assert pdf.status_code == 200 and pdf["X-Export-Manifest"]
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    for figure in ("£970.00", "-£30.00", "£1,115.00", "-£115.00"):
        assert figure in text
    csv = client.get("/audit/exports/download/?export=bank_reconciliation:csv&date_to=2026-11-30")
    assert "Unexplained difference" in b"".join(csv.streaming_content).decode()
    verify()


def grant_payments(manager, fund, days):
    """£1.00 paid from the bank on each of ``days`` of November 2026, memo "Payment DD"."""
    for day in days:
        post(
            manager,
            fund,
            "expenses:grants:other",
            "assets:bank",
            "1.00",
            on=date(2026, 11, day),
            memo=f"Payment {day:02d}",
        )


def test_the_reconciliation_lists_come_25_to_a_page_with_their_count(
    client, manager, bank, public_fund
):
    """27 grant payments not yet on a statement (from its first line, 2 Nov): 25 on the
    first page, 2 on the second, the count and the total of all 27 on both, the date kept
    from page to page."""
    login(client, manager)
    upload(client, "nov.csv", PAID_IN_OUT)
    grant_payments(manager, public_fund, range(2, 29))
    url = "/banking/reconciliation/"
    first = client.get(url, {"as_of": "2026-11-30"}).content.decode()
    second = client.get(url, {"as_of": "2026-11-30", "items": 2}).content.decode()

    assert "Items in the ledger not yet on the statement (27)" in first
    assert re.findall(r"Payment (\d\d)", first) == [f"{d:02d}" for d in range(2, 27)]
    assert re.findall(r"Payment (\d\d)", second) == ["27", "28"]
    assert 'href="?as_of=2026-11-30&amp;items=2#items"' in first
    for page in (first, second):
        assert (
            '<dd class="govuk-summary-list__value" data-testid="not-on-statement">-£27.00</dd>'
            in page
        )
    assert "Lines on the statement not yet in the ledger (3)" in first


def test_dashboard_shows_suspense_until_cleared(client, officer, bank, public_fund):
    from banking.services.suspense import suspense_clear
    from banking.services.worked_lines import line_work
    from fund.models import Account

    login(client, officer)
    upload(client, "nov.csv", PAID_IN_OUT)
    credit = StatementLine.objects.get(description="PAYING IN PI-1")
    match = line_work(
        actor=officer, line=credit, kind="unknown_receipt", fund=public_fund, reason="Unknown"
    )
    assert "1 unknown receipt held in suspense" in client.get("/audit/dashboard/").content.decode()
    suspense_clear(
        actor=officer,
        match=match,
        account=Account.objects.get(code="income:donations:boxes"),
        reason="Box money paid in by the host",
    )
    assert "held in suspense" not in client.get("/audit/dashboard/").content.decode()
    verify()


def test_the_reconciliation_page_asks_the_same_queries_for_3_items_or_30(
    client, manager, bank, public_fund
):
    login(client, manager)
    upload(client, "nov.csv", PAID_IN_OUT)

    url = "/banking/reconciliation/?as_of=2026-11-30"
    grant_payments(manager, public_fund, range(2, 5))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert "not yet on the statement (3)" in client.get(url).content.decode()
    grant_payments(manager, public_fund, range(5, 30))
    with CaptureQueriesContext(connection) as many:
        assert "not yet on the statement (28)" in client.get(url).content.decode()
    assert len(many) == len(few)
