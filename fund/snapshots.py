"""Reading at one snapshot: a report whose total and lines are read by separate queries
must not see a posting committed between them (its total would disagree with its lines)."""

from contextlib import contextmanager

from django.db import connections, transaction


@contextmanager
def read_snapshot(using: str = "default"):
    """Every read on the ``using`` connection inside sees the database as it was at the
    first, in a transaction of its own: on PostgreSQL REPEATABLE READ, READ ONLY (allowed
    on a streaming replica too); on SQLite Django's transaction, which holds the write
    lock until the block ends (the embedded database's writers wait that long).

    Inside a caller's transaction the caller's is used as it is: on PostgreSQL at READ
    COMMITTED each statement then sees what was committed before it, so callers that need
    the snapshot must not open one around this."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
