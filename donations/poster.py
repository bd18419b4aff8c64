"""The printable A4 poster for a collection point: the fund's message and a QR code.

The QR code links to the online donation page with the point's public code, so a gift
made by scanning the poster is attributed to the point that displayed it.
"""

from io import BytesIO
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.urls import reverse
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from donations.models import CollectionPoint

QR_SIZE = 9 * cm

INK = colors.HexColor("#0b0c0c")
BRAND = colors.HexColor("#1d70b8")


def donate_path(point: CollectionPoint) -> str:
    """The public donation page with ``point`` set to the point's code, for attribution."""
    return f"{reverse('donate')}?{urlencode({'point': point.public_code})}"


def _style(name: str, size: float, *, bold: bool = False, color=INK, space_after: float = 8):
    return ParagraphStyle(
        name,
        fontName="Helvetica-Bold" if bold else "Helvetica",
        fontSize=size,
        leading=size * 1.25,
        alignment=TA_CENTER,
        textColor=color,
        spaceAfter=space_after,
    )


def qr_drawing(url: str, size: float = QR_SIZE) -> Drawing:
    """A QR code for ``url`` scaled to ``size`` points square (error correction level M)."""
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    drawing.hAlign = "CENTER"
    return drawing


def poster_pdf(point: CollectionPoint, *, donate_url: str) -> bytes:
    """Render the A4 poster for ``point``; ``donate_url`` is the absolute link to encode."""
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=1.5 * cm,
        title=f"Changing Lives Fund poster, collection point {point.public_code}",
        author="Changing Lives Fund",
        subject=f"Collection point {point.public_code}",
    )
    host = escape(point.host_name)
    story = [
        Paragraph("Changing Lives Fund", _style("brand", 20, bold=True, color=BRAND)),
        Paragraph(
            "Give to change a life, not to keep someone on the street",
            _style("title", 28, bold=True, space_after=14),
        ),
        Paragraph(
            "Key workers who know each person use the fund, within days, to remove a "
            "practical barrier: a phone, ID documents, clothes for an interview, furniture "
            "for a first home. The item is bought for the person; no cash is handed over.",
            _style("body", 13, space_after=16),
        ),
        Spacer(1, 0.6 * cm),
        qr_drawing(donate_url),
        Spacer(1, 0.6 * cm),
        Paragraph("Scan to give online", _style("scan", 18, bold=True, space_after=4)),
        Paragraph(escape(donate_url), _style("url", 11, space_after=16)),
        Paragraph(
            f"Or put your spare change in the sealed box here at {host}.",
            _style("box", 14, space_after=10),
        ),
        Paragraph(
            f"Collection point code <b>{escape(point.public_code)}</b> &middot; "
            f"Box number <b>{escape(point.box_number)}</b>",
            _style("code", 14, space_after=10),
        ),
        Paragraph(
            "Every box is numbered and sealed, counted by two people and banked promptly. "
            "If the seal on this box looks broken, please tell the staff here.",
            _style("small", 10, color=colors.HexColor("#505a5f")),
        ),
    ]
    document.build(story)
    return buffer.getvalue()
