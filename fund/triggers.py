"""Database triggers that make ledger rows append-only, on SQLite and PostgreSQL.

Installed by a migration. UPDATE, DELETE (and on PostgreSQL, TRUNCATE) of an entry or a
transfer is refused by the database itself, whatever the caller: ORM, admin or raw SQL.
The test suite drops and reinstalls them around table flushes (tests/conftest.py); nothing
else in the project calls ``uninstall``.
"""

from django.core.exceptions import ImproperlyConfigured

LEDGER_TABLES = ("fund_entry", "fund_transfer")
MESSAGE = "ledger rows are append-only: post a reversing entry instead"


def _sqlite_statements(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for op in ("UPDATE", "DELETE")
    ]


_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION fund_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""


def _pg_statements(table: str) -> list[str]:
    return [
        f"CREATE OR REPLACE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION fund_refuse_ledger_change()",
        f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION fund_refuse_ledger_change()",
    ]


def install_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [sql for table in LEDGER_TABLES for sql in _sqlite_statements(table)]
    if vendor == "postgresql":
        return [_PG_FUNCTION] + [sql for table in LEDGER_TABLES for sql in _pg_statements(table)]
    raise ImproperlyConfigured(
        f"The ledger runs on SQLite or PostgreSQL; {vendor} has no append-only triggers here."
    )


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{op}"
            for table in LEDGER_TABLES
            for op in ("update", "delete")
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_{kind} ON {table}"
        for table in LEDGER_TABLES
        for kind in ("no_change", "no_truncate")
    ]


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in install_sql(connection.vendor):
            cursor.execute(sql)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for sql in uninstall_sql(connection.vendor):
            cursor.execute(sql)
