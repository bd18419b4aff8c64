"""Webhooks are stored by the endpoint and processed by the worker, exactly once.

The endpoint answers as soon as the event and its task are stored; the worker (Django's
tasks framework on the database backend) processes it, retrying with back-off.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from donations.models.online import OnlineDonation, OnlinePayment, StripeEvent
from donations.services.stripe_events import stripe_event_process
from fund.models import ChainHead, Entry
from fund.services.period_locks import fund_lock_period
from people.tasks import backoff
from tests.donations.stripe_helpers import run_tasks
from tests.donations.test_webhook_events import balances

PAID_TEN_POUNDS = {"income": "10.00", "fees": "0.35", "stripe": "9.65", "bank": "0.00"}


def _completed(stripe_world, amount="10"):
    donation = stripe_world.give(amount)
    return donation, stripe_world.double.complete_checkout(donation.stripe_session_id)[0]


def test_back_off_doubles_from_thirty_seconds_to_at_most_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 30)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
        3600,
    ]


def test_the_endpoint_stores_the_event_and_queues_it_without_processing(stripe_world):
    donation, event = _completed(stripe_world)

    response = stripe_world.send(event, process=False)

    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.outcome == StripeEvent.Outcome.RECEIVED
    assert stored.api_version == "2026-10-28.endive"
    assert not OnlinePayment.objects.exists()
    assert not Entry.objects.exists()
    assert DBTaskResult.objects.ready().count() == 1

    assert run_tasks() == 1
    stored.refresh_from_db()
    assert stored.outcome == StripeEvent.Outcome.PROCESSED
    assert stored.attempts == 1
    assert stored.next_attempt_at is None
    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert balances(stripe_world.fund) == PAID_TEN_POUNDS


def test_the_same_event_delivered_three_times_is_stored_and_queued_once(stripe_world):
    _donation, event = _completed(stripe_world)
    for _ in range(3):
        assert stripe_world.send(event, process=False).status_code == 200
    assert StripeEvent.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    run_tasks()
    assert Entry.objects.count() == 2
    call_command("verify_ledger")


def test_processing_that_fails_is_kept_with_the_reason_and_retried_with_back_off(stripe_world):
    donation, event = _completed(stripe_world)
    stripe_world.double.unavailable = True
    start = timezone.now()

    assert stripe_world.send(event).status_code == 200

    stored = StripeEvent.objects.get()
    assert stored.outcome == StripeEvent.Outcome.FAILED
    assert "unavailable" in stored.last_error
    assert stored.attempts == 1
    assert start + timedelta(seconds=29) < stored.next_attempt_at
    assert stored.next_attempt_at < timezone.now() + timedelta(seconds=31)
    assert not Entry.objects.exists()

    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=True):
        run_tasks()  # Stripe still down: the second attempt waits a minute.
        stored.refresh_from_db()
        assert stored.attempts == 2
        assert stored.next_attempt_at > timezone.now() + timedelta(seconds=55)

    stripe_world.double.unavailable = False
    with time_machine.travel(timezone.now() + timedelta(seconds=92), tick=True):
        run_tasks()
    stored.refresh_from_db()
    assert stored.outcome == StripeEvent.Outcome.PROCESSED
    assert stored.attempts == 3
    assert stored.last_error == ""
    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert balances(stripe_world.fund) == PAID_TEN_POUNDS
    call_command("verify_ledger")


def test_a_failed_attempt_rolls_back_everything_it_did(stripe_world, manager):
    donation, event = _completed(stripe_world)
    # The books are closed up to a date after the payment: the posting fails.
    fund_lock_period(actor=manager, fund=stripe_world.fund, lock_date=date(2099, 1, 1))

    assert stripe_world.send(event).status_code == 200

    stored = StripeEvent.objects.get()
    assert stored.outcome == StripeEvent.Outcome.FAILED
    assert stored.last_error.startswith("PeriodLocked: Public donations is closed up to")
    assert not OnlinePayment.objects.exists()
    assert not Entry.objects.exists()
    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.CREATED


def test_an_event_stored_but_never_processed_posts_once_when_the_worker_runs(stripe_world):
    """The web process stored the event and died; the worker, started later, posts it once."""
    donation, event = _completed(stripe_world)
    stripe_world.send(event, process=False)
    # Stripe, hearing nothing useful, delivers it again; still nothing runs.
    stripe_world.send(event, process=False)
    assert not Entry.objects.exists()

    run_tasks()
    run_tasks()

    assert OnlinePayment.objects.count() == 1
    assert Entry.objects.count() == 2
    call_command("verify_ledger")


def test_a_worker_killed_mid_task_leaves_the_event_for_requeue_and_it_posts_once(stripe_world):
    _donation, event = _completed(stripe_world)
    stripe_world.send(event, process=False)
    # What a worker killed mid-task leaves behind: its task claimed (running) for ever and
    # the event's transaction rolled back, so the event is still received.
    task = DBTaskResult.objects.get()
    task.claim("killed-worker")
    assert run_tasks() == 0

    call_command("stripe_events_requeue", verbosity=0)
    run_tasks()
    call_command("stripe_events_requeue", verbosity=0)  # nothing is due any more
    run_tasks()

    assert StripeEvent.objects.get().outcome == StripeEvent.Outcome.PROCESSED
    assert OnlinePayment.objects.count() == 1
    assert Entry.objects.count() == 2
    call_command("verify_ledger")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_the_real_worker_command_processes_what_the_endpoint_stored(committing_db, stripe_world):
    """``manage.py db_worker`` in its own process, against the same database and double."""
    donation, event = _completed(stripe_world, "25")
    stripe_world.send(event, process=False)
    stripe_world.send(event, process=False)
    assert not Entry.objects.exists()

    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "true",  # the app accepts the Stripe double only in development
        "STRIPE_API_BASE": stripe_world.double.base_url,
        "STRIPE_SECRET_KEY": settings.STRIPE_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": settings.STRIPE_WEBHOOK_SECRET,
    }
    base = Path(settings.BASE_DIR)
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload"]
    for _ in range(2):
        finished = subprocess.run(
            [*command, "--no-startup-delay", "-v0"],
            cwd=base,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert finished.returncode == 0, finished.stderr[-3000:]

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert balances(stripe_world.fund) == {
        "income": "25.00",
        "fees": "0.58",
        "stripe": "24.42",
        "bank": "0.00",
    }
    assert Entry.objects.count() == 2
    call_command("verify_ledger")


@pytest.mark.parametrize("workers", [5])
def test_workers_processing_the_same_event_at_once_post_it_once(
    committing_db, stripe_world, workers
):
    _donation, event = _completed(stripe_world)
    stripe_world.send(event, process=False)
    stored = StripeEvent.objects.get()
    start = threading.Barrier(workers)
    errors = []

    def work():
        try:
            start.wait(timeout=10)
            stripe_event_process(event_id=stored.pk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    stored.refresh_from_db()
    assert stored.outcome == StripeEvent.Outcome.PROCESSED
    assert OnlinePayment.objects.count() == 1
    assert Entry.objects.filter(idempotency_key__startswith="stripe:gift:").count() == 1
    assert Entry.objects.count() == 2
    call_command("verify_ledger")


def _a_backend_waits_for_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (row locks)")
def test_a_real_worker_killed_mid_event_is_recovered_and_the_gift_posts_once(
    committing_db, stripe_world
):
    """A ``db_worker`` process is killed (SIGKILL) while it is inside an event's transaction;
    after ``stripe_events_requeue`` a new worker posts the gift and its fee exactly once."""
    donation, event = _completed(stripe_world, "25")
    stripe_world.send(event, process=False)
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "true",  # the app accepts the Stripe double only in development
        "STRIPE_API_BASE": stripe_world.double.base_url,
        "STRIPE_SECRET_KEY": settings.STRIPE_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": settings.STRIPE_WEBHOOK_SECRET,
    }
    base = Path(settings.BASE_DIR)
    worker_command = [sys.executable, "manage.py", "db_worker", "--no-reload", "-v0"]

    # Hold the ledger's chain head: the worker claims the task, starts the event's
    # transaction and waits at its posting, where it is killed.
    with transaction.atomic():
        ChainHead.objects.select_for_update().get()
        worker = subprocess.Popen(
            [*worker_command, "--no-startup-delay"], cwd=base, env=environment
        )
        try:
            deadline = time.monotonic() + 90
            while not DBTaskResult.objects.filter(status="RUNNING").exists():
                assert time.monotonic() < deadline, "the worker never claimed the task"
                assert worker.poll() is None, "the worker stopped by itself"
                time.sleep(0.2)
            # Inside the event's transaction, waiting for the chain head this test holds.
            while not _a_backend_waits_for_a_row_lock():
                assert time.monotonic() < deadline, "the worker never reached the ledger"
                time.sleep(0.2)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert worker.returncode == -signal.SIGKILL
    assert Entry.objects.count() == 0
    assert StripeEvent.objects.get().outcome == StripeEvent.Outcome.RECEIVED
    assert DBTaskResult.objects.get().status == "RUNNING"  # claimed for ever by the dead one

    call_command("stripe_events_requeue", verbosity=0)
    finished = subprocess.run(
        [*worker_command, "--batch", "--no-startup-delay"],
        cwd=base,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert StripeEvent.objects.get().outcome == StripeEvent.Outcome.PROCESSED
    assert balances(stripe_world.fund) == {
        "income": "25.00",
        "fees": "0.58",
        "stripe": "24.42",
        "bank": "0.00",
    }
    assert Entry.objects.count() == 2
    call_command("verify_ledger")
