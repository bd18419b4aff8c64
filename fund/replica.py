"""Reads from a read-only streaming replica for the pages that only report.

With ``REPLICA_DATABASE_URL`` set, settings add a ``replica`` database alias, this router and
``ReplicaReadsMiddleware``. The middleware marks a GET or HEAD request under one of
``REPLICA_READ_PREFIXES`` (the auditor's pages, exports and dashboards under ``/audit/``,
and the transparency page); during such a request the router sends reads of the ledger and
the grant and donation records to the replica. Everything else reads from the primary, and
every write goes to the primary:

- sign-in, sessions, roles and memberships (auth, sessions, allauth, people), the cache
  (rate-limit counters) and the task queue always read the primary, so a sign-out or a
  revoked role takes effect at once, whatever the replica's lag;
- inside a transaction on the primary, reads stay on the primary too, so a view that writes
  and reads back sees its own write.
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
REPLICA_APPS = frozenset({"fund", "donations", "grants", "banking", "audit", "djmoney"})
DEFAULT_PREFIXES = ("/audit/", "/transparency/")

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reading_from_replica.get()
            and model._meta.app_label in REPLICA_APPS
            and REPLICA in settings.DATABASES
            and not connections["default"].in_atomic_block
        ):
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "REPLICA_READ_PREFIXES", DEFAULT_PREFIXES))

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path.startswith(self.prefixes):
            token = _reading_from_replica.set(True)
            try:
                return self.get_response(request)
            finally:
                _reading_from_replica.reset(token)
        return self.get_response(request)
