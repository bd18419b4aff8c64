"""A read-only streaming replica (pg_basebackup -R of a private primary) serves the auditor's
dashboard reads; writes go to the primary; the replica sees them once it replays the WAL."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.deploy.clusters import Clusters, pg_bin
from tests.deploy.test_backup_restore import ROOT, database_url
from tests.fund.helpers import post

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries not found"),
]


@pytest.fixture
def clusters():
    made = Clusters()
    yield made
    made.close()


def test_replica_serves_the_auditor_dashboard_and_writes_go_to_the_primary(
    committing_db, auditor, officer, public_fund, clusters, tmp_path
):
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "125.50")
    # The primary starts as a copy of this test's database, the replica as a copy of it.
    env = {**os.environ, "DATABASE_URL": database_url(), "PRIVATE_MEDIA_ROOT": str(tmp_path / "m")}
    subprocess.run(
        ["bash", "scripts/backup.sh", str(tmp_path / "b")], cwd=ROOT, env=env, check=True
    )
    primary = clusters.new("primary").init().start()
    subprocess.run(
        ["bash", "scripts/restore.sh", str(tmp_path / "b"), primary.url()],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    replica = clusters.new("replica").base_backup_of(primary).start()

    env = {**os.environ, "DATABASE_URL": primary.url(), "REPLICA_DATABASE_URL": replica.url()}
    done = subprocess.run(
        [sys.executable, "-m", "tests.deploy.replica_probe", auditor.username, officer.username,
         "public"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    assert seen["status"] == 200
    assert seen["replica_in_recovery"] is True
    assert seen["dashboard_fund_queries_on_replica"] > 0
    assert seen["dashboard_fund_queries_on_primary"] == 0
    # The £9.99 entry was posted (to the primary) while the replica's replay was paused.
    assert seen["entries_on_primary"] == 2
    assert seen["entries_on_replica_paused"] == 1
    assert seen["entries_on_replica_resumed"] == 2
    assert seen["replica_refuses_writes"] is True
    assert "£135.49" not in seen["paused_page"]
    assert "£135.49" in seen["resumed_page"]
    # The export, while the replica was paused: the replica's ledger (£125.50 on the bank,
    # not yet £135.49), read there at one snapshot, and its manifest kept on the primary.
    assert seen["export_status"] == 200
    assert ",Ledger balance,,,125.50\r\n" in seen["export_csv"]
    assert seen["export_fund_queries_on_replica"] > 0
    assert seen["export_fund_queries_on_primary"] == 0
    assert seen["export_snapshot_on_replica"] is True
    assert seen["export_manifest_on_primary"] is True
