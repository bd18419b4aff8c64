"""scripts/backup.sh and scripts/restore.sh: a backup restored into a fresh PostgreSQL cluster
holds the same ledger (verify_ledger prints the same chain head) and the same uploaded files."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.deploy.clusters import Clusters, pg_bin
from tests.fund.helpers import post

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries not found"),
]


def database_url() -> str:
    db = settings.DATABASES["default"]
    user = db["USER"] or "clf"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def verify_ledger(url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "manage.py", "verify_ledger"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def clusters():
    made = Clusters()
    yield made
    made.close()


def test_restore_into_a_fresh_cluster_gives_the_same_chain_head(
    committing_db, officer, public_fund, clusters, tmp_path
):
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "125.50")
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "9.99")
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    before = out.getvalue().strip()
    assert before.startswith("Ledger OK: 2 transfers checked; chain head #2 ")

    media = tmp_path / "media"
    (media / "quotes").mkdir(parents=True)
    (media / "quotes" / "quote-1.pdf").write_bytes(b"%PDF-1.4 a quote")
    env = {**os.environ, "DATABASE_URL": database_url(), "PRIVATE_MEDIA_ROOT": str(media)}
    backup = tmp_path / "backup"
    subprocess.run(
        ["bash", "scripts/backup.sh", str(backup)], cwd=ROOT, env=env, check=True, timeout=120
    )
    assert (backup / "database.dump").stat().st_size > 0

    fresh = clusters.new("restored").init().start()
    restored_media = tmp_path / "restored-media"
    env = {**os.environ, "PRIVATE_MEDIA_ROOT": str(restored_media)}
    subprocess.run(
        ["bash", "scripts/restore.sh", str(backup), fresh.url()],
        cwd=ROOT, env=env, check=True, timeout=120,
    )  # fmt: skip

    assert verify_ledger(fresh.url()) == before
    assert (restored_media / "quotes" / "quote-1.pdf").read_bytes() == b"%PDF-1.4 a quote"
