"""The donations app's part of a subject-access export: everything held about a donor email.

The email is matched case-insensitively across online gifts and their Gift Aid
declarations. The audit app puts this part into the file it serves (audit.subject_access).
"""

from donations.models.online import OnlineDonation
from fund.money import money_text


def _when(value) -> str | None:
    return value.isoformat() if value else None


def donor_subject_access_records(email: str) -> list[dict]:
    gifts = (
        OnlineDonation.objects.filter(donor_email__iexact=email.strip())
        .select_related("gift_aid", "fund")
        .prefetch_related("payments")
        .order_by("created_at")
    )
    return [
        {
            "given": _when(gift.created_at),
            "amount": money_text(gift.amount),
            "frequency": gift.get_frequency_display(),
            "status": gift.get_status_display(),
            "fund": gift.fund.name,
            "name": gift.donor_name,
            "email": gift.donor_email,
            "payments": [
                {
                    "paid_on": _when(p.paid_on),
                    "amount": money_text(p.amount),
                    "refunded": money_text(p.amount_refunded),
                    "gift_aid_claimed": p.gift_aid_claim_id is not None,
                }
                for p in gift.payments.all()
            ],
            "gift_aid_declaration": _declaration(gift.gift_aid),
        }
        for gift in gifts
    ]


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
