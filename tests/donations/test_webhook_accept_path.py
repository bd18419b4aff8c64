"""The webhook's accept path stays cheap (issue 15: 200 events a second at p95 under 50 ms).

What it must still do: check the signature over the raw body, store each event once by its
id with its processing queued with it (one statement on PostgreSQL, one transaction
elsewhere), and refuse what is not an event.
"""

import json
from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from djmoney.money import Money

from devtools.stripe_double.events import sign_payload
from donations.models.online import OnlinePayment, StripeEvent
from donations.tasks import stripe_event_task

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


def test_a_new_event_costs_its_two_inserts_and_nothing_else(stripe_world, client):
    event = completed_event(stripe_world)
    payload, header = stripe_world.double.signed(event)
    with CaptureQueriesContext(connection) as queries:
        response = post(client, payload, header)
    assert response.status_code == 200
    sql = statements(queries)
    if connection.vendor == "postgresql":
        # Both rows in one statement: the task only if the event's insert returned its id.
        assert len(sql) == 1, sql
        assert sql[0].startswith('WITH event AS (INSERT INTO "donations_stripeevent"')
        assert 'ON CONFLICT ("stripe_id") DO NOTHING' in sql[0]
        assert 'INSERT INTO "django_tasks_database_dbtaskresult"' in sql[0]
    else:
        assert len(sql) == 2, sql
        assert sql[0].startswith('INSERT INTO "donations_stripeevent"')
        assert sql[1].startswith('INSERT INTO "django_tasks_database_dbtaskresult"')
    stored = StripeEvent.objects.get()
    assert (stored.stripe_id, stored.type, stored.outcome, stored.attempts) == (
        event["id"],
        "checkout.session.completed",
        "received",
        0,
    )
    assert stored.payload == json.loads(payload)
    assert stored.api_version == event["api_version"] != ""
    task = DBTaskResult.objects.get()
    assert (task.status, task.args_kwargs) == ("READY", {"args": [stored.pk], "kwargs": {}})


def test_the_queued_task_is_the_row_enqueue_writes(stripe_world, client):
    """The one-statement insert writes what ``stripe_event_task.enqueue`` would: the same
    columns and values but for its own id, time and argument."""
    event = completed_event(stripe_world)
    assert post(client, *stripe_world.double.signed(event)).status_code == 200
    stored = StripeEvent.objects.get()
    queued = DBTaskResult.objects.get()
    by_enqueue = DBTaskResult.objects.get(pk=stripe_event_task.enqueue(stored.pk).id)
    differ = {"id", "enqueued_at"}
    columns = [f.attname for f in DBTaskResult._meta.concrete_fields if f.attname not in differ]
    assert {c: getattr(queued, c) for c in columns} == {c: getattr(by_enqueue, c) for c in columns}
    assert queued.task_path == "donations.tasks.stripe_event_task"
    assert queued.run_after == datetime(9999, 1, 1, tzinfo=UTC)  # "run as soon as you can"
    assert queued.id != by_enqueue.id
    assert queued.enqueued_at <= by_enqueue.enqueued_at


def test_the_queued_task_processes_the_event(stripe_world, client):
    event = completed_event(stripe_world)
    assert post(client, *stripe_world.double.signed(event)).status_code == 200
    queued = DBTaskResult.objects.get()
    assert queued.task.call(*queued.args_kwargs["args"]) == "processed"
    assert StripeEvent.objects.get().outcome == "processed"
    assert OnlinePayment.objects.get().amount == Money("5.00", "GBP")


def test_a_repeated_delivery_is_accepted_and_stored_once(stripe_world, client):
    event = completed_event(stripe_world)
    payload, header = stripe_world.double.signed(event)
    assert post(client, payload, header).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = post(client, payload, header)
    assert response.status_code == 200
    sql = statements(queries)
    # The insert the unique id turns away, then the read of the row stored the first time.
    assert len(sql) == 2, sql
    if connection.vendor == "postgresql":
        assert sql[0].startswith('WITH event AS (INSERT INTO "donations_stripeevent"')
    else:
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
