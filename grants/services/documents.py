"""Quotes and receipts: uploads checked by their content and held to the size limit."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from fund.workflow import transition
from grants.exceptions import InvalidUpload, NotAllowed
from grants.models import Document, Grant
from grants.services.checks import (
    QUOTE_STATES,
    RECEIPT_STATES,
    S,
    agency_of,
    is_staff_decider,
    lock_grant,
)

MEGABYTE = 1024 * 1024


def upload_limit_bytes() -> int:
    """The largest quote or receipt accepted, per file (settings.MAX_UPLOAD_BYTES)."""
    return settings.MAX_UPLOAD_BYTES


def megabytes(size: int) -> str:
    """A size in MB to one decimal place, rounded up so that a file even one byte over the
    limit never reads as the limit: 10,485,760 bytes is "10 MB", 10,485,761 "10.1 MB"."""
    tenths = -(-size * 10 // MEGABYTE)
    return f"{tenths // 10}.{tenths % 10}".removesuffix(".0") + " MB"


def upload_too_large(size: int) -> str | None:
    """Why a file of ``size`` bytes is refused, or None when it is within the limit."""
    limit = upload_limit_bytes()
    if size <= limit:
        return None
    return f"The file must be {megabytes(limit)} or smaller; this one is {megabytes(size)}."


# The first bytes of each accepted file type: the content decides, never the file's name.
MAGIC_BYTES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]


def _sniff(upload: UploadedFile) -> tuple[str, str]:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, extension in MAGIC_BYTES:
        if head.startswith(magic):
            return content_type, extension
    raise InvalidUpload(
        "The file must be a PDF, JPEG or PNG (checked by its content, not its name)."
    )


def document_upload(
    *, actor: AbstractBaseUser, grant: Grant, kind: str, upload: UploadedFile
) -> Document:
    """Store a quote or receipt privately; the first receipt moves a paid grant on."""
    is_key_worker = agency_of(actor) is not None and agency_of(actor).pk == grant.agency_id
    if not (is_key_worker or is_staff_decider(actor)):
        raise NotAllowed("Only the requesting agency or fund staff can add documents.")
    if kind not in Document.Kind.values:
        raise InvalidUpload("Say whether this is a quote or a receipt.")
    if upload.size == 0:
        raise InvalidUpload("The file is empty.")
    if too_large := upload_too_large(upload.size):
        raise InvalidUpload(too_large)
    content_type, extension = _sniff(upload)
    with transaction.atomic():
        locked = lock_grant(grant)
        allowed = QUOTE_STATES if kind == Document.Kind.QUOTE else RECEIPT_STATES
        if locked.status not in allowed:
            raise InvalidUpload(
                f"A {kind} cannot be added while the request is "
                f"{locked.get_status_display().lower()}."
            )
        number = Document.objects.filter(grant=locked, kind=kind).count() + 1
        document = Document(
            grant=locked,
            kind=kind,
            display_name=f"{kind}-{locked.reference}-{number}{extension}",
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        document.file.save(f"upload{extension}", upload, save=False)
        document._history_user = actor
        document.save()
        if kind == Document.Kind.RECEIPT and locked.status == S.PAID:
            transition(locked, actor=actor, to=S.RECEIPT_RECEIVED, note="Receipt uploaded")
    return document
