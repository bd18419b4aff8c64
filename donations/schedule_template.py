"""HMRC's own Gift Aid schedule template, filled in place.

A manager uploads HMRC's published schedule spreadsheet (ODS) once. Each schedule part is
that file with the claim's lines written below HMRC's column headings ("Title", "First
name or initial", ... "Amount"), found wherever they are in the sheet: the sheet, its
name, the header block above the headings, column widths, styles and validation are kept;
only the cells of the lines are written. Dates are date cells and amounts number cells;
a cell the template has already formatted keeps HMRC's format, an unformatted one is given
DD/MM/YY or 2 decimal places (no £).

The positions are found, not assumed, because HMRC revise the template. The real
template's cell positions have not been checked here (it cannot be downloaded in this
environment); the test fixture mimics its structure.
"""

import io
from dataclasses import dataclass

from odf.element import Element, Text
from odf.namespaces import OFFICENS, TABLENS
from odf.opendocument import load
from odf.table import CoveredTableCell, Table, TableCell, TableRow
from odf.teletype import extractText
from odf.text import P

from donations.schedule import HEADERS, ScheduleRow, cell_styles

MAX_SCAN_ROWS = 200
_VALUE_ATTRIBUTES = ("value-type", "value", "date-value", "string-value", "boolean-value")
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


class TemplateNotRecognised(ValueError):
    """The file is not an ODS spreadsheet with HMRC's schedule headings."""


@dataclass(frozen=True)
class TemplateLayout:
    sheet: str
    header_row: int  # 0-based row of the headings, counting repeated rows
    first_column: int  # 0-based column of "Title"


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _repeat(element, attribute: str) -> int:
    return int(element.attributes.get((TABLENS, attribute), "1"))


def _cells(row) -> list:
    return [c for c in row.childNodes if c.qname in (TableCell().qname, CoveredTableCell().qname)]


def _row_texts(row, limit: int = 64) -> list[str]:
    texts: list[str] = []
    for cell in _cells(row):
        text = extractText(cell)
        texts.extend([text] * min(_repeat(cell, "number-columns-repeated"), limit))
        if len(texts) >= limit:
            break
    return texts


def _heading_at(texts: list[str]) -> int | None:
    wanted = [_norm(h) for h in HEADERS]
    normal = [_norm(t) for t in texts]
    for start in range(len(normal) - len(wanted) + 1):
        if normal[start : start + len(wanted)] == wanted:
            return start
    return None


def _rows(table) -> list:
    return table.getElementsByType(TableRow)


def _find(doc):
    for table in doc.spreadsheet.getElementsByType(Table):
        index = 0
        for row in _rows(table)[:MAX_SCAN_ROWS]:
            column = _heading_at(_row_texts(row))
            if column is not None:
                return table, row, TemplateLayout(str(table.getAttribute("name")), index, column)
            index += _repeat(row, "number-rows-repeated")
    raise TemplateNotRecognised(
        "This is not HMRC's Gift Aid schedule: no row has its column headings ("
        + ", ".join(HEADERS)
        + ")."
    )


def _open(content: bytes):
    try:
        return load(io.BytesIO(content))
    except Exception as error:  # odfpy raises zip, XML and key errors alike
        raise TemplateNotRecognised("This file is not an ODS spreadsheet.") from error


def template_layout(content: bytes) -> TemplateLayout:
    """Where HMRC's headings are in the uploaded template; refuses anything else."""
    _table, _row, layout = _find(_open(content))
    return layout


def _clone(node):
    if node.nodeType == node.TEXT_NODE:
        return Text(node.data)
    copy = Element(qname=node.qname, qattributes=dict(node.attributes), check_grammar=False)
    for child in node.childNodes:
        copy.appendChild(_clone(child))
    return copy


def _split_off_one(element, attribute: str):
    """``element`` repeated n times becomes one copy (returned) followed by n - 1."""
    count = _repeat(element, attribute)
    if count == 1:
        return element
    single = _clone(element)
    single.attributes.pop((TABLENS, attribute), None)
    if count == 2:
        element.attributes.pop((TABLENS, attribute), None)
    else:
        element.attributes[(TABLENS, attribute)] = str(count - 1)
    element.parentNode.insertBefore(single, element)
    return single


def _cell_at(row, column: int):
    position = 0
    for cell in _cells(row):
        span = _repeat(cell, "number-columns-repeated")
        if position + span > column:
            # Split the run so that ``column`` is a cell of its own.
            while position < column:
                _split_off_one(cell, "number-columns-repeated")
                position += 1
            return _split_off_one(cell, "number-columns-repeated")
        position += span
    while True:
        cell = TableCell()
        row.appendChild(cell)
        if position == column:
            return cell
        position += 1


def _write(cell, *, value_type: str, text: str, value: str | None = None, style=None) -> None:
    for name in _VALUE_ATTRIBUTES:
        cell.attributes.pop((OFFICENS, name), None)
    cell.attributes.pop((_CALCEXT, "value-type"), None)
    cell.attributes.pop((TABLENS, "formula"), None)
    for child in list(cell.childNodes):
        cell.removeChild(child)
    if not text:
        return
    cell.attributes[(OFFICENS, "value-type")] = value_type
    if value_type == "date":
        cell.attributes[(OFFICENS, "date-value")] = value
    elif value_type == "float":
        cell.attributes[(OFFICENS, "value")] = value
    if style is not None and (TABLENS, "style-name") not in cell.attributes:
        cell.attributes[(TABLENS, "style-name")] = style.getAttribute("name")
    cell.addElement(P(text=text))


def _next_row(header_row, previous):
    """The template's row below ``previous`` (one of a repeated run), or a new one."""
    following = previous.nextSibling
    while following is not None and following.qname != header_row.qname:
        following = following.nextSibling
    if following is None:
        following = TableRow()
        previous.parentNode.appendChild(following)
    return _split_off_one(following, "number-rows-repeated")


def template_fill(content: bytes, rows: list[ScheduleRow]) -> bytes:
    """HMRC's template with ``rows`` written below its headings, everything else kept."""
    doc = _open(content)
    _table, header_row, layout = _find(doc)
    date_style, amount_style = cell_styles(doc)
    previous = _split_off_one(header_row, "number-rows-repeated")
    for schedule_row in rows:
        line = _next_row(header_row, previous)
        shown = schedule_row.shown()
        for offset, text in enumerate(shown[:7]):
            _write(_cell_at(line, layout.first_column + offset), value_type="string", text=text)
        _write(
            _cell_at(line, layout.first_column + 7),
            value_type="date",
            text=shown[7],
            value=schedule_row.day.isoformat(),
            style=date_style,
        )
        _write(
            _cell_at(line, layout.first_column + 8),
            value_type="float",
            text=shown[8],
            value=shown[8],
            style=amount_style,
        )
        previous = line
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()
