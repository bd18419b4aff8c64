"""Events in any order and in an older API version's shape, kept until they match.

Stripe does not promise the order of events, and an endpoint pinned to an API version
before 2025-03-31.basil receives a subscription invoice with ``invoice.subscription`` (and
``subscription_details``) instead of ``parent.subscription_details``. Every event goes
through the real endpoint, signed as Stripe signs it, and the worker processes it.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from devtools.stripe_double.events import OLDER_API_VERSION
from donations.models.online import OnlineDonation, OnlinePayment, StripeEvent
from fund.models import Entry
from tests.donations.stripe_helpers import run_tasks
from tests.donations.test_webhook_events import balances

MONTHLY_FIVE_POUNDS = {"income": "5.00", "fees": "0.28", "stripe": "4.72", "bank": "0.00"}


def _monthly(stripe_world, *, older_shape: bool):
    if older_shape:
        stripe_world.double.set_endpoint_api_version(OLDER_API_VERSION)
    donation = stripe_world.give("5", frequency="monthly")
    completed, invoice_paid = stripe_world.double.complete_checkout(donation.stripe_session_id)
    return donation, completed, invoice_paid


def test_the_older_shape_names_the_subscription_on_the_invoice_itself(stripe_world):
    _donation, _completed, invoice_paid = _monthly(stripe_world, older_shape=True)
    invoice = invoice_paid["data"]["object"]
    assert invoice_paid["api_version"] == "2025-02-24.acacia"
    assert "parent" not in invoice
    assert invoice["subscription"].startswith("sub_")
    assert invoice["payment_intent"].startswith("pi_")


@pytest.mark.parametrize("older_shape", [False, True], ids=["pinned-shape", "older-shape"])
@pytest.mark.parametrize("order", ["forward", "reverse", "duplicated-reverse"])
def test_a_monthly_gift_posts_once_whatever_the_order_and_shape(stripe_world, older_shape, order):
    donation, completed, invoice_paid = _monthly(stripe_world, older_shape=older_shape)
    events = {
        "forward": [completed, invoice_paid],
        "reverse": [invoice_paid, completed],
        "duplicated-reverse": [invoice_paid, invoice_paid, completed, invoice_paid, completed],
    }[order]

    stripe_world.send_all(events)

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert donation.stripe_subscription_id.startswith("sub_")
    assert OnlinePayment.objects.count() == 1
    assert balances(stripe_world.fund) == MONTHLY_FIVE_POUNDS
    assert Entry.objects.count() == 2
    assert set(StripeEvent.objects.values_list("outcome", flat=True)) == {"processed"}
    call_command("verify_ledger")

    # The next month, in the same shape, finds the gift by its subscription.
    stripe_world.send_all(stripe_world.double.charge_next_invoice(donation.stripe_subscription_id))
    assert OnlinePayment.objects.count() == 2
    assert balances(stripe_world.fund) == {
        "income": "10.00",
        "fees": "0.56",
        "stripe": "9.44",
        "bank": "0.00",
    }
    call_command("verify_ledger")


def _without_metadata(invoice_paid: dict) -> dict:
    """An invoice carrying no metadata of ours (a subscription whose metadata was cleared):
    only its subscription, which the gift learns from checkout.session.completed, matches."""
    invoice = invoice_paid["data"]["object"]
    invoice["subscription_details"] = {"metadata": {}}
    return invoice_paid


def test_an_invoice_paid_before_its_checkout_waits_and_runs_when_the_checkout_arrives(
    stripe_world,
):
    donation, completed, invoice_paid = _monthly(stripe_world, older_shape=True)
    stripe_world.send(_without_metadata(invoice_paid))

    waiting = StripeEvent.objects.get(type="invoice.paid")
    assert waiting.outcome == StripeEvent.Outcome.WAITING
    assert waiting.waiting_for == invoice_paid["data"]["object"]["subscription"]
    assert waiting.next_attempt_at is not None  # retried with back-off meanwhile
    assert not Entry.objects.exists()

    stripe_world.send(completed)

    waiting.refresh_from_db()
    assert waiting.outcome == StripeEvent.Outcome.PROCESSED
    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert OnlinePayment.objects.count() == 1
    assert balances(stripe_world.fund) == MONTHLY_FIVE_POUNDS
    call_command("verify_ledger")


def test_a_waiting_event_is_retried_by_the_worker_and_matches_once_the_checkout_runs(
    stripe_world,
):
    donation, completed, invoice_paid = _monthly(stripe_world, older_shape=True)
    stripe_world.send(_without_metadata(invoice_paid))
    # The checkout event is stored but its processing is slow to come.
    stripe_world.send(completed, process=False)
    waiting = StripeEvent.objects.get(type="invoice.paid")
    assert waiting.outcome == StripeEvent.Outcome.WAITING

    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        run_tasks()

    waiting.refresh_from_db()
    assert waiting.outcome == StripeEvent.Outcome.PROCESSED
    assert OnlinePayment.objects.count() == 1
    assert balances(stripe_world.fund) == MONTHLY_FIVE_POUNDS


def test_staff_see_events_unmatched_after_a_day_and_failed_ones_and_can_retry_one(
    stripe_world, client, officer, auditor
):
    _donation, _completed, invoice_paid = _monthly(stripe_world, older_shape=True)
    stripe_world.send(_without_metadata(invoice_paid))
    subscription = invoice_paid["data"]["object"]["subscription"]
    other = stripe_world.give("10")
    failing = stripe_world.double.complete_checkout(other.stripe_session_id)[0]
    stripe_world.double.unavailable = True
    stripe_world.send(failing)
    stripe_world.double.unavailable = False
    url = reverse("donations:stripe-events")

    client.force_login(auditor)
    page = client.get(url).content.decode()
    assert "checkout.session.completed" in page  # failed: shown at once
    assert "Stripe is unavailable just now" in page
    assert "invoice.paid" not in page  # waiting less than a day: not yet
    assert "Retry now" not in page  # auditors read, they do not act

    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=True):
        client.force_login(auditor)  # a new day, a new session
        page = client.get(url).content.decode()
        assert "invoice.paid" in page
        assert f'Waiting for Stripe object <span class="app-hash">{subscription}</span>' in page

        client.force_login(officer)
        failed = StripeEvent.objects.get(stripe_id=failing["id"])
        response = client.post(reverse("donations:stripe-event-retry", args=[failed.pk]))
        assert response.status_code == 302
        run_tasks()

    failed.refresh_from_db()
    assert failed.outcome == StripeEvent.Outcome.PROCESSED
    other.refresh_from_db()
    assert other.status == OnlineDonation.Status.PAID
    assert stripe_world.send(failing).status_code == 200  # a late redelivery changes nothing
    assert OnlinePayment.objects.count() == 1

    response = client.post(reverse("donations:stripe-event-retry", args=[failed.pk]))
    assert response.status_code == 302
    assert "already processed" in client.get(url).content.decode()
