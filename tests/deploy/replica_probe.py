"""Run by tests/deploy/test_replica.py in a process of its own, with DATABASE_URL naming a
private primary and REPLICA_DATABASE_URL its streaming replica (settings add the router only
then). Prints one JSON object of what it saw."""

import json
import sys
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import tests.conftest  # noqa: E402, F401  (force_login records both factors)
from fund.models import Entry  # noqa: E402
from tests.fund.helpers import post  # noqa: E402

settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
auditor_name, officer_name, fund_code = sys.argv[1:4]
User = django.contrib.auth.get_user_model()


def fund_queries(captured):
    return [q["sql"] for q in captured.captured_queries if '"fund_' in q["sql"]]


def dashboard(client):
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/audit/dashboard/")
    return response, fund_queries(on_replica), fund_queries(on_primary)


client = Client()
client.force_login(User.objects.get(username=auditor_name))
first, first_replica, first_primary = dashboard(client)

with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_is_in_recovery()")
    in_recovery = cursor.fetchone()[0]
    cursor.execute("SELECT pg_wal_replay_pause()")

from fund.models import Fund  # noqa: E402

officer = User.objects.get(username=officer_name)
fund = Fund.objects.get(code=fund_code)
posted = post(officer, fund, "assets:bank", "income:donations:boxes", "9.99", memo="while paused")
entries_on_primary = Entry.objects.using("default").count()
entries_on_replica_paused = Entry.objects.using("replica").count()
paused, _, _ = dashboard(client)
# An export while the replica lags: read from it, at one snapshot of it; its manifest is
# written to the primary.
with (
    CaptureQueriesContext(connections["replica"]) as export_on_replica,
    CaptureQueriesContext(connections["default"]) as export_on_primary,
):
    export = client.get("/audit/exports/download/", {"export": "bank_reconciliation:csv"})
export_csv = b"".join(export.streaming_content).decode()

with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_wal_replay_resume()")
deadline = time.monotonic() + 30
while Entry.objects.using("replica").count() < entries_on_primary and time.monotonic() < deadline:
    time.sleep(0.1)
entries_on_replica_resumed = Entry.objects.using("replica").count()
resumed, _, _ = dashboard(client)

replica_refuses_writes = False
try:
    with connections["replica"].cursor() as cursor:
        cursor.execute("CREATE TABLE must_not_exist (id int)")
except django.db.Error as error:
    replica_refuses_writes = "read-only" in str(error)

print(
    json.dumps(
        {
            "status": first.status_code,
            "replica_in_recovery": in_recovery,
            "dashboard_fund_queries_on_replica": len(first_replica),
            "dashboard_fund_queries_on_primary": len(first_primary),
            "entries_on_primary": entries_on_primary,
            "entries_on_replica_paused": entries_on_replica_paused,
            "entries_on_replica_resumed": entries_on_replica_resumed,
            "paused_page": paused.content.decode(),
            "resumed_page": resumed.content.decode(),
            "replica_refuses_writes": replica_refuses_writes,
            "export_status": export.status_code,
            "export_csv": export_csv,
            "export_fund_queries_on_replica": len(fund_queries(export_on_replica)),
            "export_fund_queries_on_primary": len(fund_queries(export_on_primary)),
            "export_snapshot_on_replica": any(
                "REPEATABLE READ" in q["sql"] for q in export_on_replica.captured_queries
            ),
            "export_manifest_on_primary": any(
                'INSERT INTO "audit_exportmanifest"' in q["sql"]
                for q in export_on_primary.captured_queries
            ),
        }
    )
)
