"""HMRC's model declaration wording with its notes, on the donation page and the receipt.

gov.uk "Gift Aid declarations: model forms": after the statement, the donor is asked to
tell the charity if they want to cancel the declaration, change their name or home
address, or no longer pay sufficient tax; higher- and additional-rate taxpayers are told
how to claim the difference. Donors living outside the UK may declare (HMRC's schedule
then takes "X" as the postcode).
"""

from io import BytesIO

from django.urls import reverse
from pypdf import PdfReader

from donations.models.online import GIFT_AID_STATEMENT

NOTES = [
    "want to cancel this declaration",
    "change your name or home address",
    "no longer pay sufficient tax on your income and/or capital gains",
]
HIGHER_RATE = (
    "If you pay Income Tax at the higher or additional rate and want to receive the "
    "additional tax relief due to you, you must include all your Gift Aid donations on your "
    "Self-Assessment tax return or ask HM Revenue and Customs to adjust your tax code."
)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_donation_page_shows_hmrcs_model_wording_and_notes(stripe_world, client):
    page = client.get(reverse("donate")).content.decode()

    assert "Boost your donation by 25p of Gift Aid for every £1 you donate." in page
    assert GIFT_AID_STATEMENT in page
    notes = page.split('data-testid="gift-aid-notes"', 1)[1].split("</div>", 1)[0]
    assert "Please tell us if you:" in notes
    for note in NOTES:
        assert f"<li>{note}</li>" in notes
    assert HIGHER_RATE in notes


def test_the_receipt_carries_the_statement_and_the_notes(
    stripe_world, mailoutbox, django_capture_on_commit_callbacks
):
    donation = stripe_world.give(
        "10",
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
    _name, content, _type = message.attachments[0]
    text = flat(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages))
    assert flat(GIFT_AID_STATEMENT) in text
    assert "Please tell us if you:" in text
    for note in NOTES:
        assert note in text
        assert f"- {note}" in message.body
    assert HIGHER_RATE in text
    assert HIGHER_RATE in flat(message.body)


def test_a_donor_living_abroad_declares_without_a_uk_postcode(stripe_world, client):
    donation = stripe_world.give(
        "10",
        gift_aid="on",
        first_name="Marie",
        last_name="Curie",
        house_name_or_number="12 Rue de Rivoli",
        outside_uk="on",
    )

    declaration = donation.gift_aid
    assert declaration.outside_uk is True
    assert declaration.postcode == "X"


def test_a_uk_donor_still_needs_a_real_postcode(stripe_world, client):
    response = client.post(
        reverse("donate"),
        {
            "attempt": "8d6c3c7e-2b7e-4f43-9a0c-6a9e8d7c1b21",
            "amount_choice": "10",
            "frequency": "one-off",
            "gift_aid": "on",
            "first_name": "Marie",
            "last_name": "Curie",
            "house_name_or_number": "12",
            "postcode": "75001",
        },
    )

    assert response.status_code == 400
    assert "Enter a real UK postcode" in response.content.decode()
