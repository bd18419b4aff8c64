"""The ledger export: every transfer up to the chain head, as a table (read straight from
the database driver) or as an hledger or Beancount journal."""

from collections.abc import Iterator
from decimal import Decimal

from django.db import NotSupportedError
from django.db.models import CharField, Func
from django.db.models.sql.constants import MULTI

from audit import journals
from audit.exports.params import CHUNK, TABLE_FORMATS, ExportParams
from audit.resources import TransferResource
from audit.selectors import transfers_in
from fund.models import Account, Fund
from fund.spreadsheets import write_table

FLUSH_BYTES = 64 * 1024

LEDGER_HEADER = TransferResource().get_export_headers()


def ledger_transfers(params: ExportParams, up_to_sequence: int):
    return transfers_in(
        date_from=params.date_from,
        date_to=params.date_to,
        fund=params.fund,
        up_to_sequence=up_to_sequence,
    ).order_by("sequence")


class AmountText(Func):
    """An amount as text with exactly two places, written by the database (``12.50``).

    ``Decimal(text)`` is the cheapest exact way from a database value to a two-place
    ``Decimal`` in Python: no float (SQLite keeps decimals as REAL, so Django's own
    converter goes through a float and a ``quantize`` for every row) and no ``quantize``.
    """

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        if "template" not in extra_context:
            raise NotSupportedError(f"No two-place amount text for {connection.vendor}.")
        return super().as_sql(compiler, connection, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # '%' is doubled twice: once for the template, once for the driver's parameters.
        template = "printf('%%%%.2f', %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        # numeric(14, 2) prints exactly two places.
        template = "(%(expressions)s)::text"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def driver_rows(queryset) -> Iterator[tuple]:
    """The rows of a ``values_list`` query as the database driver returns them.

    Django's per-row converters are skipped (on a ledger export they cost more than the
    query itself), so the query must select only columns the driver already returns as
    the right type: integers, text, dates (SQLite's driver converts a ``date`` column, as
    Django configures it) and amounts as ``AmountText``. Everything else is Django's own
    ``QuerySet.iterator`` path: chunks of ``CHUNK`` rows from a server-side cursor where
    the database has one, and nothing run for a query that cannot match.
    """
    compiler = queryset.query.get_compiler(using=queryset.db)
    for chunk in compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=CHUNK):
        yield from chunk


def ledger_rows(params: ExportParams, up_to_sequence: int) -> Iterator[tuple]:
    """The ledger's rows, straight from the database driver: no model instances.

    This loop runs once per transfer of a million-row export, so it does as little as it
    can: codes and names from two small dictionaries, the amount from its text.
    """
    accounts = dict(Account.objects.values_list("pk", "code"))
    names = dict(Account.objects.values_list("pk", "name"))
    funds = dict(Fund.objects.values_list("pk", "code"))
    rows = (
        ledger_transfers(params, up_to_sequence)
        .annotate(amount_text=AmountText("amount"))
        .values_list(
            "entry_id",
            "entry__effective_date",
            "sequence",
            "fund_id",
            "debit_account_id",
            "credit_account_id",
            "amount_text",
            "entry__memo",
            "entry__source",
            "entry__reverses_id",
            "hash",
        )
    )
    for (
        entry_id,
        day,
        sequence,
        fund_id,
        debit,
        credit,
        amount,
        memo,
        source,
        reverses,
        hash_,
    ) in driver_rows(rows):
        yield (
            entry_id,
            day,
            sequence,
            funds[fund_id],
            accounts[debit],
            names[debit],
            accounts[credit],
            names[credit],
            Decimal(amount),
            memo,
            source,
            reverses,
            hash_,
        )


def write_ledger(file_format: str, params: ExportParams, head, stream) -> int:
    up_to_sequence = head.sequence
    if file_format in TABLE_FORMATS:
        return write_table(
            file_format,
            stream,
            title="Ledger",
            header=LEDGER_HEADER,
            rows=ledger_rows(params, up_to_sequence),
        )
    if file_format in ("hledger", "beancount"):
        lines = journals.hledger_lines if file_format == "hledger" else journals.beancount_lines
        filters = {
            "date_from": params.date_from,
            "date_to": params.date_to,
            "fund": params.fund,
            "up_to_sequence": up_to_sequence,
        }
        buffer, size = [], 0
        for line in lines(**filters):
            buffer.append(line)
            size += len(line)
            if size > FLUSH_BYTES:
                stream.write("".join(buffer).encode())
                buffer, size = [], 0
        stream.write("".join(buffer).encode())
        return transfers_in(**filters).count()
    raise ValueError(f"The ledger cannot be exported as {file_format!r}.")
