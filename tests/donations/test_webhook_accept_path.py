"""The webhook's accept path stays cheap (issue 15: 200 events a second at p95 under 50 ms).

What it must still do: check the signature over the raw body, store each event once by its
id with its processing queued in the same transaction, and refuse what is not an event.
"""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from devtools.stripe_double.events import sign_payload
from donations.models.online import StripeEvent

CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def statements(queries) -> list[str]:
    """The SQL of a request, without transaction control (which differs between databases)."""
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(CONTROL)]


def completed_event(stripe_world):
    donation = stripe_world.give("5")
    return stripe_world.double.complete_checkout(donation.stripe_session_id)[0]


def post(client, payload: bytes, header: str):
    return client.post(
        reverse("stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


def test_a_new_event_costs_two_inserts_and_nothing_else(stripe_world, client):
    event = completed_event(stripe_world)
    payload, header = stripe_world.double.signed(event)
    with CaptureQueriesContext(connection) as queries:
        response = post(client, payload, header)
    assert response.status_code == 200
    sql = statements(queries)
    assert len(sql) == 2, sql
    assert sql[0].startswith('INSERT INTO "donations_stripeevent"')
    assert sql[1].startswith('INSERT INTO "django_tasks_database_dbtaskresult"')
    stored = StripeEvent.objects.get()
    assert (stored.stripe_id, stored.type, stored.outcome) == (
        event["id"],
        "checkout.session.completed",
        "received",
    )
    assert stored.payload == json.loads(payload)
    task = DBTaskResult.objects.get()
    assert (task.status, task.args_kwargs["args"]) == ("READY", [stored.pk])


def test_a_repeated_delivery_is_accepted_and_stored_once(stripe_world, client):
    event = completed_event(stripe_world)
    payload, header = stripe_world.double.signed(event)
    assert post(client, payload, header).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = post(client, payload, header)
    assert response.status_code == 200
    sql = statements(queries)
    # The insert the unique id refuses, then the read of the row stored the first time.
    assert len(sql) == 2, sql
    assert sql[0].startswith('INSERT INTO "donations_stripeevent"')
    assert sql[1].startswith('SELECT "donations_stripeevent"')
    assert StripeEvent.objects.filter(stripe_id=event["id"]).count() == 1
    assert DBTaskResult.objects.count() == 1


def test_a_signed_body_that_is_not_an_event_is_refused(stripe_world, client, settings):
    shaped = '{"object": "%s", "id": "evt_1", "type": "charge.refunded", "created": %s, "data": {}}'
    for body in (
        b"[1, 2]",
        b'{"object": "charge", "id": "ch_1"}',
        b'"evt_1"',
        # Shaped like an event in every other way: each fails one check alone.
        (shaped % ("charge", "1765000000")).encode(),
        (shaped % ("v2.core.event", "1765000000")).encode(),
        (shaped % ("event", "true")).encode(),
        (shaped % ("event", "1765000000.5")).encode(),
    ):
        response = post(client, body, sign_payload(body, settings.STRIPE_WEBHOOK_SECRET))
        assert response.status_code == 400, body
    assert not StripeEvent.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_body_that_is_not_utf8_or_json_is_refused(stripe_world, client, settings):
    for body in (b"\xff\xfe not text", b"{not json"):
        response = post(client, body, sign_payload(body, settings.STRIPE_WEBHOOK_SECRET))
        assert response.status_code == 400, body
    assert not StripeEvent.objects.exists()


def test_a_bad_signature_is_refused_before_any_sql(stripe_world, client):
    event = completed_event(stripe_world)
    payload, header = stripe_world.double.signed(event, secret="whsec_someone_else")
    with CaptureQueriesContext(connection) as queries:
        response = post(client, payload, header)
    assert response.status_code == 400
    assert statements(queries) == []
    assert not StripeEvent.objects.exists()
