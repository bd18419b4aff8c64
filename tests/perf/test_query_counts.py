"""Page costs flat with the data: every page a person uses at scale runs the same number of
SQL queries on a small data set and on one ten times larger (3 and then 30 rows of each
kind), so a page whose queries grow with its rows (an N+1, a query per month of data, a
lookup per row) fails here.

What each page then does with its rows (paginate first, total in the database, read month
totals) is what keeps the time flat too; these tests pin the query count, and the row
counts below show the larger data set really reached each page.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from donations.models import Collection, OnlineDonation, OnlinePayment
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_record,
    collection_return,
)
from fund.models import Account, Entry, Transfer
from grants.models import Grant, Outcome
from grants.services.decisions import grant_approve, grant_decline
from grants.services.payments import grant_record_outcome, grant_record_payout
from grants.services.requests import LineItemData, grant_create
from tests.fund.helpers import post

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=LONDON)
SMALL, LARGE = 3, 30


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


def london(month: int, day: int, hour: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON)


@dataclass
class World:
    """Rows of every kind the listed pages read, grown a step at a time."""

    officer: object
    officer2: object
    manager: object
    key_worker: object
    fund: object
    point: object
    size: int = 0
    sizes: dict = field(default_factory=dict)

    def grow(self, to: int) -> None:
        for i in range(self.size, to):
            self._ledger(i)
            self._collections(i)
            self._online(i)
            self._grants(i)
        self.size = to

    def _ledger(self, i: int) -> None:
        # Spread over the last year, including days in the part-months at either end of
        # the ranges the dashboard is asked for, so month totals and the partial-month
        # corrections both have rows to read.
        day = date(2025, 11, 20) + timedelta(days=(i * 13) % 370)
        post(self.manager, self.fund, "assets:bank", "income:donations:boxes", "12.00", on=day)
        post(self.manager, self.fund, "assets:bank", "income:contributions", "30.00", on=day)

    def _collections(self, i: int) -> None:
        when = london(10, 1, 8) + timedelta(hours=4 * i)

        def record(amount, minutes, **seal):
            self.point.refresh_from_db()
            return collection_record(
                actor=self.officer,
                point=self.point,
                emptied_at=when + timedelta(minutes=minutes),
                seal_removed=seal.get("removed", self.point.current_seal),
                seal_fitted=f"S-{i}-{minutes}",
                amount=gbp(amount),
            )

        record("4.00", 0)  # awaiting a second officer
        returned = record("5.00", 10)
        collection_return(actor=self.officer2, collection=returned, reason="Recount, please.")
        record("6.00", 20, removed=f"WRONG-{i}")  # a broken seal for the manager
        collection_confirm(actor=self.officer2, collection=record("7.00", 30))  # in transit

    def _online(self, i: int) -> None:
        # Gifts arrive through Stripe's webhooks; the list reads only these rows.
        donation = OnlineDonation.objects.create(
            attempt=uuid.uuid4(),
            frequency=OnlineDonation.Frequency.MONTHLY,
            amount=gbp("10.00"),
            fund=self.fund,
            collection_point=self.point if i % 2 else None,  # a poster's QR code, or not
        )
        for month in (9, 10):
            OnlinePayment.objects.create(
                donation=donation,
                fund=self.fund,
                frequency=OnlineDonation.Frequency.MONTHLY,
                payment_intent_id=f"pi_perf_{i}_{month}",
                charge_id=f"ch_perf_{i}_{month}",
                amount=gbp("10.00"),
                paid_on=date(2026, month, 3),
            )

    def _grants(self, i: int) -> None:
        month = 1 + i % 11  # decisions and payments spread over Jan to Nov 2026
        submitted = london(month, 2, 9)

        def request(urgency="this_week", when=submitted):
            with time_machine.travel(when, tick=False):
                return grant_create(
                    actor=self.key_worker,
                    client_reference=f"CLT-{i:03d}{urgency[0]}{when.month:02d}",
                    category=Account.objects.get(code="expenses:grants:phone"),
                    urgency=urgency,
                    own_words="Ring the jobcentre.",
                    why_fund="Nothing else pays for phones.",
                    line_items=[
                        LineItemData(description="Phone", amount=gbp("45.00"), supplier="Argos")
                    ],
                    submit=True,
                )

        request("today", NOW - timedelta(hours=2 + i))  # waiting, urgent
        request("this_week", NOW - timedelta(days=1 + i % 7))  # waiting
        paid = request()
        with time_machine.travel(submitted + timedelta(hours=2 + i), tick=False):
            paid = grant_approve(actor=self.officer, grant=paid)
        with time_machine.travel(submitted + timedelta(days=1, hours=i), tick=False):
            grant_record_payout(
                actor=self.officer2,
                grant=paid,
                payee="Argos",
                method="supplier",
                reference=f"BACS-{paid.pk}",
                paid_on=(submitted + timedelta(days=1, hours=i)).date(),
            )
        with time_machine.travel(submitted + timedelta(days=20), tick=False):
            grant_record_outcome(
                actor=self.key_worker,
                grant=paid,
                barrier_removed="yes",
                note="Rang the jobcentre.",
                consent_to_share=False,
            )
        declined = request()
        with time_machine.travel(submitted + timedelta(hours=5 + i), tick=False):
            grant_decline(actor=self.officer, grant=declined, reason="The council pays for this.")


@pytest.fixture
def world(officer, officer2, manager, kw, public_fund):
    with time_machine.travel(london(4, 1, 9), tick=False):
        post(manager, public_fund, "assets:bank", "income:donations:online", "50000.00")
        point = collection_point_create(
            actor=officer,
            host_name="Corner Café",
            address="1 High Street",
            box_number="B001",
            seal="S-1001",
            opened_on=date(2026, 4, 1),
            public_code="CAFE01",
        )
    return World(
        officer=officer,
        officer2=officer2,
        manager=manager,
        key_worker=kw,
        fund=public_fund,
        point=point,
    )


def pages(personas) -> dict[str, tuple[object, str]]:
    """Each listed page: who opens it and its address."""
    officer, partner, auditor = personas
    return {
        "cash counts": (officer, reverse("donations:cash_counts")),
        "cash in transit": (officer, reverse("donations:cash_in_transit")),
        "cash overview": (officer, reverse("donations:cash_overview")),
        "online gifts list": (officer, reverse("donations:online-list")),
        "dashboard, default range": (officer, reverse("audit:dashboard")),
        # Part-months at both ends: month totals for the whole months between.
        "dashboard, a full year": (
            officer,
            reverse("audit:dashboard") + "?date_from=2025-11-15&date_to=2026-11-20",
        ),
        "transparency, cache expired": (None, reverse("transparency")),
        "grant queue": (officer, reverse("grants:queue")),
        "partner view": (partner, reverse("audit:partner")),
        "admin entries list": (auditor, reverse("admin:fund_entry_changelist")),
        "admin transfers list": (auditor, reverse("admin:fund_transfer_changelist")),
    }


def count_queries(client, listed) -> dict[str, int]:
    counts = {}
    for name, (user, url) in listed.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        cache.clear()  # the transparency figures are recomputed, as when they expire
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


def test_every_listed_page_runs_the_same_queries_on_3_and_on_30_rows_of_each_kind(
    client, world, officer, partner, staff_auditor
):
    listed = pages((officer, partner, staff_auditor))
    with time_machine.travel(NOW, tick=False):
        world.grow(SMALL)
        small = count_queries(client, listed)
        rows_small = _rows()
        world.grow(LARGE)
        large = count_queries(client, listed)
        rows_large = _rows()

    # The larger data set is ten times the smaller in every kind the pages read.
    assert rows_small == {
        "awaiting": 6,  # 3 counts and 3 broken seals, both awaiting a second officer
        "returned": 3,
        "in transit": 3,
        "gifts": 3,
        "payments": 6,
        "waiting": 6,
        "decided": 6,
        "outcomes": 3,
        # The opening gift, then 5 a step: 2 postings, a box count confirmed, a grant
        # approved and paid.
        "entries": 16,
    }
    assert rows_large == {
        "awaiting": 60,
        "returned": 30,
        "in transit": 30,
        "gifts": 30,
        "payments": 60,
        "waiting": 60,
        "decided": 60,
        "outcomes": 30,
        "entries": 151,
    }
    grown = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert grown == {}, "queries that grew with the data (3 rows, 30 rows)"
    assert len(small) == 11


def _rows() -> dict[str, int]:
    return {
        "awaiting": Collection.objects.filter(status="awaiting_confirmation").count(),
        "returned": Collection.objects.filter(status="returned").count(),
        "in transit": Collection.objects.filter(status="confirmed").count(),
        "gifts": OnlineDonation.objects.count(),
        "payments": OnlinePayment.objects.count(),
        "waiting": Grant.objects.filter(status="submitted").count(),
        "decided": Grant.objects.filter(decided_at__isnull=False).count(),
        "outcomes": Outcome.objects.count(),
        "entries": Entry.objects.count(),
    }


def test_the_admin_ledger_lists_never_count_the_whole_table(client, world, staff_auditor):
    """The entries and transfers lists count at most a bounded slice (``CappedCountPaginator``):
    no ``COUNT(*)`` over the whole table, which at a million transfers is most of the page's
    time."""
    with time_machine.travel(NOW, tick=False):
        world.grow(SMALL)
    assert Transfer.objects.count() > 0
    client.force_login(staff_auditor)
    for model, table in (("entry", "fund_entry"), ("transfer", "fund_transfer")):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(f"admin:fund_{model}_changelist"))
        assert response.status_code == 200
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and table in q["sql"]]
        assert counts, f"the {model} list counts its rows somewhere"
        unbounded = [sql for sql in counts if "LIMIT" not in sql.upper()]
        assert unbounded == [], f"an unfiltered COUNT(*) on {table}"
