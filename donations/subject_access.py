"""The donations app's part of a subject-access export: everything held about a donor email.

The email is matched case-insensitively across online gifts. For each gift: what the donor
asked for (amount, frequency, fund, name, email), Stripe's customer id, a monthly gift's
cancellation, every status change, every payment Stripe took (amount, fee, date, refunds
with the reasons staff gave, refunds that failed and why, disputes, Gift Aid claimed) and
the Gift Aid declaration with its address and any cancellation. The audit app puts this
part into the file it serves (audit.subject_access).
"""

from donations.models.online import OnlineDonation
from fund.money import money_text


def _when(value) -> str | None:
    return value.isoformat() if value else None


def donor_subject_access_records(email: str) -> list[dict]:
    gifts = (
        OnlineDonation.objects.filter(donor_email__iexact=email.strip())
        .select_related("gift_aid", "fund", "collection_point")
        .prefetch_related(
            "payments__staff_refunds",
            "payments__refund_failures",
            "payments__gift_aid_claim",
            "events",
        )
        .order_by("created_at", "id")
    )
    return [_gift(gift) for gift in gifts]


def _gift(gift: OnlineDonation) -> dict:
    return {
        "reference": gift.reference,
        "given": _when(gift.created_at),
        "amount": money_text(gift.amount),
        "frequency": gift.get_frequency_display(),
        "status": gift.get_status_display(),
        "fund": gift.fund.name,
        "name": gift.donor_name,
        "email": gift.donor_email,
        "collection_point": gift.collection_point.host_name if gift.collection_point else None,
        "stripe_customer_id": gift.stripe_customer_id or None,
        "stripe_subscription_id": gift.stripe_subscription_id or None,
        "monthly_gift": _monthly(gift),
        "status_events": [
            {
                "at": _when(event.at),
                "from": event.from_status,
                "to": event.to_status,
                "note": event.note,
            }
            for event in sorted(gift.events.all(), key=lambda e: (e.at, e.pk))
        ],
        "payments": [
            _payment(p) for p in sorted(gift.payments.all(), key=lambda p: (p.paid_on, p.pk))
        ],
        "gift_aid_declaration": _declaration(gift.gift_aid),
    }


def _monthly(gift: OnlineDonation) -> dict | None:
    if gift.frequency != OnlineDonation.Frequency.MONTHLY:
        return None
    return {
        "monthly_amount": money_text(gift.amount),
        "cancelled": _when(gift.cancelled_at),
        "cancel_reason": gift.cancel_reason or None,
    }


def _payment(payment) -> dict:
    claim = payment.gift_aid_claim
    return {
        "paid_on": _when(payment.paid_on),
        "amount": money_text(payment.amount),
        "fee": money_text(payment.fee),
        "refunded": money_text(payment.amount_refunded),
        "refunds_by_staff": [
            {
                "requested": _when(refund.requested_at),
                "amount": money_text(refund.amount),
                "reason": refund.reason,
            }
            for refund in sorted(payment.staff_refunds.all(), key=lambda r: (r.requested_at, r.pk))
        ],
        "failed_refunds": [
            {
                "recorded": _when(failure.recorded_at),
                "amount": money_text(failure.amount),
                "reason": failure.failure_reason,
            }
            for failure in payment.refund_failures.all()
        ],
        "dispute": payment.get_dispute_display() if payment.dispute else None,
        "disputed": money_text(payment.amount_disputed),
        "gift_aid_claimed": claim is not None,
        "gift_aid_claim_made": _when(claim.created_at) if claim else None,
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
        "lives_outside_the_uk": declaration.outside_uk,
        "statement": declaration.statement,
        "declared": _when(declaration.declared_at),
        "covers_gifts_from": _when(declaration.covers_from),
        "cancelled_on": _when(declaration.cancelled_on),
    }
