"""The audit app's own records: one manifest per export or statement that left the system."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone


class ExportManifest(models.Model):
    """Who exported what, when, its SHA-256 and the ledger chain head at that moment.

    Anyone holding an export and its manifest can later show whether the ledger up to that
    chain head has been rewritten. Rows are written only by ``audit.services``.
    """

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="The user, or who ran the command.")
    kind = models.CharField(max_length=40)
    file_format = models.CharField(max_length=20)
    parameters = models.JSONField(default=dict)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    row_count = models.BigIntegerField(null=True, blank=True)
    chain_head_sequence = models.BigIntegerField()
    chain_head_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64), name="audit_exportmanifest_sha256_length"
            ),
            models.CheckConstraint(
                condition=Q(size_bytes__gte=0) & Q(chain_head_sequence__gte=0),
                name="audit_exportmanifest_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_format} by {self.actor_name} at {self.created_at:%Y-%m-%d}"

    def as_json(self) -> dict:
        """The manifest as written beside command-line exports."""
        return {
            "manifest_version": 1,
            "id": self.pk,
            "export": self.kind,
            "format": self.file_format,
            "file": self.file_name,
            "sha256": self.sha256,
            "bytes": self.size_bytes,
            "rows": self.row_count,
            "parameters": self.parameters,
            "generated_at": self.created_at.isoformat(),
            "generated_by": self.actor_name,
            "chain_head": {"sequence": self.chain_head_sequence, "hash": self.chain_head_hash},
        }
