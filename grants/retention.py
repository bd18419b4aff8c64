"""Removing client data once its retention period is over (a service: see people.retention).

A client's reference and the free text about them (the person's own words, why the fund,
line-item descriptions, decision notes, outcome notes) are removed RETENTION
"grant_client_data" months after the last of their grants ended (closed, declined,
withdrawn or cancelled). Amounts, categories, dates and statuses stay, so every report and
ledger figure is unchanged. The change history of those records is cleared the same way.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q

from grants.models import Client, Grant, GrantEvent, LineItem, Outcome
from people.retention import REMOVED_TEXT, cutoff

ENDED = (
    Grant.Status.CLOSED,
    Grant.Status.DECLINED,
    Grant.Status.WITHDRAWN,
    Grant.Status.CANCELLED,
)
REMOVED_PREFIX = "removed-"


@dataclass
class ClientDataRemoval:
    clients: list[int] = field(default_factory=list)
    grants: list[int] = field(default_factory=list)


def clients_due(now: datetime):
    """Clients with no open grant whose last grant ended (or who were added, if they never
    had one) before the cut-off, not yet anonymised."""
    limit = cutoff("grant_client_data", now)
    open_grants = Grant.objects.exclude(status__in=ENDED)
    return (
        Client.objects.exclude(reference__startswith=REMOVED_PREFIX)
        .exclude(grants__in=open_grants)
        .annotate(ended_at=Max("grants__events__at", filter=Q(grants__events__to_status__in=ENDED)))
        .filter(Q(ended_at__lt=limit) | Q(grants__isnull=True, created_at__lt=limit))
    )


@transaction.atomic
def client_data_remove_expired(*, actor, now: datetime) -> ClientDataRemoval:
    """Anonymise every client due for removal; returns what was changed (ids only)."""
    due = sorted(set(clients_due(now).values_list("pk", flat=True)))
    # Lock the rows so a grant being opened for one of them right now waits for this.
    clients = list(
        Client.objects.filter(pk__in=due).select_for_update().values_list("pk", flat=True)
    )
    grants = list(Grant.objects.filter(client_id__in=clients).values_list("pk", flat=True))
    for pk in clients:
        # The reference stays unique per agency, and says what happened, not who it was.
        Client.objects.filter(pk=pk).update(reference=f"{REMOVED_PREFIX}{pk}")
        Client.history.filter(id=pk).update(reference=f"{REMOVED_PREFIX}{pk}")
    for model in (Grant, Grant.history.model):
        model.objects.filter(**{_id(model): grants}).update(
            own_words=REMOVED_TEXT, why_fund=REMOVED_TEXT
        )
    for model in (LineItem, LineItem.history.model):
        model.objects.filter(grant_id__in=grants).update(description=REMOVED_TEXT)
    for model in (Outcome, Outcome.history.model):
        model.objects.filter(grant_id__in=grants).update(note="")
    GrantEvent.objects.filter(grant_id__in=grants).exclude(note="").update(note=REMOVED_TEXT)
    return ClientDataRemoval(clients=clients, grants=grants)


def _id(model) -> str:
    return "id__in" if model.__name__.startswith("Historical") else "pk__in"
