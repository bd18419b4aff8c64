"""Background work shared by every app: the retry back-off, and e-mail sent by the worker.

Django's tasks framework has no retries of its own, so a task that should run again queues
its next attempt itself, later each time (``backoff``). Tasks are queued inside the
transaction that makes them necessary: the queue is a table in the same database, so a task
exists exactly when the data it works on does, and an e-mail about a change that rolled
back is never sent.
"""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_LONGEST = timedelta(hours=1)

# An e-mail that cannot be sent (the mail server is down) is tried again with back-off;
# after the last attempt the failure stays in the task table for someone to look at.
MAX_MAIL_ATTEMPTS = 8


def backoff(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt``: 30 s, 1 min, 2 min ... 1 hour."""
    return min(BACKOFF_FIRST * 2 ** max(attempt - 1, 0), BACKOFF_LONGEST)


def retry_at(attempt: int):
    return timezone.now() + backoff(attempt)


@task
def mail_send_task(subject: str, body: str, recipients: list[str], attempt: int = 1) -> None:
    """Send one plain-text e-mail from the worker, trying again later if the server fails."""
    try:
        send_mail(subject, body, None, recipients, fail_silently=False)
    except Exception:
        logger.exception("Could not send %r to %d recipient(s)", subject, len(recipients))
        if attempt < MAX_MAIL_ATTEMPTS:
            mail_send_task.using(run_after=retry_at(attempt)).enqueue(
                subject, body, recipients, attempt + 1
            )
        raise


def mail_send_later(*, subject: str, body: str, recipients: list[str]) -> None:
    """Queue an e-mail for the worker, in the caller's transaction (nothing when no one)."""
    if recipients:
        mail_send_task.enqueue(subject, body, list(recipients))
