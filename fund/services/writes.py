"""How a posting's rows reach the database: entry ids reserved under the chain-head lock,
the entries and transfers inserted in a handful of statements whatever the batch's size
(by COPY on PostgreSQL for a large batch), and the amounts added to the cached balances
and month totals.
"""

from datetime import date
from decimal import Decimal

from django.db import connection

from fund.models import Balance, ChainHead, Entry, MonthTotal, Transfer

ENTRY_COLUMNS = [f.attname for f in Entry._meta.concrete_fields]
_TRANSFER_COLUMNS = (
    "sequence",
    "entry_id",
    "fund_id",
    "debit_account_id",
    "credit_account_id",
    "amount_currency",
    "amount",
    "prev_hash",
    "hash",
)
# Above this many transfers PostgreSQL gets the rows by COPY; below it, in the one statement.
_COPY_FROM = 40


def reserve_entry_ids(count: int) -> list[int]:
    """``count`` new entry ids in ascending order, taken under the chain-head lock.

    The hash of each transfer covers its entry's id, so the ids are known before anything
    is inserted. On PostgreSQL they come from the table's own sequence; on SQLite the
    caller's transaction already holds the database's single write lock (IMMEDIATE).
    """
    if not count:
        return []
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, %s)",
                [count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))


def total_rows(
    debits: dict[tuple[int, int, date], Decimal], credits: dict[tuple[int, int, date], Decimal]
) -> tuple[list[tuple], list[tuple]]:
    """The amounts to add to the cached balances and the month totals, one row per key."""
    by_month: list[tuple] = []
    by_balance: dict[tuple[int, int], list[Decimal]] = {}
    zero = Decimal(0)
    for key in sorted(debits.keys() | credits.keys()):
        debit, credit = debits.get(key, zero), credits.get(key, zero)
        account, fund, month = key
        by_month.append((account, fund, month, debit, credit))
        totals = by_balance.setdefault((account, fund), [zero, zero])
        totals[0] += debit
        totals[1] += credit
    balances = [(account, fund, d, c) for (account, fund), (d, c) in sorted(by_balance.items())]
    return balances, by_month


def write_rows(
    entry_rows: list[tuple],
    transfer_rows: list[tuple],
    totals: tuple[list[tuple], list[tuple]],
    sequence: int,
    head_hash: str,
) -> None:
    """Insert the entries and transfers, add to the cached totals and move the chain head.

    On PostgreSQL a small posting is one statement (data-modifying ``WITH`` clauses); a
    large batch sends its rows by COPY and then the totals and head in one statement.
    SQLite, where a statement is a function call rather than a round trip, runs them one
    after another.
    """
    ops = connection.ops
    entry_rows = [
        (
            pk,
            ops.adapt_datefield_value(day),
            memo,
            source,
            key,
            reverses,
            ops.adapt_datetimefield_value(created_at),
            by,
        )
        for pk, day, memo, source, key, reverses, created_at, by in entry_rows
    ]
    balances, months = totals
    months = [(a, f, ops.adapt_datefield_value(m), d, c) for a, f, m, d, c in months]
    entry_table, transfer_table = Entry._meta.db_table, Transfer._meta.db_table
    entry_columns = ", ".join(ENTRY_COLUMNS)
    transfer_columns = ", ".join(_TRANSFER_COLUMNS)
    head = (
        f"UPDATE {ChainHead._meta.db_table} SET sequence = %s, hash = %s WHERE id = 1",
        [sequence, head_hash],
    )
    balance_sql = _upsert_sql(Balance._meta.db_table, ["account_id", "fund_id"], len(balances))
    month_sql = _upsert_sql(
        MonthTotal._meta.db_table, ["account_id", "fund_id", "month"], len(months)
    )
    flat_balances = [value for row in balances for value in row]
    flat_months = [value for row in months for value in row]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(ENTRY_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {entry_table} ({entry_columns}) VALUES ({marks})", entry_rows
            )
            marks = ", ".join(["%s"] * len(_TRANSFER_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {transfer_table} ({transfer_columns}) VALUES ({marks})",
                transfer_rows,
            )
            cursor.execute(balance_sql, flat_balances)
            cursor.execute(month_sql, flat_months)
            cursor.execute(*head)
            return
        clauses, params = [], []
        if len(transfer_rows) > _COPY_FROM:
            for table, columns, rows in (
                (entry_table, entry_columns, entry_rows),
                (transfer_table, transfer_columns, transfer_rows),
            ):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            clauses += [
                f"e AS (INSERT INTO {entry_table} ({entry_columns}) VALUES "
                f"{_values(len(ENTRY_COLUMNS), len(entry_rows))})",
                f"t AS (INSERT INTO {transfer_table} ({transfer_columns}) VALUES "
                f"{_values(len(_TRANSFER_COLUMNS), len(transfer_rows))})",
            ]
            params += [value for row in entry_rows for value in row]
            params += [value for row in transfer_rows for value in row]
        clauses += [f"b AS ({balance_sql})", f"m AS ({month_sql})"]
        params += flat_balances + flat_months
        cursor.execute(f"WITH {', '.join(clauses)} {head[0]}", params + head[1])


def _values(width: int, count: int) -> str:
    return ", ".join([f"({', '.join(['%s'] * width)})"] * count)


def _upsert_sql(table: str, key_columns: list[str], count: int) -> str:
    """Add (key..., debit, credit) rows to a table of cached totals; a missing row is made.

    The chain-head lock held by the caller serialises these updates.
    """
    keys = ", ".join(key_columns)
    rows = ", ".join([f"({', '.join(['%s'] * (len(key_columns) + 2))}, 'GBP', 'GBP')"] * count)
    return (
        f"INSERT INTO {table} ({keys}, debit_total, credit_total, debit_total_currency, "
        f"credit_total_currency) VALUES {rows} ON CONFLICT ({keys}) DO UPDATE SET "
        f"debit_total = {table}.debit_total + excluded.debit_total, "
        f"credit_total = {table}.credit_total + excluded.credit_total"
    )


def add_to_totals(
    debits: dict[tuple[int, int, date], Decimal], credits: dict[tuple[int, int, date], Decimal]
) -> None:
    """Add posted amounts to the cached balances and month totals (the bench loader's use)."""
    balances, months = total_rows(debits, credits)
    if not balances:
        return
    ops = connection.ops
    months = [(a, f, ops.adapt_datefield_value(m), d, c) for a, f, m, d, c in months]
    with connection.cursor() as cursor:
        for table, keys, rows in (
            (Balance._meta.db_table, ["account_id", "fund_id"], balances),
            (MonthTotal._meta.db_table, ["account_id", "fund_id", "month"], months),
        ):
            cursor.execute(
                _upsert_sql(table, keys, len(rows)), [value for row in rows for value in row]
            )
