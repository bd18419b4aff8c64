"""An online gift itself: starting it (the donor's choices, Gift Aid, a Stripe Checkout
Session for exactly that amount), moving its status, and finding the gift or payment a
Stripe object is about.

Money is recorded only from Stripe's signed webhooks (``donations.services.stripe_events``),
never from the browser."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

import stripe
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import (
    CheckoutUnavailable,
    DonationAmountInvalid,
    InvalidDonationTransition,
    NoFundForOnlineGifts,
    TooManyAttempts,
)
from donations.models.online import (
    GIFT_AID_STATEMENT,
    GiftAidDeclaration,
    OnlineDonation,
    OnlinePayment,
)
from donations.services.stripe_api import is_test_mode, stripe_client
from fund.models import Fund, FundRules
from fund.money import AmountProblem, check_amount, to_pence
from fund.workflow import transition

logger = logging.getLogger("fund.donations.online")


MINIMUM_GIFT = Money("1.00", "GBP")
PUBLIC_FUND_CODE = "public"
# Checkouts one address may start in the window before it is asked to wait.
CHECKOUT_LIMIT = 10
CHECKOUT_WINDOW = timedelta(minutes=10)


DONATION_AMOUNT_MESSAGES = {
    AmountProblem.NOT_MONEY: "Enter an amount in pounds.",
    AmountProblem.NOT_STERLING: "Enter an amount in pounds.",
    AmountProblem.NOT_WHOLE_PENCE: "Enter an amount in pounds and pence, like 7.50.",
}


# ---- Starting a gift --------------------------------------------------------------------


@dataclass(frozen=True)
class GiftAidDetails:
    first_name: str
    last_name: str
    house_name_or_number: str
    postcode: str
    title: str = ""
    address: str = ""
    outside_uk: bool = False


def online_fund(point=None) -> Fund:
    if point is not None:
        return point.fund
    fund = Fund.objects.filter(code=PUBLIC_FUND_CODE, is_active=True).first()
    if fund is None:
        raise NoFundForOnlineGifts("There is no public donations fund to receive online gifts.")
    return fund


def online_donation_limits(fund: Fund) -> tuple[Money, Money]:
    rules = FundRules.objects.filter(fund=fund).first()
    return MINIMUM_GIFT, rules.online_donation_max if rules else Money("1000.00", "GBP")


def client_ip_hash(ip: str) -> str:
    """A keyed hash of the address: enough to rate-limit, useless to identify anyone."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()


def online_donation_start(
    *,
    actor: AbstractBaseUser | None,
    attempt: uuid.UUID,
    amount: Money,
    frequency: str,
    donor_name: str = "",
    donor_email: str = "",
    gift_aid: GiftAidDetails | None = None,
    point=None,
    client_ip: str = "",
    site_url: str,
) -> OnlineDonation:
    """Record what the donor asked for and open a Stripe Checkout Session for exactly that.

    ``attempt`` is the donation form's one-time token: submitting the same form again (a
    double click, or an amount edited after the session was created) returns the first
    donation and its session unchanged. The amount sent to Stripe is the one stored here.
    """
    fund = online_fund(point)
    minimum, maximum = online_donation_limits(fund)
    # Not positive=True: an amount of £0 or less gets the same message as one below the
    # minimum, just after.
    check_amount(
        amount, error=DonationAmountInvalid, messages=DONATION_AMOUNT_MESSAGES, positive=False
    )
    if amount < minimum or amount > maximum:
        raise DonationAmountInvalid(
            f"Enter an amount between £{minimum.amount:,.2f} and £{maximum.amount:,.2f}."
        )
    if frequency not in OnlineDonation.Frequency.values:
        raise DonationAmountInvalid("Choose one-off or monthly.")

    donation = OnlineDonation.objects.filter(attempt=attempt).first()
    if donation is None:
        ip_hash = client_ip_hash(client_ip) if client_ip else ""
        if ip_hash:
            recent = OnlineDonation.objects.filter(
                client_ip_hash=ip_hash, created_at__gte=timezone.now() - CHECKOUT_WINDOW
            ).count()
            if recent >= CHECKOUT_LIMIT:
                raise TooManyAttempts(
                    "Too many gifts were started from here just now. Please wait a few minutes."
                )
        try:
            with transaction.atomic():
                declaration = None
                if gift_aid is not None:
                    declaration = GiftAidDeclaration(
                        title=gift_aid.title.strip(),
                        first_name=gift_aid.first_name.strip(),
                        last_name=gift_aid.last_name.strip(),
                        house_name_or_number=gift_aid.house_name_or_number.strip(),
                        address=gift_aid.address.strip(),
                        # HMRC's schedule takes X as the postcode of a donor abroad.
                        postcode="X"
                        if gift_aid.outside_uk
                        else normalise_postcode(gift_aid.postcode),
                        outside_uk=gift_aid.outside_uk,
                        statement=GIFT_AID_STATEMENT,
                        declared_at=timezone.now(),
                    )
                    declaration._history_user = actor
                    declaration.save()
                donation = OnlineDonation(
                    attempt=attempt,
                    frequency=frequency,
                    amount=amount,
                    fund=fund,
                    donor_name=donor_name.strip(),
                    donor_email=donor_email.strip(),
                    gift_aid=declaration,
                    client_ip_hash=ip_hash,
                    test_mode=is_test_mode(),
                    **_point_kwargs(point),
                )
                donation._history_user = actor
                donation.save()
        except IntegrityError:
            # A twin submission of the same form won the race; use its donation.
            donation = OnlineDonation.objects.get(attempt=attempt)

    if donation.stripe_session_id:
        return donation
    return _checkout_session_open(donation=donation, site_url=site_url)


def _point_kwargs(point) -> dict:
    return {"collection_point": point} if point is not None else {}


def normalise_postcode(postcode: str) -> str:
    compact = "".join(postcode.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _checkout_session_open(*, donation: OnlineDonation, site_url: str) -> OnlineDonation:
    site = site_url.rstrip("/")
    thank_you = site + reverse("donate-thank-you", args=[donation.public_id])
    metadata = {"donation": str(donation.public_id), "reference": donation.reference}
    price = {
        "currency": "gbp",
        "unit_amount": to_pence(donation.amount),
        "product_data": {"name": "Gift to the Changing Lives Fund"},
    }
    params = {
        "mode": "payment",
        "submit_type": "donate",
        "line_items": [{"quantity": 1, "price_data": price}],
        "success_url": f"{thank_you}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": site + reverse("donate") + "?cancelled=1",
        "client_reference_id": str(donation.public_id),
        "metadata": metadata,
    }
    if donation.donor_email:
        params["customer_email"] = donation.donor_email
    if donation.frequency == OnlineDonation.Frequency.MONTHLY:
        params["mode"] = "subscription"
        price["recurring"] = {"interval": "month"}
        params["subscription_data"] = {"metadata": metadata}
    else:
        params["payment_intent_data"] = {"metadata": metadata}
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params=params,
            # Deterministic: a retry of the same donation gets the same session back.
            options={"idempotency_key": f"clf-checkout-{donation.attempt}"},
        )
    except stripe.StripeError as error:
        logger.warning("Checkout Session for %s failed: %s", donation.reference, error)
        raise CheckoutUnavailable(
            "Card payments are unavailable just now. Please try again shortly."
        ) from error
    with transaction.atomic():
        # Compare-and-set: only the first answer is stored; a twin request gets the same one.
        OnlineDonation.objects.filter(pk=donation.pk, stripe_session_id__isnull=True).update(
            stripe_session_id=session.id, checkout_url=session.url
        )
    donation.refresh_from_db()
    return donation


# ---- Status workflow --------------------------------------------------------------------


def online_donation_transition(
    *, actor: AbstractBaseUser, donation: OnlineDonation, to: str, note: str = ""
) -> OnlineDonation:
    """Move a donation along ``ALLOWED_TRANSITIONS`` under a row lock and record the change;
    a move to the status it already has changes nothing."""
    with transaction.atomic():
        donation = OnlineDonation.objects.select_for_update().get(pk=donation.pk)
        if to == donation.status:
            return donation
        return transition(donation, actor=actor, to=to, note=note)


def donation_advance(actor, donation: OnlineDonation, to: str, note: str) -> None:
    try:
        online_donation_transition(actor=actor, donation=donation, to=to, note=note)
    except InvalidDonationTransition:
        # A late or repeated event never drags a donation back (e.g. "awaiting payment"
        # arriving after "paid"); the event itself is still stored.
        logger.info("Ignored %s -> %s for %s", donation.status, to, donation.reference)


# ---- The gift or payment a Stripe object is about ---------------------------------------


def donation_for(*, session_id: str = "", public_id: str = "", subscription_id: str = ""):
    rows = OnlineDonation.objects.select_for_update()
    if session_id:
        found = rows.filter(stripe_session_id=session_id).first()
        if found:
            return found
    if public_id:
        try:
            found = rows.filter(public_id=uuid.UUID(public_id)).first()
        except ValueError:
            found = None
        if found:
            return found
    if subscription_id:
        return rows.filter(stripe_subscription_id=subscription_id).first()
    return None


def payment_for_charge(charge_id: str) -> OnlinePayment | None:
    return OnlinePayment.objects.select_for_update().filter(charge_id=charge_id).first()
