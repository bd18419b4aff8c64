"""The card provider's transaction report (CSV) read into plain taps, by named layout.

The same pattern as the bank statement layouts (``banking/parsing.py``): a layout names the
column (counting from 1) of each value and the heading row it expects. A file that does not
parse raises ``TapReportRefused`` naming the line and the reason; parsing stores nothing.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from donations.exceptions import TapReportRefused

PENNY = Decimal("0.01")


@dataclass(frozen=True)
class ParsedTap:
    number: int  # the line of the file it came from
    tapped_at: datetime  # naive, the provider's local (UK) time
    amount: Decimal
    fee: Decimal
    terminal_id: str
    payout_id: str
    transaction_id: str


@dataclass(frozen=True)
class TapLayout:
    name: str
    label: str  # the heading row, as shown on the page
    date_time: int
    amount: int
    fee: int
    terminal_id: int
    payout_id: int
    transaction_id: int
    header: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return max(
            self.date_time,
            self.amount,
            self.fee,
            self.terminal_id,
            self.payout_id,
            self.transaction_id,
        )


LAYOUTS = {
    "standard": TapLayout(
        "standard",
        "Date and time, Amount, Fee, Terminal ID, Payout ID, Transaction ID",
        date_time=1,
        amount=2,
        fee=3,
        terminal_id=4,
        payout_id=5,
        transaction_id=6,
        header=("date and time", "amount", "fee", "terminal id", "payout id", "transaction id"),
    ),
    # The same values in the order some providers export them: the transaction first.
    "transaction-first": TapLayout(
        "transaction-first",
        "Transaction ID, Date and time, Terminal ID, Amount, Fee, Payout ID",
        transaction_id=1,
        date_time=2,
        terminal_id=3,
        amount=4,
        fee=5,
        payout_id=6,
        header=("transaction id", "date and time", "terminal id", "amount", "fee", "payout id"),
    ),
}

DATE_TIME = re.compile(
    r"^(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})/(\d{1,2})/(\d{4}))[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$"
)
AMOUNT = re.compile(r"^£?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,59}$")


def parse_date_time(text: str) -> datetime:
    m = DATE_TIME.match(text.strip())
    if not m:
        raise ValueError(
            f"{text.strip()!r} is not a date and time like 01/12/2026 14:05 or 2026-12-01 14:05"
        )
    if m[1]:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        day, month, year = int(m[4]), int(m[5]), int(m[6])
    try:
        return datetime(year, month, day, int(m[7]), int(m[8]), int(m[9] or 0))
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a real date and time") from None


def parse_amount(text: str, what: str) -> Decimal:
    cleaned = text.strip().replace(" ", "")
    if not AMOUNT.match(cleaned):
        raise ValueError(f"the {what} {text.strip()!r} is not an amount in pounds and pence")
    return Decimal(cleaned.replace("£", "").replace(",", "")).quantize(PENNY)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _normalise(row: list[str]) -> tuple[str, ...]:
    return tuple(" ".join(cell.split()).lower() for cell in row)


def parse_report(content: bytes, layout: TapLayout) -> list[ParsedTap]:
    """Every tap in the file, in file order; refused whole at the first bad line."""
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    taps: list[ParsedTap] = []
    seen: dict[str, int] = {}
    header_seen = False
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if not header_seen:
                header_seen = True
                if _normalise(row)[: len(layout.header)] != layout.header:
                    raise TapReportRefused(
                        number, f"the heading row should be {layout.label} ({layout.name} layout)."
                    )
                continue
            if len(row) < layout.width:
                raise TapReportRefused(
                    number,
                    f"it has {len(row)} columns; the {layout.name} layout needs {layout.width}.",
                )
            tap = _tap(number, row, layout)
            if tap.transaction_id in seen:
                raise TapReportRefused(
                    number,
                    f"the transaction id {tap.transaction_id} is also on line "
                    f"{seen[tap.transaction_id]}.",
                )
            seen[tap.transaction_id] = number
            taps.append(tap)
    except csv.Error as exc:
        raise TapReportRefused(reader.line_num, f"it is not valid CSV ({exc}).") from None
    if not taps:
        raise TapReportRefused(max(reader.line_num, 1), "the file holds no taps.")
    return taps


def _cell(row: list[str], column: int) -> str:
    return row[column - 1].strip()


def _tap(number: int, row: list[str], layout: TapLayout) -> ParsedTap:
    try:
        tapped_at = parse_date_time(_cell(row, layout.date_time))
        amount = parse_amount(_cell(row, layout.amount), "amount")
        fee = parse_amount(_cell(row, layout.fee), "fee")
    except ValueError as exc:
        raise TapReportRefused(number, f"{exc}.") from None
    if amount <= 0:
        raise TapReportRefused(number, "the amount is zero.")
    if fee >= amount:
        raise TapReportRefused(number, "the fee is not less than the amount.")
    values = {}
    for what, column in (
        ("terminal id", layout.terminal_id),
        ("payout id", layout.payout_id),
        ("transaction id", layout.transaction_id),
    ):
        value = _cell(row, column)
        if not value:
            raise TapReportRefused(number, f"the {what} is empty.")
        if not IDENTIFIER.match(value):
            raise TapReportRefused(
                number, f"the {what} {value[:40]!r} is not an id (letters, digits and - . _ : /)."
            )
        values[what] = value
    return ParsedTap(
        number=number,
        tapped_at=tapped_at,
        amount=amount,
        fee=fee,
        terminal_id=values["terminal id"],
        payout_id=values["payout id"],
        transaction_id=values["transaction id"],
    )
