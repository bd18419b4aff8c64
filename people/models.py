"""Invitations to the fund's pages, and the history of changes made to people.

An invitation carries only the SHA-256 of its link's token: the token itself is in the
e-mail and nowhere else. It is used once and lapses after ``INVITATION_DAYS``.
"""

from django.conf import settings
from django.db import models

from people.roles import Role

INVITATION_DAYS = 7


class Invitation(models.Model):
    email = models.EmailField()
    role = models.CharField(max_length=40, choices=[(r.value, r.value) for r in Role])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.role})"


class PersonChange(models.Model):
    """One change to a person's account, and who made it."""

    class Kind(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted the invitation"
        ROLE_CHANGED = "role_changed", "Role changed"
        AGENCY_CHANGED = "agency_changed", "Agency changed"
        DEACTIVATED = "deactivated", "Deactivated"
        REQUESTS_PASSED = "requests_passed", "Open requests passed on"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="changes"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person}"
