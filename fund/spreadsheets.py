"""Spreadsheet files (CSV, XLSX, ODS) written from plain rows, safe to open.

Every file the project writes for a spreadsheet goes through this module: the auditor's
exports, the admin's django-import-export exports, the dashboards' CSVs and the Gift Aid
schedule. It sits in the lowest app because both ``donations`` and ``audit`` write them.

A row is a sequence of plain values, and the type says what the cell is:

- ``str``: text. Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is what a spreadsheet evaluates as a formula (OWASP, "CSV Injection"), and text
  typed by staff or donors (a host's name, a seal number, a reason) can begin that way.
  In CSV such text is written with a leading single quote; in XLSX and ODS every text is
  written as a string cell, which a spreadsheet shows and never evaluates.
- ``int`` and ``Decimal``: numbers. They never become text, so a negative amount stays a
  number a spreadsheet can add up. Amounts arrive as ``Decimal`` with their places (two for
  money), which also sets the cell's number format.
- ``date`` and ``datetime``: dates (a ``datetime`` is shown in local time).
- ``None``: an empty cell.
"""

import csv
import io
import itertools
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import rustpy_xlsxwriter
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FLUSH_BYTES = 64 * 1024
DATE_FORMAT = "d mmm yyyy"
DATETIME_FORMAT = "d mmm yyyy hh:mm"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text as the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def local_datetime(value: datetime) -> datetime:
    """A moment as a naive local time, the only kind a spreadsheet cell holds."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def csv_value(value) -> str:
    """One cell as CSV text: formula-like text quoted, numbers and dates as plain text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if is_formula_like(value) else value
    if isinstance(value, bool):
        raise TypeError("Write yes/no as text, not a bool, so every format shows the same.")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            return timezone.localtime(value).isoformat(timespec="seconds")
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"No spreadsheet cell for {type(value).__name__}: {value!r}")


def csv_chunks(
    header: Iterable[str], rows: Iterable[Iterable], *, bom: bool = True
) -> Iterator[bytes]:
    """CSV as UTF-8 with a byte-order mark (so Excel reads £ right), in ~64 KB chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow([csv_value(v) for v in header])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
        if buffer.tell() > FLUSH_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def csv_text(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    """A small CSV as one string, without a byte-order mark (the dashboards, the admin)."""
    return b"".join(csv_chunks(header, rows, bom=False)).decode("utf-8")


def write_csv(stream, header: Iterable[str], rows: Iterable[Iterable]) -> int:
    """Write a CSV to a binary stream; return the number of rows after the header."""
    counted = _Counter(rows)
    for chunk in csv_chunks(header, counted):
        stream.write(chunk)
    return counted.count


class _Counter:
    def __init__(self, rows: Iterable):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def number_format(value: Decimal) -> str:
    """A number format showing the places the value has: 1,234.50 for money."""
    places = max(-value.as_tuple().exponent, 0) if value.is_finite() else 0
    return "#,##0" + ("." + "0" * places if places else "")


# --- XLSX -------------------------------------------------------------------------------


def write_xlsx(stream, title: str, header: Iterable[str], rows: Iterable[Iterable]) -> int:
    """A workbook written by rustpy-xlsxwriter in its constant-memory mode.

    Its cells are typed from the values: text is always an inline string cell (never a
    formula), ``int`` and ``Decimal`` numbers (the writer takes ``Decimal`` itself),
    ``date`` and ``datetime`` dates. Each column holds one type (or ``None``), and its
    first row sets its number format (a ``Decimal`` with two places is money,
    ``#,##0.00``) and whether it holds moments to be shown in local time; checking only
    the first row keeps the per-cell work to the writer. The file goes to a temporary
    file first, then is copied to ``stream``.
    """
    header = [str(h) for h in header]
    rows = iter(rows)
    first = next(rows, None)
    formats, moments = {}, []
    for index, (name, value) in enumerate(zip(header, first or (), strict=True)):
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal | date | None):
            raise TypeError(f"No spreadsheet cell for {type(value).__name__}: {value!r}")
        if isinstance(value, datetime):
            formats[name] = rustpy_xlsxwriter.Format().set_num_format(DATETIME_FORMAT)
            moments.append(index)
        elif isinstance(value, Decimal) and value.is_finite():
            formats[name] = rustpy_xlsxwriter.Format().set_num_format(number_format(value))
    count = 0

    # One generator between the rows and the writer, and no per-row test of whether the
    # sheet has moments: this runs once a row, and the writer's own work is most of the rest.
    def plain():
        nonlocal count
        for row in itertools.chain((first,), rows):
            count += 1
            yield dict(zip(header, row, strict=True))

    def in_local_time():
        nonlocal count
        for row in itertools.chain((first,), rows):
            count += 1
            row = list(row)
            for index in moments:
                if row[index] is not None:
                    row[index] = local_datetime(row[index])
            yield dict(zip(header, row, strict=True))

    if first is None:
        records = [dict.fromkeys(header)]
    else:
        records = in_local_time() if moments else plain()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        rustpy_xlsxwriter.write_worksheet(
            records,
            str(path),
            sheet_name=_sheet_title(title),
            bold_headers=True,
            freeze_row=1,
            float_format="#,##0.00",
            datetime_format=DATE_FORMAT,
            column_formats=formats,
        )
        with path.open("rb") as written:
            shutil.copyfileobj(written, stream, FLUSH_BYTES)
    return count


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Sheet1"


# --- ODS --------------------------------------------------------------------------------

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'office:version="1.2"'
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
    ' manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
_ODS_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {_NAMESPACES}>'
    "<office:styles/></office:document-styles>"
)
_DATE_PARTS = (
    '<number:day/><number:text> </number:text><number:month number:textual="true"/>'
    '<number:text> </number:text><number:year number:style="long"/>'
)
_ODS_CONTENT_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_NAMESPACES}>'
    "<office:automatic-styles>"
    f'<number:date-style style:name="Ndate">{_DATE_PARTS}</number:date-style>'
    f'<number:date-style style:name="Ntime">{_DATE_PARTS}<number:text> </number:text>'
    '<number:hours number:style="long"/><number:text>:</number:text>'
    '<number:minutes number:style="long"/></number:date-style>'
    '<style:style style:name="head" style:family="table-cell">'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="date" style:family="table-cell" style:data-style-name="Ndate"/>'
    '<style:style style:name="time" style:family="table-cell" style:data-style-name="Ntime"/>'
    "{number_styles}"
    "</office:automatic-styles><office:body><office:spreadsheet>"
)
_ODS_PLACES = range(0, 5)
_ODS_NUMBER_STYLES = "".join(
    f'<number:number-style style:name="N{places}"><number:number number:decimal-places='
    f'"{places}" number:min-decimal-places="{places}" number:min-integer-digits="1"'
    ' number:grouping="true"/></number:number-style>'
    f'<style:style style:name="num{places}" style:family="table-cell"'
    f' style:data-style-name="N{places}"/>'
    for places in _ODS_PLACES
)
# Characters XML 1.0 cannot carry at all; a spreadsheet would refuse the whole file.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ODS_WHITESPACE = re.compile(r"\t|\r\n|\n|\r|^ +| {2,}")


def _ods_text(text: str) -> str:
    """Text for a ``text:p``, where ODF collapses whitespace unless it is marked up."""

    def markup(match):
        found = match.group()
        if found == "\t":
            return "<text:tab/>"
        if found in ("\r\n", "\n", "\r"):
            return "<text:line-break/>"
        if match.start() == 0:  # leading spaces are dropped unless marked up
            return f'<text:s text:c="{len(found)}"/>'
        return " " + f'<text:s text:c="{len(found) - 1}"/>'

    return _ODS_WHITESPACE.sub(markup, escape(_XML_INVALID.sub("", text)))


# Text with none of these needs no escaping or whitespace markup: the common, fast case.
_ODS_PLAIN = re.compile("[&<>\"'\x00-\x1f\ufffe\uffff]|^ |  ")


def _ods_string(value: str, style: str = "") -> str:
    """A string cell: it holds text, and ODS keeps formulas in another attribute, never here."""
    style_attr = f' table:style-name="{style}"' if style else ""
    if not value:
        return "<table:table-cell/>"
    if not _ODS_PLAIN.search(value):
        return (
            f'<table:table-cell office:value-type="string" office:string-value="{value}"'
            f"{style_attr}><text:p>{value}</text:p></table:table-cell>"
        )
    clean = _XML_INVALID.sub("", value)
    return (
        f'<table:table-cell office:value-type="string"'
        f" office:string-value={quoteattr(clean)}{style_attr}>"
        f"<text:p>{_ods_text(clean)}</text:p></table:table-cell>"
    )


def _ods_decimal(value: Decimal) -> str:
    text = format(value, "f")
    places = min(max(-value.as_tuple().exponent, 0), _ODS_PLACES[-1]) if value.is_finite() else 0
    return (
        f'<table:table-cell office:value-type="float" office:value="{text}"'
        f' table:style-name="num{places}"><text:p>{text}</text:p></table:table-cell>'
    )


def _ods_int(value: int) -> str:
    return (
        f'<table:table-cell office:value-type="float" office:value="{value}"'
        f' table:style-name="num0"><text:p>{value}</text:p></table:table-cell>'
    )


def _ods_datetime(value: datetime) -> str:
    moment = local_datetime(value)
    return (
        f'<table:table-cell office:value-type="date"'
        f' office:date-value="{moment.isoformat()}" table:style-name="time">'
        f"<text:p>{moment:%d %b %Y %H:%M}</text:p></table:table-cell>"
    )


def _ods_date(value: date) -> str:
    return (
        f'<table:table-cell office:value-type="date"'
        f' office:date-value="{value.isoformat()}" table:style-name="date">'
        f"<text:p>{value:%d %b %Y}</text:p></table:table-cell>"
    )


def _ods_empty(value: None) -> str:
    return "<table:table-cell/>"


# One look-up per cell rather than a chain of isinstance checks; a type not listed here
# (a float, a bool) is refused.
_ODS_CELLS = {
    str: _ods_string,
    Decimal: _ods_decimal,
    int: _ods_int,
    datetime: _ods_datetime,
    date: _ods_date,
    type(None): _ods_empty,
}


def _ods_cell(value) -> str:
    try:
        return _ODS_CELLS[type(value)](value)
    except KeyError:
        raise TypeError(f"No spreadsheet cell for {type(value).__name__}: {value!r}") from None


def write_ods(stream, title: str, header: Iterable[str], rows: Iterable[Iterable]) -> int:
    """An OpenDocument spreadsheet, written row by row (memory stays flat).

    The sheet goes to a temporary file first, so the zip knows its size; ``stream`` need
    not be seekable, and nothing already written to it is rewritten (the caller may be
    hashing the bytes as they pass).
    """
    counted = _Counter(rows)
    with tempfile.TemporaryFile() as content:
        parts = [
            _ODS_CONTENT_HEAD.format(number_styles=_ODS_NUMBER_STYLES),
            f"<table:table table:name={quoteattr(_XML_INVALID.sub('', title[:31]))}>",
            "<table:table-row>",
            *(_ods_string(str(v), "head") for v in header),
            "</table:table-row>",
        ]
        for row in counted:
            parts.append("<table:table-row>")
            parts.extend([_ods_cell(v) for v in row])
            parts.append("</table:table-row>")
            if len(parts) > 5_000:
                content.write("".join(parts).encode())
                parts = []
        parts.append("</table:table></office:spreadsheet></office:body>")
        parts.append("</office:document-content>")
        content.write("".join(parts).encode())
        size = content.tell()
        content.seek(0)
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            # ODF: "mimetype" comes first, uncompressed, so the file type can be sniffed.
            archive.writestr(
                zipfile.ZipInfo("mimetype"), ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED
            )
            archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
            archive.writestr("styles.xml", _ODS_STYLES)
            # Zip64 only where the size needs it, for readers that predate it.
            with archive.open("content.xml", "w", force_zip64=size > zipfile.ZIP64_LIMIT) as entry:
                shutil.copyfileobj(content, entry, FLUSH_BYTES)
    return counted.count


def ods_bytes(title: str, header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """A small ODS file in memory (the Gift Aid schedule)."""
    out = io.BytesIO()
    write_ods(out, title, header, rows)
    return out.getvalue()


def xlsx_bytes(title: str, header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, title, header, rows)
    return out.getvalue()


def write_table(file_format: str, stream, *, title: str, header, rows) -> int:
    """Write ``rows`` under ``header`` as a CSV, XLSX or ODS file; return the row count."""
    if file_format == "csv":
        return write_csv(stream, header, rows)
    if file_format == "xlsx":
        return write_xlsx(stream, title, header, rows)
    if file_format == "ods":
        return write_ods(stream, title, header, rows)
    raise ValueError(f"{title} cannot be written as {file_format!r}.")
