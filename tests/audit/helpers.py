import csv
import io
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from odf import teletype
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow
from openpyxl import load_workbook

from fund.selectors import trial_balance


def read_table(data: bytes, file_format: str) -> tuple[list[str], list[list[str]]]:
    """Open an exported file with an ordinary reader and return its header and rows.

    Each cell is shown as the CSV shows it (numbers with the places their format gives,
    dates as ISO 8601), so one test can check every format; ``read_cells`` shows types.
    """
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    elif file_format == "xlsx":
        rows = [[_xlsx_text(cell) for cell in row] for row in read_cells(data, "xlsx")]
    else:
        rows = [[_ods_text(cell) for cell in row] for row in read_cells(data, "ods")]
    return rows[0], rows[1:]


def read_cells(data: bytes, file_format: str) -> list[list]:
    """Every cell with its type: openpyxl cells for XLSX; for ODS ``(type, value)`` pairs,
    the value being the cell's ``office:value``, ``office:date-value`` or its text."""
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        return [list(row) for row in sheet.iter_rows()]
    document = load(io.BytesIO(data))
    table = document.spreadsheet.getElementsByType(Table)[0]
    rows = []
    for row in table.getElementsByType(TableRow):
        cells = []
        for cell in row.getElementsByType(TableCell):
            kind = cell.getAttribute("valuetype")
            if kind == "float":
                value = cell.getAttribute("value")
            elif kind == "date":
                value = cell.getAttribute("datevalue")
            else:
                value = teletype.extractText(cell) if kind else None
            cells.append((kind, value))
        rows.append(cells)
    return rows


def _xlsx_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        if "h" in cell.number_format:
            return value.isoformat()
        return value.date().isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        places = len(cell.number_format.partition(".")[2])
        return f"{Decimal(str(value)):.{places}f}"
    return str(value)


def _ods_text(cell: tuple) -> str:
    kind, value = cell
    return "" if value is None else value


def net_by_account(header: list[str], rows: list[list[str]]) -> dict[str, Decimal]:
    """Each account's net debit according to an exported ledger."""
    debit, credit, amount = (
        header.index(c) for c in ("Debit account", "Credit account", "Amount (GBP)")
    )
    net: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        net[row[debit]] += Decimal(row[amount])
        net[row[credit]] -= Decimal(row[amount])
    return {code: value for code, value in net.items() if value}


def app_net_by_account(fund=None) -> dict[str, Decimal]:
    return {
        row.account.code: row.net_debit.amount
        for row in trial_balance(fund)
        if row.net_debit.amount
    }
