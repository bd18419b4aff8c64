"""``manage.py worker``: django-tasks-db's ``db_worker`` plus a heartbeat for ``/health/``.

Takes every option of ``db_worker``. A daemon thread records the heartbeat in the shared
cache every ``fund.health.HEARTBEAT_SECONDS`` while the worker runs, so the health endpoint
can tell a stopped worker from an idle one.
"""

import logging
import threading

from django.db import DatabaseError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from fund.health import HEARTBEAT_SECONDS, record_worker_heartbeat

logger = logging.getLogger(__name__)


def _beat_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            record_worker_heartbeat()
        except DatabaseError:
            logger.warning("Worker heartbeat could not be written", exc_info=True)
        finally:
            connections.close_all()
        stop.wait(HEARTBEAT_SECONDS)


class Command(DbWorkerCommand):
    help = "Run the task worker (db_worker) and record a heartbeat for /health/."

    def handle(self, *args, **options):
        stop = threading.Event()
        beat = threading.Thread(target=_beat_forever, args=(stop,), daemon=True)
        beat.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
