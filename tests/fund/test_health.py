"""``/health/``: 200 "ok" only when the database answers, every migration is applied and the
task worker wrote its heartbeat in the last five minutes; 503 "unavailable" and nothing else
for each failing dependency."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from fund.health import HEARTBEAT_KEY, record_worker_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_alive(settings):
    # Production's cache: the database table made by fund's create_cache_table migration.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }
    call_command("createcachetable")
    record_worker_heartbeat()
    yield
    cache.delete(HEARTBEAT_KEY)


def test_healthy_answers_ok_and_nothing_else(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]


def test_database_unreachable_answers_503(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_unapplied_migration_answers_503(client):
    # The database forgets it applied the latest migration of the fund app, as it would be
    # after a deploy that skipped `migrate` (the test's transaction puts the row back).
    latest = (
        MigrationRecorder.Migration.objects.filter(app="fund").order_by("-applied", "-id").first()
    )
    latest.delete()
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_head_is_answered_and_post_refused(client):
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


def test_worker_never_seen_answers_503(client):
    cache.delete(HEARTBEAT_KEY)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_worker_seen_six_minutes_ago_answers_503_and_four_minutes_ago_200(client):
    record_worker_heartbeat(datetime.now(UTC) - timedelta(minutes=6))
    assert client.get("/health/").status_code == 503
    record_worker_heartbeat(datetime.now(UTC) - timedelta(minutes=4))
    assert client.get("/health/").status_code == 200


def test_cache_table_missing_answers_503(client):
    # The heartbeat is kept in the database cache: a deploy that skipped createcachetable
    # has no worker to show (the savepoint's rollback puts the table back).
    class PutTheTableBack(Exception):
        pass

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE django_cache")
            response = client.get("/health/")
            raise PutTheTableBack
    except PutTheTableBack:
        pass
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_worker_heartbeat_thread_writes_the_heartbeat(monkeypatch):
    # One beat of the thread that `manage.py worker` runs beside db_worker (its connection
    # is the test's, so it is not closed here).
    from fund.management.commands import worker

    class OneBeat(threading.Event):
        def wait(self, timeout=None):
            self.set()
            return True

    monkeypatch.setattr(worker.connections, "close_all", lambda: None)
    cache.delete(HEARTBEAT_KEY)
    worker._beat_forever(OneBeat())
    seen = datetime.fromisoformat(cache.get(HEARTBEAT_KEY))
    assert datetime.now(UTC) - seen < timedelta(seconds=60)
