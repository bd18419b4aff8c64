"""Where the code meets Stripe: the client (the local test double when configured), test or
live mode, the user recorded as the actor of what Stripe's webhooks tell us, and reading
Stripe's objects and timestamps."""

from datetime import UTC, date, datetime

import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from donations.exceptions import CheckoutUnavailable

SYSTEM_USERNAME = "stripe-webhooks"
STRIPE_HOSTED = "https://api.stripe.com"


def stripe_client() -> stripe.StripeClient:
    """The official client, pointed at the local test double when ``STRIPE_API_BASE`` is set."""
    key = settings.STRIPE_SECRET_KEY
    if not key:
        raise CheckoutUnavailable("Online giving is not configured (no Stripe key).")
    base = settings.STRIPE_API_BASE or STRIPE_HOSTED
    if base != STRIPE_HOSTED and not key.startswith("sk_test_"):
        # A live key must never be sent anywhere but Stripe.
        raise CheckoutUnavailable("A live Stripe key can only be used with Stripe itself.")
    return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=2)


def is_test_mode() -> bool:
    return not settings.STRIPE_SECRET_KEY.startswith("sk_live_")


def system_actor() -> AbstractBaseUser:
    """The user recorded as the actor of what Stripe's webhooks tell us; it cannot sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "Stripe webhooks"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def as_dict(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def day_from_timestamp(timestamp: int) -> date:
    return timezone.localdate(datetime.fromtimestamp(timestamp, tz=UTC))
