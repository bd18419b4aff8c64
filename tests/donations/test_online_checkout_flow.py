"""A one-off gift end to end: the donation page, Stripe Checkout, the webhook, the ledger."""

from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from donations.models.online import OnlineDonation, OnlinePayment, StripeEvent
from fund.models import Entry
from tests.donations.stripe_helpers import gbp_balance


def test_a_paid_checkout_records_the_gift_and_its_fee_separately(
    stripe_world, django_capture_on_commit_callbacks
):
    donation = stripe_world.give("5", donor_email="donor@example.org")

    assert donation.status == OnlineDonation.Status.CREATED
    assert Entry.objects.count() == 0  # nothing is recorded from the browser
    with django_capture_on_commit_callbacks(execute=True):
        stripe_world.pay(donation)

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    payment = OnlinePayment.objects.get(donation=donation)
    assert str(payment.amount.amount) == "5.00"
    assert str(payment.fee.amount) == "0.28"  # 1.5% + 20p, from the balance transaction
    assert gbp_balance("income:donations:online", stripe_world.fund) == "5.00"
    assert gbp_balance("expenses:fees", stripe_world.fund) == "0.28"
    assert gbp_balance("assets:stripe", stripe_world.fund) == "4.72"
    assert Entry.objects.count() == 2  # gross gift and fee, posted separately
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    call_command("verify_ledger")


def test_replayed_webhook_posts_nothing(stripe_world):
    donation = stripe_world.give("10")
    events = stripe_world.pay(donation)

    for _ in range(3):
        assert stripe_world.send(events[0]).status_code == 200

    assert OnlinePayment.objects.count() == 1
    assert Entry.objects.count() == 2
    assert StripeEvent.objects.filter(stripe_id=events[0]["id"]).count() == 1


def test_thank_you_page_says_confirming_until_the_webhook_arrives(stripe_world, client):
    donation = stripe_world.give("25")
    url = reverse("donate-thank-you", args=[donation.public_id])

    assert "We are confirming your gift" in client.get(url).content.decode()
    stripe_world.pay(donation)
    page = client.get(url).content.decode()
    assert "Thank you" in page
    assert "£25.00" in page
    assert "Test mode" in page
