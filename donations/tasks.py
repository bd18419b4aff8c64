"""Background work for online giving, run by the database-backed worker (``manage.py db_worker``).

Django's tasks framework has no retries of its own, so a task that should run again queues
its next attempt itself, later each time (``backoff``). Tasks are queued inside the
transaction that makes them necessary: the queue is a table in the same database, so a task
exists exactly when the data it works on does.
"""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_LONGEST = timedelta(hours=1)


def backoff(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt``: 30 s, 1 min, 2 min ... 1 hour."""
    return min(BACKOFF_FIRST * 2 ** max(attempt - 1, 0), BACKOFF_LONGEST)


def retry_at(attempt: int):
    return timezone.now() + backoff(attempt)


@task
def stripe_event_task(event_id: int) -> str:
    """Process one stored webhook event; the outcome is kept on the event row."""
    from donations.services.online import stripe_event_process

    return stripe_event_process(event_id=event_id).outcome
