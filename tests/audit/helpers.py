import csv
import io
from collections import defaultdict
from decimal import Decimal

import tablib
from openpyxl import load_workbook

from fund.selectors import trial_balance


def read_table(data: bytes, file_format: str) -> tuple[list[str], list[list[str]]]:
    """Open an exported file with an ordinary reader and return its header and rows."""
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    elif file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        dataset = tablib.Dataset().load(io.BytesIO(data).read(), format=file_format)
        rows = [list(dataset.headers)] + [["" if v is None else str(v) for v in r] for r in dataset]
    return rows[0], rows[1:]


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
