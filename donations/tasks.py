"""Background work for online giving, run by the database-backed worker (``manage.py db_worker``).

Retries use the shared back-off in ``people/tasks.py``: a task that should run again queues
its next attempt itself, later each time. Tasks are queued inside the transaction that makes
them necessary.
"""

from django.tasks import task


@task
def stripe_event_task(event_id: int) -> str:
    """Process one stored webhook event; the outcome is kept on the event row."""
    from donations.services.stripe_events import stripe_event_process

    return stripe_event_process(event_id=event_id).outcome
