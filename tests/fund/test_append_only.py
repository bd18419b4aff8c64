"""Invariant 2: posted ledger rows are never updated or deleted, whatever the route."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from fund.models import Entry, Transfer
from tests.fund.helpers import post


@pytest.fixture
def posted(officer, public_fund):
    return post(officer, public_fund, "assets:bank", "income:donations:boxes", "10.00")


def _refused(statement, params=()):
    with (
        pytest.raises(DatabaseError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)
    assert "append-only" in str(refused.value)


def test_raw_sql_update_and_delete_are_refused(posted):
    _refused("UPDATE fund_transfer SET amount = 1000")
    _refused("UPDATE fund_entry SET memo = 'rewritten'")
    _refused("DELETE FROM fund_transfer")
    _refused("DELETE FROM fund_entry")
    assert Transfer.objects.get().amount.amount == 10
    assert Entry.objects.get().memo == "test"


def test_emptying_the_whole_table_is_refused(posted):
    # PostgreSQL's TRUNCATE skips row triggers, so it has a statement trigger of its own;
    # SQLite has no TRUNCATE, and its whole-table DELETE shortcut is off when triggers exist.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Django's foreign keys are deferred; settle them so TRUNCATE reaches the trigger.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _refused("TRUNCATE fund_transfer, fund_entry CASCADE")
    else:
        _refused("DELETE FROM fund_transfer WHERE 1")
    assert Transfer.objects.count() == 1


def test_orm_save_update_and_delete_are_refused(posted):
    transfer = posted.transfers.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(prev_hash="f" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        posted.memo = "rewritten"
        posted.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Transfer.objects.all().delete()
    assert Transfer.objects.count() == 1


def test_admin_offers_no_way_to_change_ledger_rows(client, posted, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 20)
    client.force_login(admin)
    transfer = posted.transfers.get()

    change_page = client.get(reverse("admin:fund_transfer_change", args=[transfer.pk]))
    assert change_page.status_code == 200
    assert b'name="_save"' not in change_page.content
    assert (
        client.post(
            reverse("admin:fund_transfer_delete", args=[transfer.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:fund_entry_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:fund_entry_change", args=[posted.pk]), {"memo": "rewritten"}
        ).status_code
        == 403
    )
    assert Entry.objects.get().memo == "test"
