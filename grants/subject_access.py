"""The grants app's part of a subject-access export: everything held about a client reference.

A client reference is looked up in every agency (each agency has its own references). The
audit app puts this part into the file it serves (audit.subject_access).
"""

from fund.money import money_text
from grants.models import Client


def _when(value) -> str | None:
    return value.isoformat() if value else None


def client_subject_access_records(reference: str) -> list[dict]:
    clients = Client.objects.filter(reference__iexact=reference.strip()).select_related("agency")
    return [_client(client) for client in clients]


def _client(client) -> dict:
    grants = client.grants.select_related("category", "fund", "payout", "outcome").prefetch_related(
        "line_items", "events", "documents"
    )
    return {
        "reference": client.reference,
        "agency": client.agency.name,
        "added": _when(client.created_at),
        "grants": [
            {
                "reference": grant.reference,
                "status": grant.get_status_display(),
                "category": grant.category.name,
                "fund": grant.fund.name,
                "amount": money_text(grant.amount),
                "own_words": grant.own_words,
                "why_the_fund": grant.why_fund,
                "requested": _when(grant.created_at),
                "decided": _when(grant.decided_at),
                "paid": _when(grant.paid_at),
                "items": [
                    {
                        "description": item.description,
                        "supplier": item.supplier,
                        "amount": money_text(item.amount),
                    }
                    for item in grant.line_items.all()
                ],
                "history": [
                    {
                        "at": _when(event.at),
                        "from": event.from_status,
                        "to": event.to_status,
                        "note": event.note,
                    }
                    for event in grant.events.order_by("at")
                ],
                "documents": [
                    {
                        "kind": doc.kind,
                        "name": doc.display_name,
                        "uploaded": _when(doc.uploaded_at),
                    }
                    for doc in grant.documents.all()
                ],
                "payout": _payout(grant),
                "outcome": _outcome(grant),
            }
            for grant in grants
        ],
    }


def _payout(grant) -> dict | None:
    payout = getattr(grant, "payout", None)
    if payout is None:
        return None
    return {
        "payee": payout.payee,
        "method": payout.get_method_display(),
        "reference": payout.reference,
        "paid_on": _when(payout.paid_on),
        "amount": money_text(payout.amount),
    }


def _outcome(grant) -> dict | None:
    outcome = getattr(grant, "outcome", None)
    if outcome is None:
        return None
    return {
        "barrier_removed": outcome.get_barrier_removed_display(),
        "note": outcome.note,
        "consent_to_share": outcome.consent_to_share,
        "recorded": _when(outcome.recorded_at),
    }
