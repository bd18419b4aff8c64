"""Text typed by staff or donors never becomes a live formula in an exported spreadsheet.

OWASP, "CSV Injection": a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read by spreadsheets as a formula. In CSV such text is written with a
leading single quote; in XLSX and ODS it is a string cell. Real numbers, negative amounts
among them, stay numbers.
"""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from audit.charts import BarRow, Chart, Series
from audit.exports.kinds import export_write
from audit.exports.params import ExportParams
from audit.resources import CollectionResource, DepositResource
from donations.models import GiftAidClaim
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_record,
    deposit_check,
    deposit_record,
)
from donations.services.giftaid import gift_aid_claim_create
from grants.services.agencies import agency_create, key_worker_set
from people.roles import Role
from tests.audit.helpers import read_cells
from tests.conftest import make_user
from tests.donations.conftest import stripe_double, stripe_world  # noqa: F401 (fixtures)
from tests.fund.helpers import post
from tests.grants.conftest import funded, make_grant  # noqa: F401 (fixtures)

HYPERLINK = '=HYPERLINK("http://x","y")'
AT_SUM = "@SUM(A1)"
PLUS = "+1"
MINUS = "-2+3"
TAB = "\tX"
FORMATS = ["csv", "xlsx", "ods"]


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


@pytest.fixture
def planted(frozen_now, officer, officer2, manager, auditor, key_worker, funded):  # noqa: F811
    """Formula-like text in every staff-typed field the exports carry, on 26 Nov 2026.

    A box at a host called ``=HYPERLINK(...)`` with seal ``@SUM(A1)`` on record, refitted
    with ``+1``; its £20.00 banked as £17.50 with the reason ``-2+3`` (a difference of
    -£2.50); a ledger entry described as a tab then ``X``; a grant from an agency called
    ``@SUM(A1)``.
    """
    point = collection_point_create(
        actor=officer,
        host_name=HYPERLINK,
        address="1 High Street, Doncaster",
        box_number="B777",
        seal=AT_SUM,
        opened_on=date(2026, 1, 5),
    )
    collection = collection_record(
        actor=officer,
        point=point,
        emptied_at=timezone.now() - timedelta(hours=1),
        seal_removed=AT_SUM,
        seal_fitted=PLUS,
        amount=gbp("20.00"),
    )
    collection = collection_confirm(actor=officer2, collection=collection)
    deposit = deposit_record(
        actor=officer,
        collections=[collection],
        paying_in_reference="PI-0777",
        banked_on=timezone.localdate(),
        amount_banked=gbp("17.50"),
        difference_reason=MINUS,
    )
    deposit_check(actor=manager, deposit=deposit)
    post(manager, funded, "assets:bank", "income:contributions", "5.00", memo=TAB)
    agency = agency_create(actor=manager, name=AT_SUM)
    key_worker_set(actor=manager, user=key_worker, agency=agency)
    make_grant(key_worker, items=(("Smartphone", "45.00"),), client="CLT-0042")
    return funded


def export(user, kind: str, file_format: str) -> bytes:
    stream = io.BytesIO()
    export_write(
        actor=user,
        actor_name=user.username,
        kind=kind,
        file_format=file_format,
        params=ExportParams(),
        stream=stream,
    )
    return stream.getvalue()


def cells(data: bytes, file_format: str) -> list[dict]:
    """Each data row as {column: cell}: the literal CSV text, an openpyxl cell, or an ODS
    (type, value) pair."""
    if file_format == "csv":
        import csv

        table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        header, rows = table[0], table[1:]
    else:
        table = read_cells(data, file_format)
        header = [c.value if file_format == "xlsx" else c[1] for c in table[0]]
        rows = table[1:]
    return [dict(zip(header, row, strict=True)) for row in rows]


def text_of(cell) -> str:
    if isinstance(cell, str):
        return cell
    return str(cell[1] if isinstance(cell, tuple) else cell.value)


def assert_text(cell, file_format: str, text: str) -> None:
    """The cell holds ``text`` as text a spreadsheet will not evaluate."""
    if file_format == "csv":
        assert cell == "'" + text
    elif file_format == "xlsx":
        assert (cell.data_type, cell.value) == ("s", text)
    else:
        assert cell == ("string", text)


def assert_number(cell, file_format: str, figure: str) -> None:
    """The cell holds the number ``figure`` (e.g. "-2.50") as a number."""
    if file_format == "csv":
        assert cell == figure
    elif file_format == "xlsx":
        assert cell.data_type == "n" and not cell.is_date
        assert Decimal(str(cell.value)) == Decimal(figure)  # openpyxl reads a binary double
        assert cell.number_format == "#,##0.00"
    else:
        assert cell == ("float", figure)


@pytest.mark.parametrize("file_format", FORMATS)
def test_collections_export_writes_host_and_seals_as_inert_text(auditor, planted, file_format):
    (row,) = [
        r
        for r in cells(export(auditor, "collections", file_format), file_format)
        if text_of(r["Box number"]) == "B777"
    ]
    assert_text(row["Host business"], file_format, HYPERLINK)
    assert_text(row["Seal on record"], file_format, AT_SUM)
    assert_text(row["Seal removed"], file_format, AT_SUM)
    assert_text(row["Seal fitted"], file_format, PLUS)
    assert_number(row["Counted (GBP)"], file_format, "20.00")


@pytest.mark.parametrize("file_format", FORMATS)
def test_deposits_export_writes_the_reason_as_text_and_the_shortfall_as_a_number(
    auditor, planted, file_format
):
    (row,) = cells(export(auditor, "deposits", file_format), file_format)
    assert_text(row["Reason for difference"], file_format, MINUS)
    assert_number(row["Difference (GBP)"], file_format, "-2.50")
    assert_number(row["Banked (GBP)"], file_format, "17.50")


@pytest.mark.parametrize("file_format", FORMATS)
def test_ledger_export_writes_a_tab_led_description_as_text(auditor, planted, file_format):
    rows = cells(export(auditor, "ledger", file_format), file_format)
    (row,) = [r for r in rows if TAB in text_of(r["Description"])]
    assert_text(row["Description"], file_format, TAB)
    assert_number(row["Amount (GBP)"], file_format, "5.00")


@pytest.mark.parametrize("file_format", FORMATS)
def test_grants_export_writes_the_agency_as_text(auditor, planted, file_format):
    (row,) = cells(export(auditor, "grants", file_format), file_format)
    assert_text(row["Agency"], file_format, AT_SUM)
    assert_number(row["Amount requested (GBP)"], file_format, "45.00")


@pytest.fixture
def claimed(frozen_now, stripe_world, manager):  # noqa: F811 (the imported fixture)
    """A Gift Aid gift from a donor whose first name is a formula, claimed by a manager
    whose username begins with ``@``."""
    stripe_world.pay(
        stripe_world.give(
            "25",
            gift_aid="on",
            title=PLUS,
            first_name=HYPERLINK,
            last_name=MINUS,
            house_name_or_number="12",
            postcode="DN1 1AA",
        )
    )
    claimant = make_user(AT_SUM, Role.FUND_MANAGER)
    today = timezone.localdate()
    return gift_aid_claim_create(actor=claimant, date_from=today - timedelta(days=1), date_to=today)


@pytest.mark.parametrize("file_format", FORMATS)
def test_gift_aid_claims_export_writes_who_made_it_as_text(auditor, claimed, file_format):
    (row,) = cells(export(auditor, "gift_aid_claims", file_format), file_format)
    assert_text(row["Made by"], file_format, AT_SUM)
    assert_number(row["Gifts claimed on (GBP)"], file_format, "25.00")


@pytest.mark.parametrize("file_format", FORMATS)
def test_online_donations_export_keeps_amounts_as_numbers(auditor, claimed, file_format):
    (row,) = cells(export(auditor, "donations", file_format), file_format)
    assert_number(row["Amount (GBP)"], file_format, "25.00")


def test_gift_aid_schedule_writes_donor_typed_names_as_string_cells(client, officer, claimed):
    client.force_login(officer)
    response = client.get(reverse("donations:gift-aid-schedule", args=[claimed.pk]))
    assert response.status_code == 200
    (row,) = read_cells(response.content, "ods")[2:]  # below HMRC's note and the headings
    # HMRC writes a surname's hyphens as spaces (then trimmed), so "-2+3" becomes "2+3".
    assert row[:3] == [("string", PLUS), ("string", HYPERLINK), ("string", "2+3")]
    assert GiftAidClaim.objects.count() == 1


@pytest.mark.parametrize(("file_format", "index"), [("csv", "0"), ("xlsx", "1"), ("ods", "2")])
def test_admin_exports_write_formula_like_text_as_text(
    client, staff_auditor, planted, file_format, index
):
    client.force_login(staff_auditor)
    for resource, url, checks in (
        (
            CollectionResource,
            "admin:donations_collection_export",
            {"Host business": HYPERLINK, "Seal fitted": PLUS},
        ),
        (DepositResource, "admin:donations_deposit_export", {"Reason for difference": MINUS}),
    ):
        prefix = resource.__name__.lower()
        fields = {f"{prefix}_{name}": "on" for name in resource().get_export_order()}
        response = client.post(reverse(url), {"format": index, "resource": "0", **fields})
        assert response.status_code == 200
        rows = cells(response.content, file_format)
        for column, text in checks.items():
            assert_text(rows[-1][column], file_format, text)
        if resource is DepositResource:
            assert_number(rows[-1]["Difference (GBP)"], file_format, "-2.50")


def test_dashboard_csv_quotes_formula_like_labels_and_keeps_negative_figures():
    chart = Chart(
        slug="grants-by-agency",
        title="Grants by agency",
        row_heading="Agency",
        series=[Series(key="net", label="Net", colour="#1d70b8")],
        rows=[
            BarRow(label=AT_SUM, values=[Decimal("-12.5")]),
            BarRow(label="Complex Lives Team", values=[Decimal("40")]),
        ],
        stacked=False,
    )
    assert chart.as_csv().splitlines() == [
        "Agency,Net",
        "'@SUM(A1),-12.50",
        "Complex Lives Team,40.00",
    ]


def test_a_planted_moment_is_a_date_cell(auditor, claimed):
    """The claim's time is a date-time cell in XLSX, not text (and stays local time)."""
    (row,) = cells(export(auditor, "gift_aid_claims", "xlsx"), "xlsx")
    made_at = row["Made at"]
    assert made_at.is_date and isinstance(made_at.value, datetime)


# --- the exports not covered above ------------------------------------------------------

STATEMENT = (
    "Date,Type,Description,Paid out,Paid in,Balance\n"
    '20/11/2026,BGC,"=HYPERLINK(""http://x"",""y"")",,100.00,100.00\n'
    "21/11/2026,CHG,@SUM(A1),7.25,,92.75\n"
)


def test_bank_reconciliation_csv_writes_statement_and_ledger_text_as_text(client, officer, planted):
    """Descriptions come from the bank's file and memos from staff: both quoted; the
    amounts, the £7.25 charge among them, stay plain figures."""
    from banking.models import BankAccount
    from banking.services.statements import statement_import

    statement_import(
        actor=officer,
        bank_account=BankAccount.objects.get(code="current"),
        content=STATEMENT.encode(),
        file_name="nov.csv",
    )
    client.force_login(officer)
    response = client.get(
        "/audit/exports/download/?export=bank_reconciliation:csv&date_to=2026-11-30"
    )
    assert response.status_code == 200
    rows = cells(b"".join(response.streaming_content), "csv")
    by_description = {r["Description"]: r for r in rows if r["Description"]}
    assert by_description["'" + HYPERLINK]["Amount"] == "100.00"
    assert by_description["'" + AT_SUM]["Amount"] == "-7.25"
    assert by_description["'" + TAB]["Amount"] == "5.00"
    assert by_description["'" + TAB]["Section"] == "In the ledger, not yet on the statement"
    assert not [d for d in by_description if d.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_year_end_pack_ods_files_write_staff_text_as_string_cells(auditor, planted):
    """The pack's grant register carries the agency's name as typed; every ODS in the pack
    holds formula-like text only as string cells (ODS keeps formulas in another attribute,
    which none of its cells has)."""
    import zipfile

    from audit.yearend import year_bounds, year_end_pack_write

    year = next(
        y for y in (2026, 2027) if year_bounds(y)[0] <= date(2026, 11, 26) <= year_bounds(y)[1]
    )
    stream = io.BytesIO()
    year_end_pack_write(actor=auditor, actor_name="auditor", year_end=year, stream=stream)
    pack = zipfile.ZipFile(stream)
    register = cells(pack.read("grant-register.ods"), "ods")
    (row,) = register
    assert_text(row["Agency"], "ods", AT_SUM)
    assert_number(row["Amount requested (GBP)"], "ods", "45.00")
    for name in pack.namelist():
        if name.endswith(".ods"):
            content = zipfile.ZipFile(io.BytesIO(pack.read(name))).read("content.xml")
            assert b"table:formula" not in content, name


@pytest.fixture
def boxed_gift(frozen_now, stripe_world, officer):  # noqa: F811 (the imported fixture)
    """A £10 gift made through the QR code of a box numbered ``@SUM(A1)``."""
    point = collection_point_create(
        actor=officer,
        host_name="Corner Café",
        address="2 High Street, Doncaster",
        box_number=AT_SUM,
        seal="S1",
        opened_on=date(2026, 1, 5),
    )
    stripe_world.pay(stripe_world.give("10", point=point.public_code))
    return point


@pytest.mark.parametrize("file_format", FORMATS)
def test_online_donations_export_writes_its_text_columns_as_text(auditor, boxed_gift, file_format):
    (row,) = cells(export(auditor, "donations", file_format), file_format)
    assert_text(row["Collection box"], file_format, AT_SUM)
    assert text_of(row["Donation reference"]).startswith("OD-")
    assert text_of(row["Frequency"]) == "one-off"
    assert text_of(row["Gift Aid declared"]) == "no"
    assert_number(row["Amount (GBP)"], file_format, "10.00")


def admin_export(client, resource, url: str, index: str, file_format: str) -> list[dict]:
    prefix = resource.__name__.lower()
    fields = {f"{prefix}_{name}": "on" for name in resource().get_export_order()}
    response = client.post(reverse(url), {"format": index, "resource": "0", **fields})
    assert response.status_code == 200
    return cells(response.content, file_format)


ADMIN_FORMATS = [("csv", "0"), ("xlsx", "1"), ("ods", "2")]


@pytest.mark.parametrize(("file_format", "index"), ADMIN_FORMATS)
def test_admin_exports_of_entries_transfers_and_grants_write_text_as_text(
    client, staff_auditor, planted, file_format, index
):
    from audit.resources import EntryResource, GrantResource, TransferResource

    client.force_login(staff_auditor)
    entries = admin_export(client, EntryResource, "admin:fund_entry_export", index, file_format)
    (entry,) = [r for r in entries if TAB in text_of(r["Description"])]
    assert_text(entry["Description"], file_format, TAB)

    transfers = admin_export(
        client, TransferResource, "admin:fund_transfer_export", index, file_format
    )
    (transfer,) = [r for r in transfers if TAB in text_of(r["Description"])]
    assert_text(transfer["Description"], file_format, TAB)
    assert_number(transfer["Amount (GBP)"], file_format, "5.00")

    (grant,) = admin_export(client, GrantResource, "admin:grants_grant_export", index, file_format)
    assert_text(grant["Agency"], file_format, AT_SUM)
    assert_number(grant["Amount requested (GBP)"], file_format, "45.00")


@pytest.mark.parametrize(("file_format", "index"), ADMIN_FORMATS)
def test_admin_export_of_payments_writes_the_box_number_as_text(
    client, staff_auditor, boxed_gift, file_format, index
):
    from audit.resources import OnlinePaymentResource

    client.force_login(staff_auditor)
    (payment,) = admin_export(
        client, OnlinePaymentResource, "admin:donations_onlinepayment_export", index, file_format
    )
    assert_text(payment["Collection box"], file_format, AT_SUM)
    assert_number(payment["Amount (GBP)"], file_format, "10.00")
