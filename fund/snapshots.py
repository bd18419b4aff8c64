"""Reading at one snapshot: a report whose total and lines are read by separate queries
must not see a posting committed between them (its total would disagree with its lines)."""

from contextlib import contextmanager

from django.db import connections, transaction


@contextmanager
def read_snapshot(using: str = "default"):
    """Every read on the ``using`` connection inside sees the database as it was at the
    first: on PostgreSQL a REPEATABLE READ, READ ONLY transaction (allowed on a streaming
    replica too); on SQLite a deferred transaction, which reads one snapshot and leaves
    writers free. Inside a caller's transaction the caller's is used as it is."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # Django's atomic() begins SQLite's transactions IMMEDIATE (settings), which would hold
    # the write lock while the report is written; a plain BEGIN only reads.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")
