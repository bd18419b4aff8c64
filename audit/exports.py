"""Exports for a date range and a fund, in every format an accountant or auditor uses.

Each export is written to a binary stream through ``export_write``, which hashes the bytes
as they pass and records a manifest (who, when, parameters, SHA-256, chain head). Every
export reads the chain head first and includes only transfers up to it, so the file and
its manifest describe the same ledger even while new entries are being posted.

Every table export (CSV, XLSX, ODS) is written from the same plain rows, read with
``values_list`` in chunks: text, ``int``, ``Decimal`` amounts, dates and ``None``. The
writers in ``fund.spreadsheets`` turn them into cells in constant memory, numbers as
numbers and dates as dates, and never let text become a formula. The column names come
from the django-import-export resources in ``audit.resources``, which the admin's own
(small) exports use, and a test keeps the two row for row in step.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import NotSupportedError
from django.db.models import CharField, Func
from django.db.models.sql.constants import MULTI

from audit import journals, reconciliation, statements
from audit.models import ExportManifest
from audit.resources import (
    CollectionResource,
    DepositResource,
    GiftAidClaimResource,
    GrantResource,
    OnlinePaymentResource,
    TransferResource,
    days_between,
    local_date,
    money,
    yes_no,
)
from audit.selectors import transfers_in
from audit.services import manifest_record
from fund.models import Account, ChainHead, Fund
from fund.selectors import chain_head
from fund.spreadsheets import write_table

CHUNK = 5_000
FLUSH_BYTES = 64 * 1024
TABLE_FORMATS = ("csv", "xlsx", "ods")


@dataclass(frozen=True)
class ExportParams:
    date_from: date | None = None
    date_to: date | None = None
    fund: Fund | None = None

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "fund": self.fund.code if self.fund else None,
        }

    def describe(self) -> str:
        period = (
            f"{self.date_from.isoformat() if self.date_from else 'the start'} to "
            f"{self.date_to.isoformat() if self.date_to else 'today'}"
        )
        return f"{self.fund.name if self.fund else 'All funds'}, {period}"


class HashingWriter:
    """Pass bytes to ``stream`` while counting them and hashing them with SHA-256."""

    def __init__(self, stream):
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.stream.write(data)
        return len(data)

    def flush(self) -> None:
        self.stream.flush()


# --- the ledger -------------------------------------------------------------------------

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


def _write_statement(code: str, file_format: str, params: ExportParams, head, stream) -> int:
    return statements.write_statement(code, params, head.sequence, head.hash, stream)


# --- donations: online payments, collections, deposits, Gift Aid claims -------------------


def _dated(rows, lookup: str, params: ExportParams):
    if params.date_from:
        rows = rows.filter(**{f"{lookup}__gte": params.date_from})
    if params.date_to:
        rows = rows.filter(**{f"{lookup}__lte": params.date_to})
    return rows


def online_payments(params: ExportParams):
    rows = _dated(OnlinePaymentResource().get_queryset(), "paid_on", params)
    return rows.filter(fund=params.fund) if params.fund else rows


def online_payment_rows(params: ExportParams) -> Iterator[tuple]:
    rows = online_payments(params).values_list(
        "id",
        "donation_id",
        "paid_on",
        "fund__code",
        "donation__frequency",
        "amount",
        "fee",
        "amount_refunded",
        "amount_disputed",
        "dispute",
        "donation__gift_aid_id",
        "gift_aid_claim_id",
        "donation__collection_point__box_number",
        "charge_id",
    )
    for (
        pk,
        donation,
        paid_on,
        fund,
        frequency,
        amount,
        fee,
        refunded,
        disputed,
        dispute,
        gift_aid,
        claim,
        box,
        charge,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            pk,
            f"OD-{donation:06d}",
            paid_on,
            fund,
            frequency,
            money(amount),
            money(fee),
            money(refunded),
            money(disputed),
            dispute,
            yes_no(gift_aid),
            claim,
            box,
            charge,
        )


def collections(params: ExportParams):
    rows = _dated(CollectionResource().get_queryset(), "emptied_at__date", params)
    return rows.filter(point__fund=params.fund) if params.fund else rows


def collection_rows(params: ExportParams) -> Iterator[tuple]:
    rows = collections(params).values_list(
        "id",
        "point__box_number",
        "point__host_name",
        "point__fund__code",
        "emptied_at",
        "seal_expected",
        "seal_removed",
        "seal_fitted",
        "seal_broken",
        "amount",
        "status",
        "counted_by__username",
        "confirmed_by__username",
        "deposit__paying_in_reference",
        "entry_id",
    )
    for (
        pk,
        box,
        host,
        fund,
        emptied_at,
        expected,
        removed,
        fitted,
        broken,
        amount,
        status,
        counted_by,
        confirmed_by,
        deposit,
        entry,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            pk,
            box,
            host,
            fund,
            local_date(emptied_at),
            expected,
            removed,
            fitted,
            yes_no(broken),
            money(amount),
            status,
            counted_by,
            confirmed_by,
            deposit,
            entry,
        )


def deposits(params: ExportParams):
    rows = _dated(DepositResource().get_queryset(), "banked_on", params)
    return rows.filter(fund=params.fund) if params.fund else rows


def deposit_rows(params: ExportParams) -> Iterator[tuple]:
    rows = deposits(params).values_list(
        "paying_in_reference",
        "banked_on",
        "fund__code",
        "counted_total",
        "amount_banked",
        "difference_reason",
        "status",
        "recorded_by__username",
        "checked_by__username",
        "entry_id",
    )
    for (
        reference,
        banked_on,
        fund,
        counted,
        banked,
        reason,
        status,
        recorded_by,
        checked_by,
        entry,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            reference,
            banked_on,
            fund,
            money(counted),
            money(banked),
            money(banked - counted),
            reason,
            status,
            recorded_by,
            checked_by,
            entry,
        )


def gift_aid_claims(params: ExportParams):
    """Claims made in the period; a claim covers gifts to every fund, so no fund filter."""
    return _dated(GiftAidClaimResource().get_queryset(), "created_at__date", params)


def gift_aid_claim_rows(params: ExportParams) -> Iterator[tuple]:
    rows = gift_aid_claims(params).values_list(
        "id",
        "date_from",
        "date_to",
        "total",
        "payment_count",
        "created_by__username",
        "created_at",
    )
    for pk, date_from, date_to, total, count, created_by, created_at in rows.iterator(
        chunk_size=CHUNK
    ):
        yield (
            pk,
            date_from,
            date_to,
            money(total),
            count,
            created_by,
            created_at,
        )


def grants(params: ExportParams):
    rows = _dated(GrantResource().get_queryset(), "submitted_at__date", params)
    return rows.filter(fund=params.fund) if params.fund else rows


def grant_rows(params: ExportParams) -> Iterator[tuple]:
    rows = grants(params).values_list(
        "id",
        "agency__name",
        "category__name",
        "category__code",
        "fund__code",
        "status",
        "amount",
        "payout__amount",
        "submitted_at",
        "decided_at",
        "payout__paid_on",
        "paid_at",
        "payout__method",
        "approval_entry_id",
    )
    for (
        pk,
        agency,
        category,
        account,
        fund,
        status,
        amount,
        paid,
        submitted_at,
        decided_at,
        paid_on,
        paid_at,
        method,
        entry,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            f"G-{pk:05d}",
            agency,
            category,
            account,
            fund,
            status,
            money(amount),
            money(paid) if paid is not None else None,
            local_date(submitted_at),
            local_date(decided_at),
            paid_on,
            days_between(submitted_at, decided_at),
            days_between(submitted_at, paid_at),
            method,
            entry,
        )


def _table_kind(title: str, resource_class, rows):
    def write(file_format: str, params: ExportParams, head, stream) -> int:
        return write_table(
            file_format,
            stream,
            title=title,
            header=resource_class().get_export_headers(),
            rows=rows(params),
        )

    return write


@dataclass(frozen=True)
class ExportKind:
    code: str
    label: str
    formats: tuple[str, ...]
    write: Callable[[str, ExportParams, ChainHead, object], int]
    is_statement: bool = False


EXPORT_KINDS: dict[str, ExportKind] = {
    "ledger": ExportKind(
        "ledger",
        "Ledger: entries and transfers",
        TABLE_FORMATS + ("hledger", "beancount"),
        write_ledger,
    ),
    "donations": ExportKind(
        "donations",
        "Online donations (one row per payment)",
        TABLE_FORMATS,
        _table_kind("Online donations", OnlinePaymentResource, online_payment_rows),
    ),
    "grants": ExportKind(
        "grants",
        "Grants (the register; no client references)",
        TABLE_FORMATS,
        _table_kind("Grants", GrantResource, grant_rows),
    ),
    "collections": ExportKind(
        "collections",
        "Collection box emptyings",
        TABLE_FORMATS,
        _table_kind("Collections", CollectionResource, collection_rows),
    ),
    "deposits": ExportKind(
        "deposits",
        "Cash deposits",
        TABLE_FORMATS,
        _table_kind("Deposits", DepositResource, deposit_rows),
    ),
    "gift_aid_claims": ExportKind(
        "gift_aid_claims",
        "Gift Aid claims (all funds)",
        TABLE_FORMATS,
        _table_kind("Gift Aid claims", GiftAidClaimResource, gift_aid_claim_rows),
    ),
}
EXPORT_KINDS["bank_reconciliation"] = ExportKind(
    "bank_reconciliation",
    "Bank reconciliation (at the end date)",
    ("pdf", "csv"),
    reconciliation.write_bank_reconciliation,
    is_statement=True,
)
for _code, _statement in statements.STATEMENTS.items():
    EXPORT_KINDS[_code] = ExportKind(
        _code, _statement.title, ("pdf",), partial(_write_statement, _code), is_statement=True
    )

FILE_EXTENSIONS = {
    "csv": "csv",
    "xlsx": "xlsx",
    "ods": "ods",
    "hledger": "journal",
    "beancount": "beancount",
    "pdf": "pdf",
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "hledger": "text/plain; charset=utf-8",
    "beancount": "text/plain; charset=utf-8",
    "pdf": "application/pdf",
}


def default_file_name(kind: str, file_format: str, params: ExportParams, head_sequence: int) -> str:
    parts = [kind.replace("_", "-"), params.fund.code if params.fund else "all-funds"]
    if params.date_from:
        parts.append(f"from-{params.date_from.isoformat()}")
    if params.date_to:
        parts.append(f"to-{params.date_to.isoformat()}")
    parts.append(f"head-{head_sequence}")
    return "_".join(parts) + "." + FILE_EXTENSIONS[file_format]


def export_write(
    *,
    actor: AbstractBaseUser | None,
    actor_name: str,
    kind: str,
    file_format: str,
    params: ExportParams,
    stream,
    file_name: str | None = None,
) -> ExportManifest:
    """Write one export to ``stream`` (binary) and record its manifest."""
    export = EXPORT_KINDS[kind]
    if file_format not in export.formats:
        raise ValueError(f"{export.label} cannot be exported as {file_format!r}.")
    head = chain_head()
    writer = HashingWriter(stream)
    rows = export.write(file_format, params, head, writer)
    writer.flush()
    return manifest_record(
        actor=actor,
        actor_name=actor_name,
        kind=kind,
        file_format=file_format,
        parameters=params.as_dict(),
        file_name=file_name or default_file_name(kind, file_format, params, head.sequence),
        sha256=writer.digest.hexdigest(),
        size_bytes=writer.size,
        row_count=rows,
        chain_head_sequence=head.sequence,
        chain_head_hash=head.hash,
    )
