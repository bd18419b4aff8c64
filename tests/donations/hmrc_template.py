"""A stand-in for HMRC's Gift Aid schedule template (ODS), built as HMRC's is laid out.

HMRC's real template cannot be downloaded here; this mimics its structure: a sheet with a
header block (title, the charity's details, the earliest donation date) above the column
headings, which start in column B of row 24, and a long run of empty, repeated rows below.
The real template's cell positions must be confirmed against HMRC's published file.
"""

import io

from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableColumnProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import P

from donations.schedule import HEADERS

SHEET = "R68 Gift Aid schedule"
HEADER_BLOCK = {
    0: "Gift Aid schedule spreadsheet",
    2: "Charity name",
    3: "Earliest donation date in the period of claim (DD/MM/YY)",
    5: "Donations schedule table",
}
HEADINGS_ROW = 23  # row 24
FIRST_COLUMN = 1  # column B


def _text_cell(text: str) -> TableCell:
    cell = TableCell(valuetype="string")
    cell.addElement(P(text=text))
    return cell


def hmrc_like_template() -> bytes:
    doc = OpenDocumentSpreadsheet()
    wide = Style(name="hmrc-wide", family="table-column")
    wide.addElement(TableColumnProperties(columnwidth="4cm"))
    doc.automaticstyles.addElement(wide)
    table = Table(name=SHEET)
    table.addElement(TableColumn(stylename=wide, numbercolumnsrepeated=12))
    for index in range(HEADINGS_ROW):
        row = TableRow()
        if index in HEADER_BLOCK:
            row.addElement(TableCell())
            row.addElement(_text_cell(HEADER_BLOCK[index]))
        else:
            row.addElement(TableCell(numbercolumnsrepeated=12))
        table.addElement(row)
    headings = TableRow()
    headings.addElement(TableCell())
    for heading in HEADERS:
        headings.addElement(_text_cell(heading))
    table.addElement(headings)
    blank = TableRow(numberrowsrepeated=1000)
    blank.addElement(TableCell(numbercolumnsrepeated=12))
    table.addElement(blank)
    doc.spreadsheet.addElement(table)
    notes = Table(name="Notes")
    row = TableRow()
    row.addElement(_text_cell("Read the guidance before filling in the schedule."))
    notes.addElement(row)
    doc.spreadsheet.addElement(notes)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()
