"""``/health/``: 200 "ok" only when the database answers and every migration is applied."""

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


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
