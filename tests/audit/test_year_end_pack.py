"""The year-end pack: CC16a worked out by hand, the ZIP's manifest, PDF and ODS agreeing.

The year is 1 Apr 2026 to 31 Mar 2027 (CHARITY_YEAR_END = 03-31). Box cash goes through
the cash services; the other events post the same legs their services post.

* Before the year: £1,000.00 contribution to the general fund (15 Mar 2026).
* Box cash (general): £120.50 emptied 5 Oct 2026, banked 6 Oct; £30.00 emptied 20 Mar
  2027, not yet banked (cash in transit).
* Online (general): £50.00 on 10 Nov 2026, fee £1.20, paid out £48.80 on 17 Nov; £20.00
  on 30 Mar 2027, fee £0.50, not yet paid out (Stripe balance £19.50).
* Restricted fund: £15,000.00 contribution 1 Sep 2026; phone grant £70.00 approved 3 Nov,
  paid 4 Nov; clothing grant £100.00 approved 14 Mar 2027, unpaid.
* Gift Aid (general): £12.50 claimed 1 Dec 2026, repaid by HMRC 20 Jan 2027; £5.00
  claimed 25 Mar 2027, not yet repaid.

By hand (unrestricted / restricted / endowment / total):
  A1 contributions 0 / 15,000.00; boxes 150.50 / 0; online 70.00 / 0; Gift Aid 12.50 / 0;
     sub total 233.00 / 15,000.00 / 0 / 15,233.00
  A3 grants 0 / 70.00; fees 1.70 / 0; sub total 1.70 / 70.00 / 0 / 71.70
  net 231.30 / 14,930.00 / 0 / 15,161.30; A5 nil; A6 1,000.00 / 0 / 0 / 1,000.00
  cash funds at the year end 1,231.30 / 14,930.00 / 0 / 16,161.30
  B1 bank 1,181.80 / 14,930.00; cash in transit 30.00; Stripe 19.50
  B2 Gift Aid receivable 5.00; B5 grants payable 0 / 100.00
"""

import hashlib
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from audit.models import ExportManifest
from donations.services.cash import collection_point_create, deposit_check, deposit_record
from fund.models import Fund
from fund.services.funds import fund_create
from tests.audit.conftest import LONDON, empty_box, gbp
from tests.audit.helpers import read_cells
from tests.conftest import login
from tests.fund.helpers import post

D = Decimal
Z = D("0.00")


@pytest.fixture
def small_year(settings, manager, officer, officer2, officer3, public_fund):
    settings.CHARITY_YEAR_END = "03-31"
    rsi = fund_create(
        actor=manager,
        code="rsi",
        name="Rough sleepers grant",
        kind=Fund.Kind.RESTRICTED,
        funder="Rough Sleeping Initiative",
    )
    g = public_fund
    post(manager, g, "assets:bank", "income:contributions", "1000.00", on=date(2026, 3, 15))
    box = collection_point_create(
        actor=officer,
        host_name="Corner Café",
        address="1 High Street, Doncaster",
        box_number="B001",
        seal="S-1001",
        opened_on=date(2026, 1, 1),
    )
    october = empty_box(officer, officer2, box, "120.50", datetime(2026, 10, 5, 10, tzinfo=LONDON))
    deposit = deposit_record(
        actor=officer,
        collections=[october],
        paying_in_reference="PI-0001",
        banked_on=date(2026, 10, 6),
        amount_banked=gbp("120.50"),
    )
    deposit_check(actor=officer3, deposit=deposit)
    empty_box(officer, officer2, box, "30.00", datetime(2027, 3, 20, 10, tzinfo=LONDON))

    post(manager, g, "assets:stripe", "income:donations:online", "50.00", on=date(2026, 11, 10))
    post(manager, g, "expenses:fees", "assets:stripe", "1.20", on=date(2026, 11, 10))
    post(manager, g, "assets:bank", "assets:stripe", "48.80", on=date(2026, 11, 17))
    post(manager, g, "assets:stripe", "income:donations:online", "20.00", on=date(2027, 3, 30))
    post(manager, g, "expenses:fees", "assets:stripe", "0.50", on=date(2027, 3, 30))

    post(manager, rsi, "assets:bank", "income:contributions", "15000.00", on=date(2026, 9, 1))
    post(
        manager,
        rsi,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "70.00",
        discretionary=True,
        on=date(2026, 11, 3),
    )
    post(manager, rsi, "liabilities:grants-payable", "assets:bank", "70.00", on=date(2026, 11, 4))
    post(
        manager,
        rsi,
        "expenses:grants:clothing",
        "liabilities:grants-payable",
        "100.00",
        discretionary=True,
        on=date(2027, 3, 14),
    )

    post(manager, g, "assets:gift-aid-receivable", "income:gift-aid", "12.50", on=date(2026, 12, 1))
    post(manager, g, "assets:bank", "assets:gift-aid-receivable", "12.50", on=date(2027, 1, 20))
    post(manager, g, "assets:gift-aid-receivable", "income:gift-aid", "5.00", on=date(2027, 3, 25))
    # After the year: not in the pack.
    post(manager, g, "assets:bank", "income:contributions", "999.00", on=date(2027, 4, 1))
    return rsi


CC16A = [
    ("Section A Receipts and payments", None),
    ("A1 Receipts", None),
    ("Contributions from services and funders", (Z, D("15000.00"), Z, D("15000.00"))),
    ("Donations: collection boxes", (D("150.50"), Z, Z, D("150.50"))),
    ("Donations: online, less refunds", (D("70.00"), Z, Z, D("70.00"))),
    ("Gift Aid repaid by HMRC", (D("12.50"), Z, Z, D("12.50"))),
    ("Sub total (gross income for AR)", (D("233.00"), D("15000.00"), Z, D("15233.00"))),
    ("A2 Asset and investment sales", (Z, Z, Z, Z)),
    ("Total receipts", (D("233.00"), D("15000.00"), Z, D("15233.00"))),
    ("A3 Payments", None),
    ("Grants to individuals", (Z, D("70.00"), Z, D("70.00"))),
    ("Payment processing fees", (D("1.70"), Z, Z, D("1.70"))),
    ("Sub total", (D("1.70"), D("70.00"), Z, D("71.70"))),
    ("A4 Asset and investment purchases", (Z, Z, Z, Z)),
    ("Total payments", (D("1.70"), D("70.00"), Z, D("71.70"))),
    ("Net of receipts/(payments)", (D("231.30"), D("14930.00"), Z, D("15161.30"))),
    ("A5 Transfers between funds", (Z, Z, Z, Z)),
    ("A6 Cash funds last year end", (D("1000.00"), Z, Z, D("1000.00"))),
    ("Cash funds this year end", (D("1231.30"), D("14930.00"), Z, D("16161.30"))),
    ("Section B Statement of assets and liabilities at the end of the period", None),
    ("B1 Cash funds", None),
    ("Bank", (D("1181.80"), D("14930.00"), Z, D("16111.80"))),
    ("Card provider: contactless taps to be paid out", (Z, Z, Z, Z)),
    ("Cash in transit", (D("30.00"), Z, Z, D("30.00"))),
    ("Stripe balance", (D("19.50"), Z, Z, D("19.50"))),
    ("Total", (D("1231.30"), D("14930.00"), Z, D("16161.30"))),
    ("B2 Other monetary assets", None),
    ("GASDS receivable", (Z, Z, Z, Z)),
    ("Gift Aid receivable", (D("5.00"), Z, Z, D("5.00"))),
    ("Total", (D("5.00"), Z, Z, D("5.00"))),
    ("B5 Liabilities", None),
    ("Gift Aid overclaimed", (Z, Z, Z, Z)),
    ("Grants payable", (Z, D("100.00"), Z, D("100.00"))),
    ("Suspense: unknown receipts", (Z, Z, Z, Z)),
    ("Total", (Z, D("100.00"), Z, D("100.00"))),
]


def _download(client, user) -> zipfile.ZipFile:
    login(client, user)
    page = client.get("/audit/year-end/")
    assert page.status_code == 200
    assert '<option value="2027">1 Apr 2026 to 31 Mar 2027</option>' in page.content.decode()
    response = client.get("/audit/year-end/download/", {"year_end": "2027"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _ods_rows(data: bytes) -> list[tuple]:
    rows = []
    for row in read_cells(data, "ods")[1:]:
        label = row[0][1]
        values = tuple(D(v).quantize(Z) for kind, v in row[1:] if kind == "float") or None
        rows.append((label, values))
    return rows


def test_cc16a_figures_by_hand(client, auditor, small_year):
    pack = _download(client, auditor)
    assert _ods_rows(pack.read("receipts-and-payments-cc16a.ods")) == CC16A


def test_manifest_lists_every_file_with_its_sha256(client, auditor, small_year):
    pack = _download(client, auditor)
    manifest = json.loads(pack.read("manifest.json"))
    names = sorted(n for n in pack.namelist() if n != "manifest.json")
    assert sorted(f["file"] for f in manifest["files"]) == names
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256(pack.read(entry["file"])).hexdigest()
        assert entry["bytes"] == len(pack.read(entry["file"]))
    assert manifest["financial_year"] == {"from": "2026-04-01", "to": "2027-03-31"}
    expected = {
        "receipts-and-payments-cc16a",
        "trial-balance",
        f"fund-statement-{Fund.objects.exclude(code='rsi').get().code}",
        "fund-statement-rsi",
        "grant-register",
        "gift-aid-gasds",
    }
    assert names == sorted(f"{s}.{ext}" for s in expected for ext in ("ods", "pdf"))
    recorded = ExportManifest.objects.get(kind="year_end_pack")
    assert recorded.row_count == 12
    assert recorded.created_by == auditor


def test_pdf_totals_equal_the_ods_totals(client, auditor, small_year):
    pack = _download(client, auditor)
    text = "\n".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(pack.read("receipts-and-payments-cc16a.pdf"))).pages
    )
    text = " ".join(text.split())  # each table cell is a line of its own
    for label, values in _ods_rows(pack.read("receipts-and-payments-cc16a.ods")):
        if values is None:
            continue
        shown = " ".join(f"£{v:,.2f}" for v in values)
        assert f"{label} {shown}" in text, label
    assert "Cash funds this year end £1,231.30 £14,930.00 £0.00 £16,161.30" in text

    gift_aid = _ods_rows(pack.read("gift-aid-gasds.ods"))
    assert ("Gift Aid claimed (income)", (D("17.50"),)) in gift_aid
    assert ("Gift Aid repaid by HMRC", (D("12.50"),)) in gift_aid
    assert ("Gift Aid receivable at the year end", (D("5.00"),)) in gift_aid
    trial = _ods_rows(pack.read("trial-balance.ods"))
    # Debits: bank 16,111.80, cash in transit 30.00, Stripe 19.50, Gift Aid receivable 5.00,
    # fees 1.70, grants 170.00. Credits: contributions 16,000.00, boxes 150.50, online 70.00,
    # Gift Aid 17.50, grants payable 100.00.
    assert trial[-1] == ("Total", (D("16338.00"), D("16338.00")))
