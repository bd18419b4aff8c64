"""The same event delivered several times at once is stored once and records one gift."""

import threading

from django.db import connection
from django.test import Client
from django.urls import reverse

from donations.models.online import OnlinePayment, StripeEvent
from fund.models import Entry
from tests.donations.stripe_helpers import run_tasks


def test_same_completed_event_delivered_five_times_concurrently_posts_once(
    committing_db, stripe_world
):
    donation = stripe_world.give("10")
    event = stripe_world.double.complete_checkout(donation.stripe_session_id)[0]
    payload, header = stripe_world.double.signed(event)
    start = threading.Barrier(5)
    statuses = []

    def deliver():
        try:
            start.wait(timeout=10)
            response = Client().post(
                reverse("stripe-webhook"),
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 5
    assert StripeEvent.objects.count() == 1
    run_tasks()
    assert OnlinePayment.objects.count() == 1
    assert Entry.objects.filter(idempotency_key__startswith="stripe:gift:").count() == 1
    assert Entry.objects.count() == 2
