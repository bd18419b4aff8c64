"""Donors manage their monthly gift in Stripe's customer portal; staff can cancel one.

Every event goes through the real endpoint, signed as Stripe signs it.
"""

import re

import pytest
from django.core import signing
from django.core.management import call_command
from django.urls import reverse

from donations.models.online import OnlineDonation, OnlinePayment
from donations.services.monthly import manage_token
from tests.donations.stripe_helpers import run_tasks

pytestmark = pytest.mark.django_db


def _monthly(stripe_world, amount="10", **fields) -> OnlineDonation:
    donation = stripe_world.give(amount, frequency="monthly", **fields)
    stripe_world.pay(donation)
    donation.refresh_from_db()
    return donation


def _portal_session(stripe_world, donation):
    """The donor follows the link on the thank-you page; returns the portal session."""
    page = stripe_world.client.get(reverse("donate-thank-you", args=[donation.public_id]))
    link = re.search(r'href="(/donate/manage/[^"]+)"', page.content.decode()).group(1)
    response = stripe_world.client.get(link)
    assert response.status_code == 303
    session_id = response["Location"].rsplit("/", 1)[1]
    assert response["Location"] == f"{stripe_world.double.base_url}/portal/{session_id}"
    return stripe_world.double.get(session_id, "billing_portal.session")


def test_the_thank_you_link_opens_a_new_portal_session_for_that_donor(stripe_world):
    donation = _monthly(stripe_world)
    assert donation.stripe_customer_id.startswith("cus_")

    first = _portal_session(stripe_world, donation)
    second = _portal_session(stripe_world, donation)

    assert first["id"] != second["id"]  # made on demand each time, never stored
    assert first["customer"] == donation.stripe_customer_id
    assert first["return_url"] == (f"http://testserver/donate/thank-you/{donation.public_id}/")
    posts = [r for r in stripe_world.double.requests if r[1] == "/v1/billing_portal/sessions"]
    assert len(posts) == 2


def test_the_link_is_signed_for_one_gift(stripe_world):
    donation = _monthly(stripe_world)
    token = manage_token(donation)
    assert str(donation.public_id) not in token
    assert manage_token(donation) == token  # the e-mail's link and the page's agree
    other_salt = signing.Signer(salt="another.purpose").sign_object(str(donation.public_id))
    assert stripe_world.client.get(reverse("donate-manage", args=[other_salt])).status_code == 404
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    client = stripe_world.client
    assert client.get(reverse("donate-manage", args=[tampered])).status_code == 404
    guessed = reverse("donate-manage", args=[str(donation.public_id)])
    assert client.get(guessed).status_code == 404
    one_off = stripe_world.give("5")
    assert client.get(reverse("donate-manage", args=[manage_token(one_off)])).status_code == 404


def test_the_receipt_links_to_the_portal(
    stripe_world, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://give.example.org"
    donation = stripe_world.give("10", frequency="monthly", donor_email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        stripe_world.pay(donation)
        run_tasks()
    (message,) = mailoutbox
    link = f"https://give.example.org/donate/manage/{manage_token(donation)}/"
    assert f"To change the amount or cancel your monthly gift: {link}" in message.body


def test_a_donor_changes_the_amount_in_the_portal(stripe_world):
    donation = _monthly(stripe_world, "10")
    session = _portal_session(stripe_world, donation)

    events = stripe_world.double.portal_change_amount(
        session["id"], donation.stripe_subscription_id, 1500
    )
    assert [e["type"] for e in events] == ["customer.subscription.updated"]
    stripe_world.send_all(events + events)

    donation.refresh_from_db()
    assert str(donation.amount.amount) == "15.00"
    notes = [e.note for e in donation.events.all()]
    assert notes.count("Monthly amount changed from £10.00 to £15.00") == 1

    stripe_world.send_all(stripe_world.double.charge_next_invoice(donation.stripe_subscription_id))
    amounts = [str(p.amount.amount) for p in OnlinePayment.objects.order_by("id")]
    assert amounts == ["10.00", "15.00"]
    call_command("verify_ledger")


def test_a_donor_cancels_in_the_portal_and_staff_see_it(stripe_world, officer):
    donation = _monthly(stripe_world)
    session = _portal_session(stripe_world, donation)

    events = stripe_world.double.portal_cancel(session["id"], donation.stripe_subscription_id)
    assert [e["type"] for e in events] == ["customer.subscription.deleted"]
    stripe_world.send_all(events + events)

    donation.refresh_from_db()
    assert donation.cancelled_at is not None
    assert donation.cancel_reason == "Cancelled by the donor in Stripe's customer portal"
    assert [e.note for e in donation.events.all()].count(
        "Monthly gift cancelled: Cancelled by the donor in Stripe's customer portal"
    ) == 1
    stripe_world.client.force_login(officer)
    page = stripe_world.client.get(reverse("donations:online-detail", args=[donation.pk]))
    text = page.content.decode()
    assert "Cancelled</strong>" in text
    assert "Cancel the monthly gift</button>" not in text
    thanks = stripe_world.client.get(reverse("donate-thank-you", args=[donation.public_id]))
    assert "Your monthly gift is cancelled" in thanks.content.decode()
    call_command("verify_ledger")


def test_a_cancel_that_arrives_before_its_checkout_is_kept(stripe_world):
    donation = stripe_world.give("10", frequency="monthly")
    completed = stripe_world.double.complete_checkout(donation.stripe_session_id)
    subscription_id = completed[0]["data"]["object"]["subscription"]
    customer = completed[0]["data"]["object"]["customer"]
    portal = stripe_world.double.create_portal_session({"customer": customer})
    cancelled = stripe_world.double.portal_cancel(portal["id"], subscription_id)

    # The subscription's metadata names the gift, so the cancel is recorded at once.
    stripe_world.send_all(cancelled)
    donation.refresh_from_db()
    assert donation.cancelled_at is not None

    stripe_world.send_all(list(reversed(completed)))
    donation.refresh_from_db()
    assert donation.cancelled_at is not None
    assert donation.status == "paid"
    assert OnlinePayment.objects.count() == 1
    call_command("verify_ledger")


def test_staff_cancel_a_monthly_gift_with_a_reason(stripe_world, officer):
    donation = _monthly(stripe_world)
    client = stripe_world.client
    client.force_login(officer)
    url = reverse("donations:monthly-cancel", args=[donation.pk])

    refused = client.post(url, {"reason": "  "}, follow=True)
    assert "Say why the monthly gift is being cancelled" in refused.content.decode()
    donation.refresh_from_db()
    assert donation.cancelled_at is None

    response = client.post(url, {"reason": "Donor phoned: moving abroad"}, follow=True)
    assert f"{donation.reference}: the monthly gift is cancelled." in response.content.decode()
    donation.refresh_from_db()
    assert donation.cancel_reason == "Donor phoned: moving abroad"
    subscription = stripe_world.double.get(donation.stripe_subscription_id)
    assert subscription["status"] == "canceled"
    assert subscription["cancellation_details"]["comment"] == "Donor phoned: moving abroad"

    # Stripe's event for the cancel arrives afterwards and changes nothing.
    (deleted,) = [
        e for e in stripe_world.double.events if e["type"] == "customer.subscription.deleted"
    ]
    stripe_world.send_all([deleted])
    donation.refresh_from_db()
    assert [e.note for e in donation.events.all()].count(
        "Monthly gift cancelled: Donor phoned: moving abroad"
    ) == 1

    again = client.post(url, {"reason": "twice"}, follow=True)
    assert f"{donation.reference} was already cancelled." in again.content.decode()


def test_amount_changes_delivered_in_reverse_order_leave_the_latest_amount(stripe_world):
    donation = _monthly(stripe_world, "10")
    session = _portal_session(stripe_world, donation)
    double, subscription = stripe_world.double, donation.stripe_subscription_id
    to_15 = double.portal_change_amount(session["id"], subscription, 1500)
    to_20 = double.portal_change_amount(session["id"], subscription, 2000)

    stripe_world.send_all(to_20 + to_15 + to_20)

    donation.refresh_from_db()
    assert str(donation.amount.amount) == "20.00"
    notes = [e.note for e in donation.events.all() if e.note.startswith("Monthly amount")]
    assert notes == ["Monthly amount changed from £10.00 to £20.00"]
