"""The ledger as CSV, XLSX and ODS: opened with ordinary readers, totals equal to the ledger."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest

from audit.exports.kinds import export_write
from audit.exports.ledger import ledger_rows
from audit.exports.params import ExportParams
from audit.models import ExportManifest
from audit.resources import TransferResource
from fund.models import Transfer
from fund.selectors import chain_head
from tests.audit.helpers import app_net_by_account, net_by_account, read_table
from tests.fund.helpers import post

TABLE_FORMATS = ["csv", "xlsx", "ods"]


def export(auditor, file_format, **params) -> tuple[bytes, ExportManifest]:
    stream = io.BytesIO()
    manifest = export_write(
        actor=auditor,
        actor_name=auditor.username,
        kind="ledger",
        file_format=file_format,
        params=ExportParams(**params),
        stream=stream,
    )
    return stream.getvalue(), manifest


@pytest.mark.parametrize("file_format", TABLE_FORMATS)
def test_whole_ledger_reads_back_with_every_balance_equal_to_the_app(auditor, ledger, file_format):
    data, manifest = export(auditor, file_format)

    header, rows = read_table(data, file_format)
    assert header[:9] == [
        "Entry number",
        "Date",
        "Transfer number",
        "Fund",
        "Debit account",
        "Debit account name",
        "Credit account",
        "Credit account name",
        "Amount (GBP)",
    ]
    assert len(rows) == Transfer.objects.count() == manifest.row_count
    assert net_by_account(header, rows) == app_net_by_account()
    total = sum(Decimal(r[header.index("Amount (GBP)")]) for r in rows)
    assert total == sum(t.amount.amount for t in Transfer.objects.all())


@pytest.mark.parametrize("file_format", TABLE_FORMATS)
def test_dates_are_iso_and_money_has_two_decimal_places(auditor, ledger, file_format):
    header, rows = read_table(export(auditor, file_format)[0], file_format)
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[header.index("Date")])
        assert re.fullmatch(r"\d+\.\d{2}", row[header.index("Amount (GBP)")])
    amounts = [r[header.index("Amount (GBP)")] for r in rows]
    assert "15000.00" in amounts and "0.58" in amounts and "12.40" in amounts


@pytest.mark.parametrize("file_format", TABLE_FORMATS)
def test_one_fund_for_a_date_range(auditor, ledger, public_fund, file_format):
    header, rows = read_table(
        export(
            auditor,
            file_format,
            fund=public_fund,
            date_from=date(2026, 5, 3),
            date_to=date(2026, 6, 10),
        )[0],
        file_format,
    )
    assert {r[header.index("Fund")] for r in rows} == {"public"}
    assert [r[header.index("Date")] for r in rows] == [
        "2026-05-03",
        "2026-05-20",
        "2026-05-20",
        "2026-06-10",
    ]
    assert net_by_account(header, rows) == {
        "assets:bank": Decimal("84.37"),
        "assets:cash-in-transit": Decimal("-84.37"),
        "assets:stripe": Decimal("24.42"),
        "expenses:fees": Decimal("0.58"),
        "income:donations:online": Decimal("-25.00"),
        "expenses:grants:travel": Decimal("12.40"),
        "liabilities:grants-payable": Decimal("-12.40"),
    }


def test_reversal_names_the_entry_it_reverses(auditor, ledger):
    header, rows = read_table(export(auditor, "csv")[0], "csv")
    reversal = rows[-1]
    assert reversal[header.index("Description")] == "Grant G-2 withdrawn"
    original = next(r for r in rows if r[header.index("Description")] == "Grant G-2 approved")
    assert reversal[header.index("Reverses entry")] == original[header.index("Entry number")]


def test_awkward_memo_text_survives_the_round_trip(auditor, ledger):
    header, rows = read_table(export(auditor, "csv")[0], "csv")
    assert 'Box 7 counted: "Corner Café" £84.37' in [r[header.index("Description")] for r in rows]


def test_streamed_csv_and_the_import_export_resource_agree_row_for_row(auditor, ledger):
    """Every export format is written from values_list rows; the admin uses the resource."""
    head = chain_head()
    streamed = [list(row) for row in ledger_rows(ExportParams(), head.sequence)]
    resource = TransferResource()
    from_resource = [resource.export_resource(t) for t in resource.get_queryset()]

    assert resource.get_export_headers() == read_table(export(auditor, "csv")[0], "csv")[0]
    assert streamed == from_resource


def test_export_includes_only_transfers_up_to_the_chain_head_it_records(auditor, ledger):
    data, manifest = export(auditor, "csv")
    header, rows = read_table(data, "csv")
    assert (
        max(int(r[header.index("Transfer number")]) for r in rows) == manifest.chain_head_sequence
    )
    assert (
        manifest.chain_head_hash == Transfer.objects.get(sequence=manifest.chain_head_sequence).hash
    )


@pytest.mark.parametrize("amount", ["0.01", "0.10", "7.00", "1234.50", "123456789012.34"])
def test_each_amount_is_read_exactly_with_two_places(officer, public_fund, amount):
    """The rows take each amount from the database's own text (SQLite keeps it as REAL):
    exact at the field's 14 digits, never through a float, two places even when whole."""
    post(officer, public_fund, "assets:bank", "income:contributions", amount)

    (row,) = ledger_rows(ExportParams(), chain_head().sequence)

    assert str(row[8]) == amount
    assert row[8] == Decimal(amount)
