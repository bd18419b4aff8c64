"""Fixtures for the donations tests: collection points and a third fund officer."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from djmoney.money import Money

from donations.services.cash import collection_point_create, collection_record
from people.roles import Role
from tests.conftest import make_user
from tests.donations.stripe_helpers import StripeWorld

LONDON = ZoneInfo("Europe/London")


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas are created with passwords; a slow hasher only slows the tests down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer3(db):
    """A third fund officer, who counts nothing: the independent deposit checker."""
    return make_user("oscar.officer", Role.FUND_OFFICER)


@pytest.fixture
def cafe(officer, public_fund):
    return collection_point_create(
        actor=officer,
        host_name="Corner Café",
        address="1 High Street, Newcastle",
        box_number="B001",
        seal="S-1001",
        opened_on=date(2026, 4, 1),
        contact_name="Sam Host",
        public_code="CAFE01",
    )


@pytest.fixture
def pharmacy(officer, public_fund):
    return collection_point_create(
        actor=officer,
        host_name="Grainger Pharmacy",
        address="5 Grainger Street, Newcastle",
        box_number="B002",
        seal="S-2001",
        opened_on=date(2026, 4, 1),
    )


def make_points(actor, count: int, start: int = 0) -> list:
    """Collection points "Host 00", "Host 01"... (box P000, P001...), opened 1 April 2026."""
    return [
        collection_point_create(
            actor=actor,
            host_name=f"Host {n:02d}",
            address=f"{n} Market Place, Doncaster",
            box_number=f"P{n:03d}",
            seal=f"P{n:03d}-0",
            opened_on=date(2026, 4, 1),
        )
        for n in range(start, start + count)
    ]


def record(actor, point, amount: str, *, removed=None, fitted=None, when=None, denominations=None):
    """Record an emptying with the right seal unless told otherwise."""
    point.refresh_from_db()
    return collection_record(
        actor=actor,
        point=point,
        emptied_at=when or at(2026, 11, 20),
        seal_removed=removed or point.current_seal,
        seal_fitted=fitted or f"{point.current_seal}-N",
        amount=gbp(amount),
        denominations=denominations,
    )


@pytest.fixture
def stripe_double(settings):
    """The local Stripe double on a free loopback port, with the app pointed at it."""
    from devtools.stripe_double import StripeDouble

    settings.STRIPE_SECRET_KEY = "sk_test_double_in_tests"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_double_in_tests"
    double = StripeDouble(
        api_key=settings.STRIPE_SECRET_KEY, webhook_secret=settings.STRIPE_WEBHOOK_SECRET
    )
    double.start()
    settings.STRIPE_API_BASE = double.base_url
    yield double
    double.stop()


@pytest.fixture
def stripe_world(stripe_double, client, public_fund):
    """The double, the public fund and helpers to give and to deliver webhooks."""
    return StripeWorld(double=stripe_double, client=client, fund=public_fund)


@pytest.fixture
def task_worker(committing_db):
    """The database worker running in a thread, as ``make run`` runs it beside the server."""
    import threading

    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-tests",
        excluded_queue_names=[],
    )

    def run():
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(timeout=30)
