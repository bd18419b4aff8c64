"""seed_demo gives the cash pages a year in Doncaster town centre to show: every state, and
a ledger that verifies. Run as on 7 Dec 2026 (the demo's year ends on the day it runs)."""

import io
import re
from datetime import UTC, date, datetime

import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from donations.models import Collection, CollectionPoint, Deposit
from donations.selectors.cash import points_overdue
from fund.models import Entry
from fund.verification import verify_ledger
from tests.fund.helpers import call_demo_command


def test_seed_demo_adds_a_year_of_town_centre_boxes_in_every_state(db, client):
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
        assert [point.box_number for point in points_overdue()] == ["B012"]
        assert verify_ledger().ok

        # The points page: taps beside cash for a point with a terminal, none for one without.
        client.force_login(get_user_model().objects.get(username="officer"))
        page = client.get(reverse("donations:cash_points")).content.decode()
        assert _takings_row(page, "B001") == [
            "Frenchgate Coffee Co.",
            "13",
            "£849.23",
            "241",
            "£1,155.50",
            "£2,004.73",
        ]
        assert _takings_row(page, "B009") == [
            "Silver Street Tap House",
            "12",
            "£795.09",
            "102",
            "£482.00",
            "£1,277.09",
        ]
        assert _takings_row(page, "B003") == [
            "Sepulchre Gate Pharmacy",
            "13",
            "£784.87",
            "0",
            "£0.00",
            "£784.87",
        ]

        entries, collections = Entry.objects.count(), Collection.objects.count()
        call_demo_command("seed_demo", stdout=io.StringIO())
        assert (Entry.objects.count(), Collection.objects.count()) == (entries, collections)


def _takings_row(page: str, box: str) -> list[str]:
    row = page[page.index(f'data-point="{box}"') :]
    return re.findall(r">([^<>]+)</t[hd]>", row[: row.index("</tr>")])
