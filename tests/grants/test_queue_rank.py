"""The decision queue's stored sort key: set on every save from status and urgency,
backfilled by its migration, and what the queue filters and orders by (so the index on
(queue_rank, submitted_at) can serve it; a CASE in ORDER BY could not)."""

import importlib
from types import SimpleNamespace

from django.apps import apps as global_apps
from django.db import connection

from grants.models import Grant, queue_rank_for
from grants.selectors import decision_queue
from grants.services.decisions import grant_approve, grant_decline, grant_request_info
from grants.services.requests import LineItemData, grant_submit, grant_update
from tests.grants.conftest import make_grant


def test_the_rank_of_every_status_and_urgency():
    ranks = {
        (status, urgency): queue_rank_for(status, urgency)
        for status in Grant.Status.values
        for urgency in Grant.Urgency.values
    }
    assert ranks == {
        ("draft", "today"): 2,
        ("draft", "this_week"): 3,
        ("submitted", "today"): 0,
        ("submitted", "this_week"): 1,
        ("info_requested", "today"): 0,
        ("info_requested", "this_week"): 1,
        ("second_approval", "today"): 0,
        ("second_approval", "this_week"): 1,
        ("approved", "today"): 2,
        ("approved", "this_week"): 3,
        ("declined", "today"): 2,
        ("declined", "this_week"): 3,
        ("paid", "today"): 2,
        ("paid", "this_week"): 3,
        ("receipt_received", "today"): 2,
        ("receipt_received", "this_week"): 3,
        ("closed", "today"): 2,
        ("closed", "this_week"): 3,
        ("withdrawn", "today"): 2,
        ("withdrawn", "this_week"): 3,
        ("cancelled", "today"): 2,
        ("cancelled", "this_week"): 3,
    }


def stored(grant) -> int:
    return Grant.objects.values_list("queue_rank", flat=True).get(pk=grant.pk)


def test_the_services_keep_the_rank_as_the_status_and_urgency_change(kw, officer, funded):
    grant = make_grant(kw, submit=False)
    assert stored(grant) == 3  # a draft is not in the queue
    grant = grant_submit(actor=kw, grant=grant)
    assert stored(grant) == 1
    grant = grant_request_info(actor=officer, grant=grant, note="Which phone?")
    assert stored(grant) == 1  # waiting on the key worker, still in the queue
    grant_update(
        actor=kw,
        grant=grant,
        client_reference="CLT-0042",
        category=grant.category,
        urgency="today",
        own_words="Ring the jobcentre and my sister.",
        why_fund="Nothing else pays for phones.",
        line_items=[LineItemData(description="Smartphone", amount=grant.amount, supplier="Argos")],
    )
    assert stored(grant) == 0  # needed today now
    grant = grant_submit(actor=kw, grant=grant)
    assert stored(grant) == 0
    grant = grant_approve(actor=officer, grant=grant)
    assert stored(grant) == 2  # decided: out of the queue
    declined = grant_decline(
        actor=officer, grant=make_grant(kw, client="CLT-7"), reason="The council pays."
    )
    assert stored(declined) == 3


def test_the_migration_backfills_the_rank_of_every_request(kw, officer, funded):
    urgent = make_grant(kw, client="CLT-1", urgency="today")
    waiting = make_grant(kw, client="CLT-2")
    draft = make_grant(kw, client="CLT-3", submit=False, urgency="today")
    approved = grant_approve(actor=officer, grant=make_grant(kw, client="CLT-4"))
    Grant.objects.update(queue_rank=9)  # as if the column had just been added

    migration = importlib.import_module("grants.migrations.0003_grant_queue_rank")
    migration.backfill(global_apps, SimpleNamespace(connection=connection))

    assert [stored(g) for g in (urgent, waiting, draft, approved)] == [0, 1, 2, 3]
    assert set(Grant.history.values_list("queue_rank", flat=True)) <= {0, 1, 2, 3}


def test_the_queue_filters_and_orders_by_the_stored_rank(kw, officer, funded):
    make_grant(kw, client="CLT-1")
    sql = str(decision_queue().query).upper()
    assert "CASE" not in sql
    assert '"QUEUE_RANK" < 2' in sql.replace("%S", "2")
    assert sql.index("ORDER BY") < sql.index('"QUEUE_RANK" ASC', sql.index("ORDER BY"))
