"""The webhook trusts only Stripe's signature over the exact raw body."""

import json
import time

from django.urls import reverse

from donations.models.online import OnlinePayment, StripeEvent
from fund.models import Entry


def completed_event(stripe_world):
    donation = stripe_world.give("5")
    return stripe_world.double.complete_checkout(donation.stripe_session_id)[0]


def nothing_recorded():
    return (
        not StripeEvent.objects.exists()
        and not OnlinePayment.objects.exists()
        and not Entry.objects.exists()
    )


def test_a_validly_signed_event_is_accepted(stripe_world):
    event = completed_event(stripe_world)
    assert stripe_world.send(event).status_code == 200
    assert StripeEvent.objects.get().stripe_id == event["id"]


def test_a_signature_made_with_the_wrong_secret_is_refused(stripe_world):
    event = completed_event(stripe_world)
    response = stripe_world.send(event, secret="whsec_someone_else")
    assert response.status_code == 400
    assert nothing_recorded()


def test_a_stale_signature_is_refused(stripe_world):
    event = completed_event(stripe_world)
    response = stripe_world.send(event, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert nothing_recorded()


def test_a_request_without_a_signature_is_refused(stripe_world, client):
    event = completed_event(stripe_world)
    response = client.post(
        reverse("stripe-webhook"), data=json.dumps(event), content_type="application/json"
    )
    assert response.status_code == 400
    assert nothing_recorded()


def test_a_reserialised_body_no_longer_matches_its_signature(stripe_world, client):
    event = completed_event(stripe_world)
    payload, header = stripe_world.double.signed(event)
    same_json_other_bytes = json.dumps(json.loads(payload), separators=(",", ":")).encode()
    assert same_json_other_bytes != payload
    response = client.post(
        reverse("stripe-webhook"),
        data=same_json_other_bytes,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 400
    assert nothing_recorded()


def test_a_tampered_amount_is_refused(stripe_world, client):
    event = completed_event(stripe_world)
    payload, header = stripe_world.double.signed(event)
    tampered = payload.replace(b'"amount_total": 500', b'"amount_total": 50000')
    assert tampered != payload
    response = client.post(
        reverse("stripe-webhook"),
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 400
    assert nothing_recorded()


def test_the_webhook_only_accepts_post(client, db):
    assert client.get(reverse("stripe-webhook")).status_code == 405
