"""``/health/`` for the reverse proxy and the process supervisor.

Answers 200 ``ok`` when the database answers and every migration on disk is applied, and
503 ``unavailable`` otherwise. The body says nothing else: no versions, no reasons, no
names, so the endpoint tells a passer-by nothing about the installation.

The task worker is not checked: the project runs its few tasks (receipt e-mails) with
Django's default immediate tasks backend, inside the request, so there is no separate
worker process to see.
"""

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        logger.warning("Health check: the database is unreachable", exc_info=True)
        return False


@never_cache
@require_safe
def health(request):
    if _database_ready():
        return HttpResponse("ok", content_type="text/plain; charset=utf-8")
    return HttpResponse("unavailable", status=503, content_type="text/plain; charset=utf-8")
