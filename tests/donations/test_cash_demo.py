"""seed_demo gives the cash pages a year in Doncaster town centre to show: every state, and
a ledger that verifies. Run as on 7 Dec 2026 (the demo's year ends on the day it runs)."""

import io
from datetime import UTC, date, datetime

import time_machine

from donations.models import Collection, CollectionPoint, Deposit
from donations.selectors.cash import points_with_last_emptied
from fund.models import Entry
from fund.verification import verify_ledger
from tests.fund.helpers import call_demo_command


def test_seed_demo_adds_a_year_of_town_centre_boxes_in_every_state(db):
    with time_machine.travel(datetime(2026, 12, 7, 12, 0, tzinfo=UTC)):
        call_demo_command("seed_demo", stdout=io.StringIO())

        assert CollectionPoint.objects.count() == 12
        assert {p.address.rsplit(", ", 1)[1][:13] for p in CollectionPoint.objects.all()} == {
            "Doncaster DN1"
        }
        assert CollectionPoint.objects.get(box_number="B001").host_name == "Frenchgate Coffee Co."
        closed = CollectionPoint.objects.get(is_active=False)
        assert (closed.host_name, closed.opened_on) == (
            "Station Forecourt Kiosk",
            date(2025, 12, 8),
        )
        assert CollectionPoint.objects.get(box_number="B011").opened_on == date(2026, 9, 3)
        assert Collection.objects.count() == 134
        assert {c.status for c in Collection.objects.all()} == set(Collection.Status.values)
        assert Collection.objects.filter(status="banked").count() == 130
        assert list(
            Collection.objects.filter(seal_broken=True).values_list("point__box_number", flat=True)
        ) == ["B005"]
        assert Deposit.objects.count() == 25
        assert {d.status for d in Deposit.objects.all()} == set(Deposit.Status.values)
        shortfall = Deposit.objects.exclude(difference_reason="").get()
        assert (shortfall.paying_in_reference, shortfall.banked_on) == (
            "PI-000101",
            date(2025, 12, 24),
        )
        assert [row.point.box_number for row in points_with_last_emptied() if row.overdue] == [
            "B012"
        ]
        assert verify_ledger().ok

        entries, collections = Entry.objects.count(), Collection.objects.count()
        call_demo_command("seed_demo", stdout=io.StringIO())
        assert (Entry.objects.count(), Collection.objects.count()) == (entries, collections)
