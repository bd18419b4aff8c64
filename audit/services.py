"""The audit app's only writes: its own manifests of what was exported."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from audit.models import ExportManifest


def manifest_record(
    *,
    actor: AbstractBaseUser | None,
    actor_name: str,
    kind: str,
    file_format: str,
    parameters: dict,
    file_name: str,
    sha256: str,
    size_bytes: int,
    row_count: int | None,
    chain_head_sequence: int,
    chain_head_hash: str,
) -> ExportManifest:
    """Record one export or statement; ``actor`` is None for a command run outside the web."""
    with transaction.atomic():
        return ExportManifest.objects.create(
            created_by=actor,
            actor_name=actor_name,
            kind=kind,
            file_format=file_format,
            parameters=parameters,
            file_name=file_name,
            sha256=sha256,
            size_bytes=size_bytes,
            row_count=row_count,
            chain_head_sequence=chain_head_sequence,
            chain_head_hash=chain_head_hash,
        )
