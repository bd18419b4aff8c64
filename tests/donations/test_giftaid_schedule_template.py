"""HMRC's own schedule template, uploaded once and filled in place.

The template here is a stand-in built like HMRC's (tests/donations/hmrc_template.py); the
real template's cell positions must be confirmed against HMRC's published file.
"""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from odf.namespaces import NUMBERNS
from odf.opendocument import load
from odf.table import Table, TableRow

from donations.exceptions import ScheduleTemplateInvalid
from donations.models.giftaid import GiftAidScheduleTemplate
from donations.schedule import HEADERS
from donations.services.schedule_template import schedule_template_upload
from tests.donations.hmrc_template import hmrc_like_template
from tests.donations.test_giftaid_schedule import claim_of

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes, sheet: str = "R68 Gift Aid schedule") -> list[list[dict]]:
    """The sheet's rows (repeated rows and cells expanded up to 12), each cell's attributes."""
    document = load(io.BytesIO(content))
    (table,) = [
        t for t in document.spreadsheet.getElementsByType(Table) if t.getAttribute("name") == sheet
    ]
    rows = []
    for row in table.getElementsByType(TableRow):
        cells = []
        for cell in row.childNodes:
            repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
            style = cell.getAttribute("stylename") or ""
            described = {
                "type": cell.getAttribute("valuetype") or "",
                "date": cell.getAttribute("datevalue") or "",
                "value": cell.getAttribute("value") or "",
                "text": str(cell),
                "style": style,
            }
            cells.extend([described] * min(repeat, 12))
        rows.extend([cells] * min(int(row.getAttribute("numberrowsrepeated") or 1), 3))
    return rows, document


def _format_part(child) -> str:
    if child.tagName == "number:text":
        return str(child)
    detail = child.attributes.get((NUMBERNS, "style")) or child.attributes.get(
        (NUMBERNS, "decimal-places")
    )
    return f"{child.tagName}({detail})"


def data_style_of(document, cell_style: str) -> str:
    """The date or number format a cell style uses, written out as its parts."""
    for style in document.automaticstyles.childNodes:
        if style.getAttribute("name") == cell_style:
            data_style = style.getAttribute("datastylename")
            break
    else:
        raise AssertionError(f"no cell style {cell_style}")
    for style in document.styles.childNodes:
        if style.getAttribute("name") == data_style:
            return "".join(_format_part(child) for child in style.childNodes)
    raise AssertionError(f"no data style {data_style}")


@pytest.fixture
def template(manager):
    return schedule_template_upload(
        actor=manager, filename="Gift_Aid_schedule__libre_.ods", content=hmrc_like_template()
    )


def test_the_upload_finds_hmrcs_headings(template):
    assert (template.sheet, template.header_row, template.first_column) == (
        "R68 Gift Aid schedule",
        24,
        "B",
    )


def test_a_file_without_hmrcs_headings_is_refused(manager):
    with pytest.raises(ScheduleTemplateInvalid, match="no row has its column headings"):
        schedule_template_upload(actor=manager, filename="x.ods", content=_other_sheet())
    with pytest.raises(ScheduleTemplateInvalid, match="not an ODS spreadsheet"):
        schedule_template_upload(actor=manager, filename="x.ods", content=b"Title,Amount\n")
    assert GiftAidScheduleTemplate.objects.count() == 0


def _other_sheet() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet

    doc = OpenDocumentSpreadsheet()
    doc.spreadsheet.addElement(Table(name="Sheet1"))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def test_the_filled_template_keeps_hmrcs_sheet_and_header_cells_and_types_dates_and_amounts(
    client, officer, public_fund, template
):
    claim = claim_of(
        officer,
        public_fund,
        [
            ({"last_name": "Smith-Jones"}, date(2026, 11, 3), "1234.50"),
            ({"postcode": "ne16ae"}, date(2026, 11, 4), "20.00"),
        ],
    )
    client.force_login(officer)
    response = client.get(reverse("donations:gift-aid-schedule", args=[claim.pk]))
    assert response.status_code == 200
    rows, document = sheet_rows(response.content)

    assert [t.getAttribute("name") for t in document.spreadsheet.getElementsByType(Table)] == [
        "R68 Gift Aid schedule",
        "Notes",
    ]
    original, _ = sheet_rows(hmrc_like_template())
    assert rows[:24] == original[:24]  # the header block and HMRC's headings, untouched
    assert rows[0][1]["text"] == "Gift Aid schedule spreadsheet"
    assert [cell["text"] for cell in rows[23][1:10]] == HEADERS
    first, second = rows[24], rows[25]
    assert first[0]["text"] == ""  # column A stays empty, as in HMRC's layout
    assert [cell["text"] for cell in first[1:8]] == [
        "Dr",
        "Grace",
        "Smith Jones",
        "10",
        "NE1 6AE",
        "",
        "",
    ]
    assert {k: first[8][k] for k in ("type", "date", "text")} == {
        "type": "date",
        "date": "2026-11-03",
        "text": "03/11/26",
    }
    assert {k: first[9][k] for k in ("type", "value", "text")} == {
        "type": "float",
        "value": "1234.50",
        "text": "1234.50",
    }
    assert [second[8]["date"], second[9]["value"], second[5]["text"]] == [
        "2026-11-04",
        "20.00",
        "NE1 6AE",
    ]
    assert data_style_of(document, first[8]["style"]) == (
        "number:day(long)/number:month(long)/number:year(short)"
    )
    assert data_style_of(document, first[9]["style"]) == "number:number(2)"
    assert rows[26][1]["text"] == ""  # HMRC's empty rows follow
    assert "For copying" not in response.content.decode("latin-1")


def test_a_claim_of_1001_donors_makes_two_filled_templates(client, officer, public_fund, template):
    gifts = [({"last_name": f"Donor{n:04d}"}, date(2026, 11, 3), "10.00") for n in range(1001)]
    claim = claim_of(officer, public_fund, gifts)
    client.force_login(officer)
    url = reverse("donations:gift-aid-schedule", args=[claim.pk])

    first, _ = sheet_rows(client.get(url, {"part": "1"}).content)
    second_response = client.get(url, {"part": "2"})
    second, _ = sheet_rows(second_response.content)

    assert second_response["Content-Disposition"] == (
        f'attachment; filename="gift-aid-claim-{claim.pk}-schedule-2-of-2.ods"'
    )
    assert [cell["text"] for cell in second[23][1:10]] == HEADERS
    assert second[24][3]["text"] == "Donor1000"
    assert second[25][3]["text"] == ""
    assert first[24][3]["text"] == "Donor0000"
    assert client.get(url, {"part": "3"}).status_code == 404


def test_the_fallback_without_a_template_is_marked_for_copying(client, officer, public_fund):
    claim = claim_of(officer, public_fund, [({}, date(2026, 11, 3), "5.00")])
    client.force_login(officer)
    response = client.get(reverse("donations:gift-aid-schedule", args=[claim.pk]))
    assert "For copying into HMRC" in str(load(io.BytesIO(response.content)).spreadsheet)


def test_a_manager_uploads_the_template_on_its_page(client, manager, officer):
    client.force_login(manager)
    url = reverse("donations:gift-aid-template")
    upload = SimpleUploadedFile("hmrc.ods", hmrc_like_template())
    response = client.post(url, {"template": upload})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "hmrc.ods" in page
    assert "sheet “R68 Gift Aid schedule”, headings in row 24 from column B" in page
    bad = client.post(url, {"template": SimpleUploadedFile("notes.ods", b"not a spreadsheet")})
    assert bad.status_code == 400
    assert "This file is not an ODS spreadsheet." in bad.content.decode()
    client.force_login(officer)
    assert client.post(url, {"template": SimpleUploadedFile("x.ods", b"")}).status_code == 403
