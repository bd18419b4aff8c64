"""HMRC's Gift Aid schedule for a claim, by the rules of HMRC's schedule spreadsheet.

gov.uk "Schedule spreadsheet to claim back tax on Gift Aid donations":

* columns, in order: title, first name or initial, last name, house name or number,
  postcode, aggregated donations, sponsored event, donation date, amount;
* title at most 4 characters; first and last names at most 35; a double-barrelled surname
  with a space instead of the hyphen;
* postcode in capitals with a space (``S19 2BD``); a donor living outside the UK has ``X``
  as the postcode, with the house name or number as usual;
* the date as DD/MM/YY and the amount to 2 decimal places without a £ sign, as typed cells
  (a date cell and a number cell, not text);
* donations at or under the small-donation limit (a setting, £30 in the current guidance)
  may be added together on one line with a description of at most 35 characters and no
  donor details, up to £1,000 a line, within one accounting period, dated with the last
  donation in the line;
* one spreadsheet takes at most 1,000 lines: a bigger claim is split into several.

Without HMRC's own template this file is the schedule in HMRC's column order, marked as
for copying (values only) into HMRC's template.
"""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from odf.number import DateStyle, Day, Month, Number, NumberStyle, Year
from odf.number import Text as NumberText
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style
from odf.table import Table, TableCell, TableRow
from odf.text import P

from donations.models.online import GiftAidClaim
from donations.services.giftaid import accounting_period_end, hmrc_postcode

HEADERS = [
    "Title",
    "First name or initial",
    "Last name",
    "House name or number",
    "Postcode",
    "Aggregated donations",
    "Sponsored event",
    "Donation date",
    "Amount",
]
NOTE = (
    "For copying into HMRC's Gift Aid schedule template (Charities Online): paste the "
    "values only, below the template's headers."
)
MAX_LINES = 1000
TITLE_MAX = 4
NAME_MAX = 35
DESCRIPTION_MAX = 35
AGGREGATE_LINE_MAX = Decimal("1000.00")


@dataclass(frozen=True)
class ScheduleRow:
    title: str
    first_name: str
    last_name: str
    house: str
    postcode: str
    aggregated: str
    sponsored: str
    day: date
    amount: Decimal

    def shown(self) -> list[str]:
        """The row as HMRC's spreadsheet displays it (DD/MM/YY, 2 decimal places)."""
        return [
            self.title,
            self.first_name,
            self.last_name,
            self.house,
            self.postcode,
            self.aggregated,
            self.sponsored,
            self.day.strftime("%d/%m/%y"),
            f"{self.amount:.2f}",
        ]


def hmrc_name(name: str) -> str:
    """At most 35 characters, single spaces."""
    return " ".join(name.split())[:NAME_MAX]


def hmrc_surname(name: str) -> str:
    """A double-barrelled surname with a space for the hyphen, at most 35 characters."""
    return hmrc_name(name.replace("-", " "))


def aggregate_limit() -> Decimal:
    return Decimal(settings.GIFT_AID_AGGREGATE_LIMIT).quantize(Decimal("0.01"))


def aggregate_description(limit: Decimal) -> str:
    return f"Online gifts of £{limit:,.2f} or less"[:DESCRIPTION_MAX]


def schedule_rows(claim: GiftAidClaim, *, aggregate: bool = False) -> list[ScheduleRow]:
    """The claim's gifts as schedule lines, oldest first; small ones added up if asked."""
    lines = claim.lines.select_related("payment__donation__gift_aid").order_by("paid_on", "id")
    rows, small = [], []
    limit = aggregate_limit()
    for line in lines:
        if aggregate and line.amount.amount <= limit:
            small.append((line.paid_on, line.amount.amount))
            continue
        declaration = line.payment.donation.gift_aid
        rows.append(
            ScheduleRow(
                title=" ".join(declaration.title.split())[:TITLE_MAX],
                first_name=hmrc_name(declaration.first_name),
                last_name=hmrc_surname(declaration.last_name),
                house=declaration.house_name_or_number.strip(),
                postcode="X" if declaration.outside_uk else hmrc_postcode(declaration.postcode),
                aggregated="",
                sponsored="",
                day=line.paid_on,
                amount=line.amount.amount,
            )
        )
    rows += aggregated_rows(small, limit=limit)
    return sorted(rows, key=lambda row: (row.day, row.aggregated != ""))


def aggregated_rows(gifts: list[tuple[date, Decimal]], *, limit: Decimal) -> list[ScheduleRow]:
    """Small gifts added up, at most £1,000 a line, never across accounting periods."""
    rows: list[ScheduleRow] = []
    description = aggregate_description(limit)
    period, total, last = None, Decimal("0.00"), None

    def close():
        if total > 0:
            rows.append(ScheduleRow("", "", "", "", "", description, "", last, total))

    for day, amount in sorted(gifts):
        this_period = accounting_period_end(day)
        if this_period != period or total + amount > AGGREGATE_LINE_MAX:
            close()
            period, total = this_period, Decimal("0.00")
        total += amount
        last = day
    close()
    return rows


def schedule_parts(rows: list[ScheduleRow]) -> list[list[ScheduleRow]]:
    """HMRC's spreadsheet takes at most 1,000 lines: one part per 1,000."""
    return [rows[i : i + MAX_LINES] for i in range(0, len(rows), MAX_LINES)] or [[]]


def cell_styles(doc: OpenDocumentSpreadsheet) -> tuple[Style, Style]:
    ddmmyy = DateStyle(name="hmrc-ddmmyy")
    ddmmyy.addElement(Day(style="long"))
    ddmmyy.addElement(NumberText(text="/"))
    ddmmyy.addElement(Month(style="long"))
    ddmmyy.addElement(NumberText(text="/"))
    ddmmyy.addElement(Year(style="short"))
    doc.styles.addElement(ddmmyy)
    two_places = NumberStyle(name="hmrc-amount")
    two_places.addElement(Number(decimalplaces="2", minintegerdigits="1"))
    doc.styles.addElement(two_places)
    date_cell = Style(name="hmrc-date-cell", family="table-cell", datastylename="hmrc-ddmmyy")
    amount_cell = Style(name="hmrc-amount-cell", family="table-cell", datastylename="hmrc-amount")
    doc.automaticstyles.addElement(date_cell)
    doc.automaticstyles.addElement(amount_cell)
    return date_cell, amount_cell


def _text(value: str) -> TableCell:
    cell = TableCell(valuetype="string")
    cell.addElement(P(text=value))
    return cell


def schedule_ods(rows: list[ScheduleRow], *, claim: GiftAidClaim, part: int, parts: int) -> bytes:
    """One part of the schedule as an ODS file with typed date and amount cells."""
    doc = OpenDocumentSpreadsheet()
    date_cell, amount_cell = cell_styles(doc)
    table = Table(name="Gift Aid schedule")
    note = TableRow()
    note.addElement(_text(f"{NOTE} Claim {claim.pk}, schedule {part} of {parts}."))
    table.addElement(note)
    header = TableRow()
    for title in HEADERS:
        header.addElement(_text(title))
    table.addElement(header)
    for row in rows:
        line = TableRow()
        for value in row.shown()[:7]:
            line.addElement(_text(value) if value else TableCell())
        day = TableCell(valuetype="date", datevalue=row.day.isoformat(), stylename=date_cell)
        day.addElement(P(text=row.day.strftime("%d/%m/%y")))
        line.addElement(day)
        amount = TableCell(valuetype="float", value=f"{row.amount:.2f}", stylename=amount_cell)
        amount.addElement(P(text=f"{row.amount:.2f}"))
        line.addElement(amount)
        table.addElement(line)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()
