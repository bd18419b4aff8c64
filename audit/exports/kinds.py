"""The exports on offer (``EXPORT_KINDS``), their file names and content types, and
``export_write``, which writes one to a stream while hashing it and records its manifest."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import router

from audit import reconciliation, statements
from audit.exports.donations import (
    collection_rows,
    deposit_rows,
    gift_aid_claim_rows,
    online_payment_rows,
)
from audit.exports.grants import grant_rows
from audit.exports.ledger import write_ledger
from audit.exports.params import TABLE_FORMATS, ExportParams
from audit.models import ExportManifest
from audit.resources import (
    CollectionResource,
    DepositResource,
    GiftAidClaimResource,
    GrantResource,
    OnlinePaymentResource,
)
from audit.services import manifest_record
from fund.models import ChainHead, Transfer
from fund.selectors import chain_head
from fund.snapshots import read_snapshot
from fund.spreadsheets import write_table


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


def _write_statement(code: str, file_format: str, params: ExportParams, head, stream) -> int:
    return statements.write_statement(code, params, head.sequence, head.hash, stream)


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
    """Write one export to ``stream`` (binary) and record its manifest. Called outside a
    transaction, it reads at one snapshot (``read_snapshot``); inside one, at the caller's
    isolation."""
    export = EXPORT_KINDS[kind]
    if file_format not in export.formats:
        raise ValueError(f"{export.label} cannot be exported as {file_format!r}.")
    # The head, the figures and the lines all at one snapshot (on the database the reads go
    # to: the replica, where there is one), so a posting committed while a long export is
    # written is wholly in it or wholly out, and a total agrees with its lines.
    with read_snapshot(router.db_for_read(Transfer)):
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
