"""Running the task queue inside a test, as the worker would."""

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_tasks(limit: int = 500) -> int:
    """Run every queued task that is due, in this process, as ``manage.py db_worker`` does.

    Each task is claimed and run by the worker's own code (``Worker.run_task``); only the
    loop around it is here, so it runs inside the test's transaction. Returns how many ran.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        with transaction.atomic():
            result = DBTaskResult.objects.ready().get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    raise AssertionError(f"More than {limit} tasks: one keeps queuing itself?")
