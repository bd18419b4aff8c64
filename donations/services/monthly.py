"""A donor's monthly gift after checkout: Stripe's customer portal and cancelling it.

- The donor's link (receipt e-mail, thank-you page) carries a token signed with the site's
  secret key for that one gift (``manage_token``): it cannot be guessed from the gift's
  reference or another gift's link. Following it creates a ``billing_portal`` session on
  demand for the gift's Stripe customer and sends the donor there; no portal URL is stored.
- Staff cancel a monthly gift with a reason: Stripe cancels the subscription first, then
  the gift is marked cancelled. ``customer.subscription.deleted`` (from either route)
  finds it already cancelled and changes nothing.
"""

import stripe
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.utils import timezone

from donations.exceptions import CheckoutUnavailable, GiftCancelFailed, GiftNotMonthly
from donations.models.online import OnlineDonation
from donations.services.online import _as_dict, monthly_gift_mark_cancelled, stripe_client

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
            subscription = _as_dict(
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
