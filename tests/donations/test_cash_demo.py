"""seed_demo gives the cash pages something to show: every state, and a ledger that verifies."""

import io

from donations.models import Collection, CollectionPoint, Deposit
from donations.selectors.cash import points_with_last_emptied
from fund.models import Entry
from fund.verification import verify_ledger
from tests.fund.helpers import call_demo_command


def test_seed_demo_adds_points_collections_in_every_state_and_deposits(db):
    call_demo_command("seed_demo", stdout=io.StringIO())

    assert CollectionPoint.objects.count() == 5
    assert CollectionPoint.objects.filter(is_active=False).count() == 1
    assert {c.status for c in Collection.objects.all()} == set(Collection.Status.values)
    assert Collection.objects.filter(seal_broken=True).exists()
    assert {d.status for d in Deposit.objects.all()} == set(Deposit.Status.values)
    assert Deposit.objects.exclude(difference_reason="").exists()
    assert any(row.overdue for row in points_with_last_emptied())
    assert verify_ledger().ok

    entries, collections = Entry.objects.count(), Collection.objects.count()
    call_demo_command("seed_demo", stdout=io.StringIO())
    assert (Entry.objects.count(), Collection.objects.count()) == (entries, collections)
