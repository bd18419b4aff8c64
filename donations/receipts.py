"""Donor receipts: a PDF made with reportlab, sent by email after the payment is recorded."""

import logging
from io import BytesIO

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from donations.models.giftaid import GIFT_AID_HIGHER_RATE, GIFT_AID_NOTES
from donations.models.online import OnlinePayment
from people.tasks import retry_at

CHARITY = "Changing Lives Fund"
logger = logging.getLogger("fund.donations.receipts")


def receipt_number(payment: OnlinePayment) -> str:
    return f"{payment.donation.reference}-{payment.pk:06d}"


def receipt_pdf(payment: OnlinePayment) -> bytes:
    """A one-page receipt: who gave (if they said), what, when, and any Gift Aid statement."""
    buffer = BytesIO()
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Receipt {receipt_number(payment)}",
        author=CHARITY,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    donation = payment.donation
    rows = [
        ["Receipt number", receipt_number(payment)],
        ["Date", payment.paid_on.strftime("%-d %B %Y")],
        ["Amount", f"£{payment.amount.amount:,.2f}"],
        [
            "Gift",
            "Monthly gift" if donation.frequency == donation.Frequency.MONTHLY else "One-off gift",
        ],
    ]
    if donation.donor_name:
        rows.insert(1, ["Received from", donation.donor_name])
    table = Table(rows, colWidths=[45 * mm, 110 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#b1b4b6"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        Paragraph(f"{CHARITY}: receipt for your gift", styles["Title"]),
        Paragraph(
            "Thank you. Your gift pays for practical things that help people move on "
            "from the street: a phone, ID, travel to an interview.",
            styles["BodyText"],
        ),
        Spacer(1, 6 * mm),
        table,
    ]
    if donation.test_mode:
        story += [
            Spacer(1, 4 * mm),
            Paragraph("<b>Test mode: no real money was taken.</b>", styles["BodyText"]),
        ]
    declaration = donation.gift_aid
    if declaration is not None:
        story += [
            Spacer(1, 6 * mm),
            Paragraph("Gift Aid declaration", styles["Heading2"]),
            Paragraph(
                f"On {timezone.localtime(declaration.declared_at).strftime('%-d %B %Y')} "
                f"{declaration.first_name} {declaration.last_name} declared:",
                styles["BodyText"],
            ),
            Paragraph(f"“{declaration.statement}”", styles["BodyText"]),
            Paragraph("Please tell us if you:", styles["BodyText"]),
            *(Paragraph(f"• {note}", styles["BodyText"]) for note in GIFT_AID_NOTES),
            Paragraph(GIFT_AID_HIGHER_RATE, styles["BodyText"]),
        ]
    document.build(story)
    return buffer.getvalue()


def receipt_send(*, payment: OnlinePayment) -> None:
    donation = payment.donation
    if not donation.donor_email:
        return
    body = (
        f"Thank you for your gift of £{payment.amount.amount:,.2f} to the {CHARITY}.\n\n"
        f"Your receipt ({receipt_number(payment)}) is attached.\n"
    )
    if donation.gift_aid_id:
        body += "It includes the Gift Aid declaration you made.\n\nPlease tell us if you:\n"
        body += "".join(f"- {note}\n" for note in GIFT_AID_NOTES)
        body += f"\n{GIFT_AID_HIGHER_RATE}\n"
    if donation.frequency == donation.Frequency.MONTHLY and settings.SITE_URL:
        from django.urls import reverse

        from donations.services.monthly import manage_token

        link = settings.SITE_URL + reverse("donate-manage", args=[manage_token(donation)])
        body += f"\nTo change the amount or cancel your monthly gift: {link}\n"
    if donation.test_mode:
        body += "\nTest mode: no real money was taken.\n"
    message = EmailMessage(
        subject=f"Your receipt from the {CHARITY}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[donation.donor_email],
    )
    message.attach(
        f"receipt-{receipt_number(payment)}.pdf", receipt_pdf(payment), "application/pdf"
    )
    message.send()


# A receipt that cannot be sent (the mail server is down) is tried again with back-off;
# after the last attempt the failure stays in the task table for someone to look at.
MAX_RECEIPT_ATTEMPTS = 8


@task
def receipt_send_task(payment_id: int, attempt: int = 1) -> None:
    """Send a payment's receipt in the background (Django's tasks framework)."""
    payment = OnlinePayment.objects.select_related("donation", "donation__gift_aid").get(
        pk=payment_id
    )
    try:
        receipt_send(payment=payment)
    except Exception:
        # A failed email never touches the gift, which is already recorded.
        logger.exception("Could not send the receipt for online payment %s", payment_id)
        if attempt < MAX_RECEIPT_ATTEMPTS:
            receipt_send_task.using(run_after=retry_at(attempt)).enqueue(payment_id, attempt + 1)
        raise
