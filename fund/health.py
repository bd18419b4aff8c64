"""``/health/`` for the reverse proxy and the process supervisor.

Answers 200 ``ok`` when the database answers, every migration on disk is applied and the
task worker was seen in the last ``WORKER_HEARTBEAT_MAX_AGE`` seconds (5 minutes unless set),
and 503 ``unavailable`` otherwise. The body says nothing else: no versions, no reasons, no
names, so the endpoint tells a passer-by nothing about the installation; the reason goes to
the log.

The worker is ``manage.py worker`` (fund/management/commands/worker.py): django-tasks-db's
``db_worker`` with a heartbeat written to the shared (database) cache every
``HEARTBEAT_SECONDS``. The heartbeat lives in the cache table, so a missing cache table
(``createcachetable`` not run) also answers 503.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "fund:worker-heartbeat"
HEARTBEAT_SECONDS = 30


def record_worker_heartbeat(now: datetime | None = None) -> None:
    """Say in the shared cache that a worker is alive (called by ``manage.py worker``)."""
    cache.set(HEARTBEAT_KEY, (now or timezone.now()).isoformat(), timeout=None)


def _database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            logger.warning("Health check: migrations are not all applied")
            return False
        return True
    except DatabaseError:
        logger.warning("Health check: the database is unreachable", exc_info=True)
        return False


def _worker_seen() -> bool:
    max_age = getattr(settings, "WORKER_HEARTBEAT_MAX_AGE", 300)
    try:
        raw = cache.get(HEARTBEAT_KEY)
    except DatabaseError:
        logger.warning("Health check: the cache table cannot be read", exc_info=True)
        return False
    if raw is None:
        logger.warning("Health check: no task worker has ever been seen")
        return False
    age = (timezone.now() - datetime.fromisoformat(raw)).total_seconds()
    if age > max_age:
        logger.warning("Health check: the task worker was last seen %d seconds ago", age)
        return False
    return True


@never_cache
@require_safe
def health(request):
    if _database_ready() and _worker_seen():
        return HttpResponse("ok", content_type="text/plain; charset=utf-8")
    return HttpResponse("unavailable", status=503, content_type="text/plain; charset=utf-8")
