"""Bank statement files read into plain lines: OFX (through ofxtools) and CSV layouts.

A file that does not parse raises ``StatementRefused`` naming the line and the reason;
parsing stores nothing, so a refused file leaves nothing behind.
"""

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from banking.exceptions import StatementRefused
from fund.money import format_gbp

PENNY = Decimal("0.01")


@dataclass(frozen=True)
class ParsedLine:
    number: int  # the line of the file it came from
    posted_on: date
    amount: Decimal  # paid in positive, paid out negative
    description: str
    kind: str
    balance: Decimal  # the running balance after this line
    fitid: str = ""
    fingerprint: str = ""


@dataclass(frozen=True)
class Layout:
    """Which column (counting from 1) holds what; ``amount`` or both ``paid_in``/``paid_out``."""

    name: str
    date: int
    description: int
    balance: int
    amount: int | None = None
    paid_in: int | None = None
    paid_out: int | None = None
    type: int | None = None
    header_rows: int = 1
    month_first: bool = False
    header: tuple[str, ...] = ()


# The two shapes UK banks export.
BUILT_IN_LAYOUTS = {
    "paid-in-out": Layout(
        "paid-in-out",
        date=1,
        type=2,
        description=3,
        paid_out=4,
        paid_in=5,
        balance=6,
        header=("date", "type", "description", "paid out", "paid in", "balance"),
    ),
    "amount": Layout(
        "amount",
        date=1,
        description=2,
        amount=3,
        balance=4,
        header=("date", "description", "amount", "balance"),
    ),
}
BUILT_IN_LABELS = {
    "paid-in-out": "Date, Type, Description, Paid out, Paid in, Balance",
    "amount": "Date, Description, Amount, Balance",
}


def detect_format(content: bytes) -> str:
    head = content[:2000].lstrip().upper()
    return (
        "ofx"
        if head.startswith(b"OFXHEADER") or b"<OFX>" in head or head.startswith(b"<?XML")
        else "csv"
    )


# --- values -----------------------------------------------------------------------------

ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
AMOUNT = re.compile(r"^(-)?£?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")


def parse_date(text: str, *, month_first: bool = False) -> date:
    text = text.strip()
    try:
        if m := ISO_DATE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := UK_DATE.match(text):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            day, month = (second, first) if month_first else (first, second)
            return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    raise ValueError(f"{text!r} is not a date like 01/12/2026 or 2026-12-01")


def parse_amount(text: str) -> Decimal:
    cleaned = text.strip().replace(" ", "")
    if cleaned.startswith("£-"):
        cleaned = "-" + cleaned[2:]
    if not AMOUNT.match(cleaned):
        raise ValueError(f"{text.strip()!r} is not an amount in pounds and pence")
    return Decimal(cleaned.replace("£", "").replace(",", "")).quantize(PENNY)


def fingerprint(posted_on: date, amount: Decimal, description: str, balance, n: int) -> str:
    words = " ".join(description.split()).upper()
    text = f"{posted_on.isoformat()}|{amount:.2f}|{words}|{balance:.2f}|{n}"
    return "csv:" + hashlib.sha256(text.encode()).hexdigest()


def _check_running_balances(lines: list[ParsedLine]) -> None:
    for before, line in zip(lines, lines[1:], strict=False):
        if before.balance + line.amount != line.balance:
            raise StatementRefused(
                line.number,
                f"the balance {format_gbp(line.balance)} does not follow from the line before "
                f"({format_gbp(before.balance)} and {format_gbp(line.amount)} make "
                f"{format_gbp(before.balance + line.amount)}): the file is incomplete or edited.",
            )


# --- CSV --------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _normalise_header(row: list[str]) -> tuple[str, ...]:
    return tuple(" ".join(cell.split()).lower() for cell in row)


def detect_layout(content: bytes) -> str | None:
    for row in csv.reader(io.StringIO(_decode(content))):
        if any(cell.strip() for cell in row):
            header = _normalise_header(row)
            for name, layout in BUILT_IN_LAYOUTS.items():
                if header == layout.header:
                    return name
            return None
    return None


def parse_csv(content: bytes, layout: Layout) -> list[ParsedLine]:
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    rows: list[ParsedLine] = []
    skipped_headers = 0
    columns = [layout.date, layout.description, layout.balance]
    columns += [c for c in (layout.amount, layout.paid_in, layout.paid_out, layout.type) if c]
    width = max(columns)
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if skipped_headers < layout.header_rows:
                skipped_headers += 1
                if layout.header and _normalise_header(row) != layout.header:
                    raise StatementRefused(
                        number,
                        "the heading row should be "
                        f"{BUILT_IN_LABELS.get(layout.name, layout.name)}.",
                    )
                continue
            if len(row) < width:
                raise StatementRefused(
                    number, f"it has {len(row)} columns; the {layout.name} layout needs {width}."
                )
            rows.append(_csv_line(number, row, layout))
    except csv.Error as exc:
        raise StatementRefused(reader.line_num, f"it is not valid CSV ({exc}).") from None
    if not rows:
        raise StatementRefused(max(reader.line_num, 1), "the file holds no transactions.")
    if rows[0].posted_on > rows[-1].posted_on:
        rows.reverse()  # newest first, as many banks export
    _check_running_balances(rows)
    seen: Counter = Counter()
    out = []
    for line in rows:
        key = (
            line.posted_on,
            line.amount,
            " ".join(line.description.split()).upper(),
            line.balance,
        )
        seen[key] += 1
        out.append(
            ParsedLine(
                **{
                    **line.__dict__,
                    "fingerprint": fingerprint(
                        line.posted_on, line.amount, line.description, line.balance, seen[key]
                    ),
                }
            )
        )
    return out


def _cell(row: list[str], column: int | None) -> str:
    return row[column - 1].strip() if column else ""


def _csv_line(number: int, row: list[str], layout: Layout) -> ParsedLine:
    try:
        posted_on = parse_date(_cell(row, layout.date), month_first=layout.month_first)
    except ValueError as exc:
        raise StatementRefused(number, f"the date {exc}.") from None
    description = _cell(row, layout.description)
    if not description:
        raise StatementRefused(number, "the description is empty.")
    try:
        if layout.amount:
            amount = parse_amount(_cell(row, layout.amount))
        else:
            paid_in, paid_out = _cell(row, layout.paid_in), _cell(row, layout.paid_out)
            if paid_in and paid_out:
                raise StatementRefused(number, "both Paid in and Paid out are filled in.")
            if not paid_in and not paid_out:
                raise StatementRefused(number, "neither Paid in nor Paid out is filled in.")
            amount = parse_amount(paid_in) if paid_in else -parse_amount(paid_out)
            if amount < 0 and paid_in or amount > 0 and paid_out:
                raise StatementRefused(number, "Paid in and Paid out are written without a sign.")
        balance = parse_amount(_cell(row, layout.balance))
    except ValueError as exc:
        raise StatementRefused(number, f"{exc}.") from None
    if amount == 0:
        raise StatementRefused(number, "the amount is zero.")
    return ParsedLine(
        number=number,
        posted_on=posted_on,
        amount=amount,
        description=description[:300],
        kind=_cell(row, layout.type)[:40],
        balance=balance,
    )


# --- OFX --------------------------------------------------------------------------------

TRANSACTION = re.compile(rb"<STMTTRN>", re.IGNORECASE)


def _ofx_problem_line(content: bytes) -> tuple[int, str]:
    """Where a file ofxtools refused goes wrong: the first transaction missing or garbling
    a field, or line 1."""
    text = content.decode("latin-1")
    for match in re.finditer(
        r"<STMTTRN>(.*?)(</STMTTRN>|(?=<STMTTRN>)|</BANKTRANLIST>)", text, re.S | re.I
    ):
        block = match.group(1)
        line = text.count("\n", 0, match.start()) + 1
        for tag, pattern, what in (
            ("DTPOSTED", r"\d{8}", "date (DTPOSTED)"),
            ("TRNAMT", r"-?\d+(\.\d{1,2})?", "amount (TRNAMT)"),
            ("FITID", r"\S+", "transaction id (FITID)"),
        ):
            found = re.search(rf"<{tag}>\s*([^<\r\n]*)", block, re.I)
            if not found:
                return line, f"the transaction has no {what}."
            if not re.match(pattern, found.group(1).strip()):
                offset = match.start(1) + found.start()
                return text.count(
                    "\n", 0, offset
                ) + 1, f"the transaction's {what} is {found.group(1).strip()!r}."
    return 1, ""


def parse_ofx(content: bytes) -> tuple[list[ParsedLine], Decimal]:
    """The lines, oldest first, with running balances worked back from LEDGERBAL."""
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(content))
        ofx = tree.convert()
        statements = ofx.statements
    except Exception as exc:  # ofxtools raises many kinds; all mean the file is unreadable
        line, reason = _ofx_problem_line(content)
        raise StatementRefused(
            line, reason or f"it is not an OFX statement ofxtools can read ({exc})."
        ) from None
    if not statements:
        raise StatementRefused(1, "the file holds no bank statement.")
    statement = statements[0]
    if statement.curdef != "GBP":
        raise StatementRefused(1, f"the statement is in {statement.curdef}; the fund banks in GBP.")
    if statement.ledgerbal is None:
        raise StatementRefused(1, "the statement has no closing balance (LEDGERBAL).")
    text = content.decode("latin-1")
    starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer("<STMTTRN>", text, re.I)]
    transactions = list(statement.banktranlist or [])
    if not transactions:
        raise StatementRefused(1, "the file holds no transactions.")
    raw = []
    seen_ids = set()
    for index, txn in enumerate(transactions):
        number = starts[index] if index < len(starts) else 1
        if not txn.fitid:
            raise StatementRefused(number, "the transaction has no transaction id (FITID).")
        if txn.fitid in seen_ids:
            raise StatementRefused(number, f"the transaction id {txn.fitid} appears twice.")
        seen_ids.add(txn.fitid)
        amount = Decimal(txn.trnamt).quantize(PENNY)
        if amount != Decimal(txn.trnamt):
            raise StatementRefused(number, f"{txn.trnamt} is not a whole number of pence.")
        if amount == 0:
            raise StatementRefused(number, "the amount is zero.")
        posted = txn.dtposted
        posted_on = posted.date() if isinstance(posted, datetime) else posted
        description = " ".join(p for p in (txn.name, txn.memo) if p) or (txn.trntype or "")
        raw.append(
            (
                posted_on,
                index,
                number,
                amount,
                description[:300],
                (txn.trntype or "")[:40],
                txn.fitid,
            )
        )
    raw.sort(key=lambda r: (r[0], r[1]))
    closing = Decimal(statement.ledgerbal.balamt).quantize(PENNY)
    balance = closing
    balances = []
    for row in reversed(raw):
        balances.append(balance)
        balance -= row[3]
    balances.reverse()
    lines = [
        ParsedLine(
            number=number,
            posted_on=posted_on,
            amount=amount,
            description=description,
            kind=kind,
            balance=after,
            fitid=fitid,
            fingerprint=f"ofx:{fitid}",
        )
        for (posted_on, _i, number, amount, description, kind, fitid), after in zip(
            raw, balances, strict=True
        )
    ]
    return lines, closing
