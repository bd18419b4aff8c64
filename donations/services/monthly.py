"""A donor's monthly gift after checkout: Stripe's customer portal, cancelling it, and what
Stripe's subscription events change.

- The donor's link (receipt e-mail, thank-you page) carries a token signed with the site's
  secret key for that one gift (``manage_token``): it cannot be guessed from the gift's
  reference or another gift's link. Following it creates a ``billing_portal`` session on
  demand for the gift's Stripe customer and sends the donor there; no portal URL is stored.
- Staff cancel a monthly gift with a reason: Stripe cancels the subscription first, then
  the gift is marked cancelled. ``customer.subscription.deleted`` (from either route)
  finds it already cancelled and changes nothing.
- A change the donor makes in the portal arrives as ``customer.subscription.updated``
  (the gift takes the new amount); an invoice names its subscription in either of Stripe's
  payload shapes (``invoice_subscription``).
"""

import time
from datetime import UTC, datetime

import stripe
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import CheckoutUnavailable, GiftCancelFailed, GiftNotMonthly
from donations.models.online import OnlineDonation, OnlineDonationEvent, StripeEvent
from donations.services.online import donation_for
from donations.services.stripe_api import as_dict, stripe_client
from fund.money import from_pence

MANAGE_SALT = "donations.monthly-gift.manage"


def manage_token(donation: OnlineDonation) -> str:
    """The same for the gift every time (a link in one e-mail and on the page agree)."""
    return signing.Signer(salt=MANAGE_SALT).sign_object(str(donation.public_id))


def donation_for_token(token: str) -> OnlineDonation | None:
    """The gift a donor's link is for, or None if the token is not one the site signed."""
    try:
        public_id = signing.Signer(salt=MANAGE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    return OnlineDonation.objects.filter(
        public_id=public_id, frequency=OnlineDonation.Frequency.MONTHLY
    ).first()


def _manageable(donation: OnlineDonation) -> None:
    if (
        donation.frequency != OnlineDonation.Frequency.MONTHLY
        or not donation.stripe_subscription_id
    ):
        raise GiftNotMonthly("Only a monthly gift that has started can be managed or cancelled.")


def monthly_gift_portal_url(*, donation: OnlineDonation, return_url: str) -> str:
    """A new Stripe customer-portal session for the gift's donor; its address, to redirect to."""
    _manageable(donation)
    client = stripe_client()
    try:
        customer = donation.stripe_customer_id
        if not customer:
            subscription = as_dict(
                client.v1.subscriptions.retrieve(donation.stripe_subscription_id)
            )
            customer = subscription["customer"]
        session = client.v1.billing_portal.sessions.create(
            params={"customer": customer, "return_url": return_url}
        )
    except stripe.StripeError as error:
        raise CheckoutUnavailable(
            "We cannot open the page to manage your gift just now. Please try again later."
        ) from error
    return session.url


def monthly_gift_cancel(
    *, actor: AbstractBaseUser, donation: OnlineDonation, reason: str
) -> OnlineDonation:
    """Staff stop a monthly gift: Stripe cancels the subscription, then the gift records why."""
    _manageable(donation)
    reason = " ".join(reason.split())
    if not reason:
        raise GiftCancelFailed("Say why the monthly gift is being cancelled.")
    if donation.cancelled_at is not None:
        raise GiftCancelFailed(f"{donation.reference} was already cancelled.")
    try:
        stripe_client().v1.subscriptions.cancel(
            donation.stripe_subscription_id,
            params={"cancellation_details": {"comment": reason[:500]}},
        )
    except stripe.StripeError as error:
        raise GiftCancelFailed(
            f"Stripe did not cancel the monthly gift ({error.user_message or error}); "
            "nothing was changed."
        ) from error
    with transaction.atomic():
        locked = OnlineDonation.objects.select_for_update().get(pk=donation.pk)
        if locked.cancelled_at is None:
            monthly_gift_mark_cancelled(
                donation=locked, actor=actor, reason=reason, at=timezone.now()
            )
    return locked


def invoice_subscription(invoice: dict) -> tuple[str, dict]:
    """The subscription an invoice is for, and its metadata, in either payload shape.

    From API version 2025-03-31 (basil) Stripe puts them under
    ``parent.subscription_details``; an endpoint pinned to an older version still gets
    ``invoice.subscription`` and a top-level ``subscription_details``.
    """
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    older = invoice.get("subscription_details") or {}
    subscription = parent.get("subscription") or invoice.get("subscription") or ""
    if isinstance(subscription, dict):
        subscription = subscription.get("id", "")
    metadata = parent.get("metadata") or older.get("metadata") or {}
    return subscription, metadata


def subscription_amount(subscription: dict) -> Money | None:
    """A subscription's amount each period: its items' unit amounts times quantities."""
    items = (subscription.get("items") or {}).get("data") or []
    if not items:
        return None
    pence = sum(
        int((item.get("price") or {}).get("unit_amount") or 0) * int(item.get("quantity") or 1)
        for item in items
    )
    return from_pence(pence) if pence > 0 else None


def _monthly_gift_for(subscription: dict):
    donation = donation_for(
        public_id=(subscription.get("metadata") or {}).get("donation", ""),
        subscription_id=subscription["id"],
    )
    if donation is None or donation.frequency != OnlineDonation.Frequency.MONTHLY:
        return None
    return OnlineDonation.objects.select_for_update().get(pk=donation.pk)


def on_subscription_updated(subscription: dict, current: dict | None, actor) -> tuple[str, str]:
    """The donor changed the amount (or Stripe the status) in the customer portal.

    ``current`` is the subscription as Stripe has it now (read when the event is processed),
    so an older update delivered after a newer one cannot bring back the old amount.
    """
    subscription = current or subscription
    donation = _monthly_gift_for(subscription)
    if donation is None:
        return StripeEvent.Outcome.WAITING, subscription["id"]
    if subscription.get("status") == "canceled":
        return on_subscription_deleted(subscription, None, actor)
    amount = subscription_amount(subscription)
    if amount is not None and amount != donation.amount:
        note = (
            f"Monthly amount changed from £{donation.amount.amount:,.2f} to £{amount.amount:,.2f}"
        )
        OnlineDonationEvent.objects.create(
            donation=donation,
            actor=actor,
            from_status=donation.status,
            to_status=donation.status,
            note=note,
        )
        donation.amount = amount
        donation._history_user = actor
        donation.save(update_fields=["amount"])
    return StripeEvent.Outcome.PROCESSED, ""


def on_subscription_deleted(subscription: dict, _remote, actor) -> tuple[str, str]:
    """The subscription ended: the monthly gift is stopped (once, whoever stopped it)."""
    donation = _monthly_gift_for(subscription)
    if donation is None:
        return StripeEvent.Outcome.WAITING, subscription["id"]
    if donation.cancelled_at is None:
        details = subscription.get("cancellation_details") or {}
        reason = details.get("comment") or "Cancelled by the donor in Stripe's customer portal"
        monthly_gift_mark_cancelled(
            donation=donation,
            actor=actor,
            reason=reason,
            at=datetime.fromtimestamp(subscription.get("canceled_at") or time.time(), tz=UTC),
        )
    return StripeEvent.Outcome.PROCESSED, ""


def monthly_gift_mark_cancelled(*, donation: OnlineDonation, actor, reason: str, at) -> None:
    """Record that no more monthly payments will be taken, and why, on the gift's history."""
    donation.cancelled_at = at
    donation.cancel_reason = reason[:300]
    donation._history_user = actor
    donation.save(update_fields=["cancelled_at", "cancel_reason"])
    OnlineDonationEvent.objects.create(
        donation=donation,
        actor=actor,
        from_status=donation.status,
        to_status=donation.status,
        note=f"Monthly gift cancelled: {reason}"[:300],
    )
