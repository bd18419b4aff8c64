"""Refunds of online gifts: a refund staff ask Stripe for, and the ledger following Stripe's
cumulative ``amount_refunded`` (only the increase posts); a refund Stripe could not make is
undone once by a reversing entry."""

import uuid
from decimal import Decimal

import stripe
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import RefundFailed, RefundInvalid
from donations.models.online import OnlinePayment, RefundFailure, StaffRefund, StripeEvent
from donations.services.giftaid import gift_aid_overclaim_sync
from donations.services.online import payment_for_charge
from donations.services.stripe_api import as_dict, stripe_client
from fund.models import Entry
from fund.money import from_pence, to_pence
from fund.services.posting import Leg, entry_post
from fund.services.reversal import entry_reverse


def on_charge_refunded(charge: dict, _remote, actor) -> tuple[str, str]:
    payment = payment_for_charge(charge["id"])
    if payment is None:
        return StripeEvent.Outcome.WAITING, charge["id"]
    refunds_sync(payment=payment, cumulative_pence=charge["amount_refunded"], actor=actor)
    for refund in (charge.get("refunds") or {}).get("data") or []:
        if refund.get("status") == "failed":
            refund_failure_record(payment=payment, refund=refund, actor=actor)
    return StripeEvent.Outcome.PROCESSED, ""


def on_refund(refund: dict, _remote, actor) -> tuple[str, str]:
    """``refund.failed`` or ``refund.updated``: only a failure changes anything here."""
    if refund.get("status") != "failed":
        return StripeEvent.Outcome.PROCESSED, ""
    charge_id = refund["charge"] if isinstance(refund["charge"], str) else refund["charge"]["id"]
    payment = payment_for_charge(charge_id)
    if payment is None:
        return StripeEvent.Outcome.WAITING, charge_id
    refund_failure_record(payment=payment, refund=refund, actor=actor)
    return StripeEvent.Outcome.PROCESSED, ""


def refunds_sync(*, payment: OnlinePayment, cumulative_pence: int, actor) -> OnlinePayment:
    """Bring the payment's refunds up to Stripe's cumulative figure; post only the increase."""
    cumulative = from_pence(cumulative_pence or 0)
    # Stripe's figure still counts refunds that later failed; those are no longer refunded.
    failed = payment.refund_failures.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    posted = payment.amount_refunded + Money(failed, "GBP")
    if cumulative <= posted:
        return payment  # An older or repeated figure: nothing new.
    increase = cumulative - posted
    entry_post(
        actor=actor,
        effective_date=timezone.localdate(),
        memo=f"Refund of online gift {payment.donation.reference}, payment {payment.pk}",
        source=f"donations.OnlinePayment:{payment.pk}",
        legs=[
            Leg(
                fund=payment.fund,
                debit="income:donations:online",
                credit="assets:stripe",
                amount=increase,
            )
        ],
        idempotency_key=f"stripe:refund:{payment.charge_id}:{cumulative_pence}",
    )
    payment.amount_refunded += increase
    payment._history_user = actor
    payment.save(update_fields=["amount_refunded"])
    gift_aid_overclaim_sync(payment=payment, actor=actor)
    return payment


def refund_failure_record(*, payment: OnlinePayment, refund: dict, actor) -> None:
    """Undo a refund Stripe could not make, once per refund, by a reversing entry."""
    if RefundFailure.objects.filter(stripe_refund_id=refund["id"]).exists():
        return
    amount = from_pence(refund["amount"])
    reversal = None
    if amount <= payment.amount_refunded:
        # The refund was posted here: reverse its entry (refunds post by Stripe's running
        # total, so it is the latest unreversed refund entry of exactly this amount).
        for entry in Entry.objects.filter(
            idempotency_key__startswith=f"stripe:refund:{payment.charge_id}:",
            reverses__isnull=True,
        ).order_by("-id"):
            entry_amount = entry.transfers.aggregate(total=Sum("amount"))["total"]
            if entry_amount == amount.amount and not Entry.objects.filter(reverses=entry).exists():
                reversal = entry_reverse(
                    actor=actor,
                    entry=entry,
                    effective_date=timezone.localdate(),
                    memo=(
                        f"Refund {refund['id']} of online gift {payment.donation.reference} "
                        "failed; money back in the Stripe balance"
                    ),
                    idempotency_key=f"stripe:refund-failed:{refund['id']}",
                )
                break
        else:
            # Posted together with another refund: put this one's money back on its own.
            reversal = entry_post(
                actor=actor,
                effective_date=timezone.localdate(),
                memo=(
                    f"Refund {refund['id']} of online gift {payment.donation.reference} "
                    "failed; money back in the Stripe balance"
                ),
                source=f"donations.OnlinePayment:{payment.pk}",
                legs=[
                    Leg(
                        fund=payment.fund,
                        debit="assets:stripe",
                        credit="income:donations:online",
                        amount=amount,
                    )
                ],
                idempotency_key=f"stripe:refund-failed:{refund['id']}",
            )
        payment.amount_refunded -= amount
        payment._history_user = actor
        payment.save(update_fields=["amount_refunded"])
        gift_aid_overclaim_sync(payment=payment, actor=actor)
    # Otherwise the failure arrived before the refund: recording it means the refund's
    # own event later finds nothing to post.
    RefundFailure.objects.create(
        payment=payment,
        stripe_refund_id=refund["id"],
        amount=amount,
        failure_reason=refund.get("failure_reason") or "",
        reversal=reversal,
    )


def online_payment_refund(
    *,
    actor: AbstractBaseUser,
    payment: OnlinePayment,
    amount: Money,
    reason: str,
    request_key: uuid.UUID,
) -> StaffRefund:
    """Refund all or part of a payment through Stripe; the ledger follows Stripe's figures.

    ``request_key`` is the refund form's one-time token, so a resubmitted form reaches
    Stripe with the same idempotency key and refunds once.
    """
    done = StaffRefund.objects.filter(request_key=request_key).first()
    if done is not None:
        return done
    payment = OnlinePayment.objects.get(pk=payment.pk)
    if not isinstance(amount, Money) or amount.amount <= 0:
        raise RefundInvalid("Enter an amount to refund.")
    if amount > payment.refundable:
        raise RefundInvalid(f"At most {payment.refundable} of this payment can still be refunded.")
    if not reason.strip():
        raise RefundInvalid("Give a reason for the refund.")
    client = stripe_client()
    try:
        refund = client.v1.refunds.create(
            params={
                "payment_intent": payment.payment_intent_id,
                "amount": to_pence(amount),
                "reason": "requested_by_customer",
                "metadata": {"payment": str(payment.pk), "request": str(request_key)},
            },
            options={"idempotency_key": f"clf-refund-{request_key}"},
        )
        charge = as_dict(client.v1.charges.retrieve(payment.charge_id))
    except stripe.StripeError as error:
        raise RefundFailed(
            f"Stripe did not make the refund: {error.user_message or error}"
        ) from error
    with transaction.atomic():
        payment = OnlinePayment.objects.select_for_update().get(pk=payment.pk)
        staff_refund, _ = StaffRefund.objects.get_or_create(
            request_key=request_key,
            defaults={
                "payment": payment,
                "amount": amount,
                "reason": reason.strip(),
                "stripe_refund_id": refund.id,
                "requested_by": actor,
            },
        )
        # Stripe's own running total decides what posts, so the charge.refunded webhook
        # for this same refund finds nothing left to do.
        refunds_sync(payment=payment, cumulative_pence=charge["amount_refunded"], actor=actor)
    return staff_refund
