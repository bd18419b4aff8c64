"""The printable poster: A4, the point's code, and a QR code that scans to the right link."""

import io

import pypdfium2
import zxingcpp
from django.urls import reverse
from pypdf import PdfReader


def decode_qr_codes(pdf: bytes) -> list[str]:
    """Rasterise the first page the way a printer would and read every QR code on it."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_poster_is_an_a4_pdf_with_the_points_code(client, officer, cafe):
    client.force_login(officer)

    response = client.get(reverse("donations:cash_point_poster", args=[cafe.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="poster-CAFE01.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    assert "CAFE01" in text
    assert "B001" in text
    assert "Corner Café" in text


def test_poster_qr_code_decodes_to_the_donation_page_for_the_point(client, officer, cafe):
    client.force_login(officer)

    pdf = client.get(reverse("donations:cash_point_poster", args=[cafe.pk])).content

    assert decode_qr_codes(pdf) == ["http://testserver/donate/?point=CAFE01"]


def test_each_point_gets_its_own_qr_code(client, officer, cafe, pharmacy):
    client.force_login(officer)

    pdf = client.get(reverse("donations:cash_point_poster", args=[pharmacy.pk])).content

    assert decode_qr_codes(pdf) == [f"http://testserver/donate/?point={pharmacy.public_code}"]


def test_scanning_the_poster_opens_the_donation_page_for_that_point(client, officer, cafe):
    client.force_login(officer)
    [url] = decode_qr_codes(
        client.get(reverse("donations:cash_point_poster", args=[cafe.pk])).content
    )
    client.logout()

    response = client.get(url.removeprefix("http://testserver"))

    assert response.status_code == 200
    assert "You are giving through the collection box at <strong>Corner Café</strong>" in (
        response.content.decode()
    )
