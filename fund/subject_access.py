"""Subject-access export: everything held about one client reference or one donor email.

Read-only selectors returning plain data for a JSON file; the view (fund.views) serves it
to fund staff. A client reference is looked up in every agency (each agency has its own
references); a donor email, case-insensitively, across online gifts and their Gift Aid
declarations.
"""

from django.utils import timezone

from donations.models.online import OnlineDonation
from grants.models import Client


def _money(value) -> str:
    return f"{value.amount:.2f} {value.currency}"


def _when(value) -> str | None:
    return value.isoformat() if value else None


def client_subject_access(reference: str) -> dict:
    clients = Client.objects.filter(reference__iexact=reference.strip()).select_related("agency")
    return {
        "kind": "client reference",
        "searched_for": reference.strip(),
        "produced_at": timezone.now().isoformat(),
        "clients": [_client(client) for client in clients],
    }


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
                "amount": _money(grant.amount),
                "own_words": grant.own_words,
                "why_the_fund": grant.why_fund,
                "requested": _when(grant.created_at),
                "decided": _when(grant.decided_at),
                "paid": _when(grant.paid_at),
                "items": [
                    {
                        "description": item.description,
                        "supplier": item.supplier,
                        "amount": _money(item.amount),
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
        "amount": _money(payout.amount),
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


def donor_subject_access(email: str) -> dict:
    gifts = (
        OnlineDonation.objects.filter(donor_email__iexact=email.strip())
        .select_related("gift_aid", "fund")
        .prefetch_related("payments")
        .order_by("created_at")
    )
    return {
        "kind": "donor email",
        "searched_for": email.strip(),
        "produced_at": timezone.now().isoformat(),
        "gifts": [
            {
                "given": _when(gift.created_at),
                "amount": _money(gift.amount),
                "frequency": gift.get_frequency_display(),
                "status": gift.get_status_display(),
                "fund": gift.fund.name,
                "name": gift.donor_name,
                "email": gift.donor_email,
                "payments": [
                    {
                        "paid_on": _when(p.paid_on),
                        "amount": _money(p.amount),
                        "refunded": _money(p.amount_refunded),
                        "gift_aid_claimed": p.gift_aid_claim_id is not None,
                    }
                    for p in gift.payments.all()
                ],
                "gift_aid_declaration": _declaration(gift.gift_aid),
            }
            for gift in gifts
        ],
    }


def _declaration(declaration) -> dict | None:
    if declaration is None:
        return None
    return {
        "title": declaration.title,
        "first_name": declaration.first_name,
        "last_name": declaration.last_name,
        "house_name_or_number": declaration.house_name_or_number,
        "address": declaration.address,
        "postcode": declaration.postcode,
        "statement": declaration.statement,
        "declared": _when(declaration.declared_at),
    }
