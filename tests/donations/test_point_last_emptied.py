"""A collection point keeps when its box was last emptied (the latest collection recorded),
so the cash pages find overdue boxes without reading every collection; the migration that
added it worked it out for the points already there."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from donations.models import CollectionPoint
from tests.donations.conftest import at, make_points, record


def _point(officer, n: int) -> CollectionPoint:
    (point,) = make_points(officer, 1, start=n)
    return point


@pytest.mark.django_db
def test_recording_a_collection_keeps_the_latest_emptying(officer, public_fund):
    point = _point(officer, 1)
    assert point.last_emptied_at is None
    record(officer, point, "5.00", when=at(2026, 11, 10))
    point.refresh_from_db()
    assert point.last_emptied_at == at(2026, 11, 10)
    # A count recorded late, for an earlier emptying, does not move it back.
    record(officer, point, "3.00", when=at(2026, 11, 2))
    point.refresh_from_db()
    assert point.last_emptied_at == at(2026, 11, 10)
    record(officer, point, "4.00", when=at(2026, 11, 24))
    point.refresh_from_db()
    assert point.last_emptied_at == at(2026, 11, 24)


@pytest.mark.django_db(transaction=True)
def test_the_migration_works_it_out_for_the_points_already_there(officer, public_fund):
    emptied, never = _point(officer, 1), _point(officer, 2)
    record(officer, emptied, "5.00", when=at(2026, 11, 10))
    record(officer, emptied, "3.00", when=at(2026, 11, 2))

    executor = MigrationExecutor(connection)
    executor.migrate([("donations", "0014_contactless_taps")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("donations", "0015_collection_point_last_emptied")])

    assert CollectionPoint.objects.get(pk=emptied.pk).last_emptied_at == at(2026, 11, 10)
    assert CollectionPoint.objects.get(pk=never.pk).last_emptied_at is None
