"""Email receipts with a PDF, including the Gift Aid statement where one was made."""

from io import BytesIO

from pypdf import PdfReader

from donations.models.online import GIFT_AID_STATEMENT


def pdf_text(attachment) -> str:
    _name, content, _mimetype = attachment
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_receipt_pdf_carries_the_gift_and_the_gift_aid_statement(
    stripe_world, mailoutbox, django_capture_on_commit_callbacks
):
    donation = stripe_world.give(
        "10",
        donor_name="Ada Lovelace",
        donor_email="ada@example.org",
        gift_aid="on",
        first_name="Ada",
        last_name="Lovelace",
        house_name_or_number="12",
        postcode="NE1 6AE",
    )
    with django_capture_on_commit_callbacks(execute=True):
        stripe_world.pay(donation)

    message = mailoutbox[0]
    assert message.to == ["ada@example.org"]
    assert "£10.00" in message.body
    text = " ".join(pdf_text(message.attachments[0]).split())
    assert "£10.00" in text
    assert "Ada Lovelace" in text
    assert donation.reference in text
    assert " ".join(GIFT_AID_STATEMENT.split()[:12]) in text
    assert "Test mode" in text


def test_no_email_no_receipt_and_no_gift_aid_no_statement(
    stripe_world, mailoutbox, django_capture_on_commit_callbacks
):
    anonymous = stripe_world.give("5")
    with django_capture_on_commit_callbacks(execute=True):
        stripe_world.pay(anonymous)
    assert mailoutbox == []

    plain = stripe_world.give("5", donor_email="plain@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        stripe_world.pay(plain)
    assert "Gift Aid" not in pdf_text(mailoutbox[0].attachments[0])
