"""Every write for online giving: checkout, Stripe webhooks, refunds, payouts.

Money is recorded only from Stripe's signed webhooks, never from the browser. Each event is
stored once by its id in the same transaction as the records and ledger entries it causes,
so a replay posts nothing and a failure rolls everything back for Stripe to retry. Reads
from Stripe's API happen before that transaction opens, so no database lock is held while
waiting on the network.

Events arrive more than once and out of order, so every handler works from the state the
event carries rather than from what came before it:

* refunds follow the charge's cumulative ``amount_refunded``: only the increase posts;
* dispute money follows the dispute's balance transactions, one entry per transaction id;
* an event about a charge not yet recorded waits, and runs again when the payment lands;
* a donation's status only moves forward.
"""

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import (
    CheckoutUnavailable,
    DonationAmountInvalid,
    InvalidDonationTransition,
    NoFundForOnlineGifts,
    RefundFailed,
    RefundInvalid,
    StripeEventFinal,
    TooManyAttempts,
)
from donations.models.online import (
    GIFT_AID_STATEMENT,
    GiftAidDeclaration,
    OnlineDonation,
    OnlineDonationEvent,
    OnlinePayment,
    PayoutLine,
    RefundFailure,
    StaffRefund,
    StripeEvent,
    StripePayout,
)
from donations.receipts import receipt_send_task
from donations.services.giftaid import gift_aid_overclaim_sync
from donations.tasks import stripe_event_task
from fund.models import Entry, Fund, FundRules
from fund.money import AmountProblem, check_amount, from_pence, to_pence
from fund.services import Leg, entry_post, entry_reverse
from fund.workflow import transition
from people.tasks import retry_at

logger = logging.getLogger("fund.donations.online")

MINIMUM_GIFT = Money("1.00", "GBP")
PUBLIC_FUND_CODE = "public"
# Checkouts one address may start in the window before it is asked to wait.
CHECKOUT_LIMIT = 10
CHECKOUT_WINDOW = timedelta(minutes=10)
SYSTEM_USERNAME = "stripe-webhooks"

STRIPE_HOSTED = "https://api.stripe.com"


# ---- Stripe boundary --------------------------------------------------------------------

DONATION_AMOUNT_MESSAGES = {
    AmountProblem.NOT_MONEY: "Enter an amount in pounds.",
    AmountProblem.NOT_STERLING: "Enter an amount in pounds.",
    AmountProblem.NOT_WHOLE_PENCE: "Enter an amount in pounds and pence, like 7.50.",
}


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


def _as_dict(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def _day(timestamp: int) -> date:
    return timezone.localdate(datetime.fromtimestamp(timestamp, tz=UTC))


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


def _advance(actor, donation: OnlineDonation, to: str, note: str) -> None:
    try:
        online_donation_transition(actor=actor, donation=donation, to=to, note=note)
    except InvalidDonationTransition:
        # A late or repeated event never drags a donation back (e.g. "awaiting payment"
        # arriving after "paid"); the event itself is still stored.
        logger.info("Ignored %s -> %s for %s", donation.status, to, donation.reference)


# ---- Webhook events ---------------------------------------------------------------------


# Processing stops being retried automatically after this many failed attempts (about a
# day with back-off), and an event that cannot be matched is retried for this long: Stripe
# itself retries a delivery for three days. Staff can retry either from the events page.
MAX_FAILED_ATTEMPTS = 30
MATCH_RETRY_PERIOD = timedelta(days=3)


def stripe_event_receive(*, event: dict) -> StripeEvent:
    """Store one verified webhook event and queue its processing; return its stored row.

    The row and its task are written in one transaction, so a crash after this returns
    still leaves the task to run, and a crash before it leaves nothing (Stripe retries).
    A repeated delivery finds the row already stored and queues nothing more.
    """
    stored = StripeEvent.objects.filter(stripe_id=event["id"]).first()
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            stored = StripeEvent.objects.create(
                stripe_id=event["id"],
                type=event["type"],
                api_version=event.get("api_version") or "",
                created=datetime.fromtimestamp(event["created"], tz=UTC),
                outcome=StripeEvent.Outcome.RECEIVED,
                next_attempt_at=timezone.now(),
                payload=event,
            )
            stripe_event_task.enqueue(stored.pk)
    except IntegrityError:
        # A concurrent delivery of the same event stored it first.
        return StripeEvent.objects.get(stripe_id=event["id"])
    return stored


def stripe_event_process(*, event_id: int) -> StripeEvent:
    """Process one stored event, exactly once in the ledger; what the worker's task calls.

    What the event needs from Stripe's API is read before the transaction opens, so no
    lock is held while waiting on the network. Inside it the event row is claimed by a
    compare-and-set on its outcome (on PostgreSQL the update also locks the row until
    commit), so of two workers handed the same event only the first applies it. A failure
    rolls back everything the attempt did and schedules the next attempt.
    """
    stored = StripeEvent.objects.get(pk=event_id)
    if stored.outcome in StripeEvent.FINAL:
        return stored
    try:
        remote = _fetch_remote(stored.payload)
        actor = system_actor()
        with transaction.atomic():
            claimed = (
                StripeEvent.objects.filter(pk=event_id)
                .exclude(outcome__in=StripeEvent.FINAL)
                .update(attempts=F("attempts") + 1)
            )
            stored = StripeEvent.objects.get(pk=event_id)
            if claimed:
                _apply(stored, stored.payload["data"]["object"], remote, actor)
    except Exception as error:
        logger.exception("Stripe event %s failed; it will be retried", stored.stripe_id)
        return _failure_record(event_id=event_id, error=error)
    return stored


def _failure_record(*, event_id: int, error: Exception) -> StripeEvent:
    with transaction.atomic():
        stored = StripeEvent.objects.select_for_update().get(pk=event_id)
        if stored.outcome in StripeEvent.FINAL:
            return stored  # Another attempt got there meanwhile.
        stored.attempts += 1
        stored.outcome = StripeEvent.Outcome.FAILED
        stored.last_error = f"{type(error).__name__}: {error}"[:2000]
        stored.next_attempt_at = None
        if stored.attempts < MAX_FAILED_ATTEMPTS:
            stored.next_attempt_at = retry_at(stored.attempts)
            stripe_event_task.using(run_after=stored.next_attempt_at).enqueue(stored.pk)
        stored.save(update_fields=["attempts", "outcome", "last_error", "next_attempt_at"])
    return stored


def stripe_event_retry(*, actor: AbstractBaseUser, event: StripeEvent) -> StripeEvent:
    """Staff ask for an event that is not final to be processed again, now."""
    with transaction.atomic():
        stored = StripeEvent.objects.select_for_update().get(pk=event.pk)
        if stored.outcome in StripeEvent.FINAL:
            raise StripeEventFinal(f"Event {stored.stripe_id} is already {stored.outcome}.")
        stored.next_attempt_at = timezone.now()
        stored.save(update_fields=["next_attempt_at"])
        stripe_event_task.enqueue(stored.pk)
    logger.info("%s asked for Stripe event %s to be retried", actor, stored.stripe_id)
    return stored


def stripe_events_requeue() -> int:
    """Queue every event that is not final and whose next attempt is due; return how many.

    A worker killed while processing leaves its task claimed for ever; run at worker start
    (``make run``) and from cron, this puts such events back in the queue. Queuing an event
    twice is harmless: processing is exactly-once.
    """
    due = list(
        StripeEvent.objects.exclude(outcome__in=StripeEvent.FINAL)
        .filter(next_attempt_at__lte=timezone.now())
        .values_list("pk", flat=True)
    )
    for pk in due:
        stripe_event_task.enqueue(pk)
    return len(due)


def _apply(stored: StripeEvent, obj: dict, remote, actor) -> None:
    handler = _HANDLERS.get(stored.type)
    if handler is None:
        outcome, waiting_for = StripeEvent.Outcome.IGNORED, ""
    else:
        outcome, waiting_for = handler(obj, remote, actor)
    stored.outcome, stored.waiting_for, stored.last_error = outcome, waiting_for, ""
    if outcome in StripeEvent.FINAL:
        stored.next_attempt_at, stored.processed_at = None, timezone.now()
    elif timezone.now() - stored.received_at < MATCH_RETRY_PERIOD:
        # Not matched yet: look again later, and sooner when what it waits for arrives.
        stored.next_attempt_at = retry_at(stored.attempts)
        stripe_event_task.using(run_after=stored.next_attempt_at).enqueue(stored.pk)
    else:
        stored.next_attempt_at = None
    stored.save(
        update_fields=[
            "outcome",
            "waiting_for",
            "last_error",
            "next_attempt_at",
            "processed_at",
        ]
    )


def _wake(waiting_for: str, actor) -> None:
    """Events that waited for ``waiting_for`` (a charge, a subscription) run again now.

    Those that need nothing from Stripe's API run in this transaction; the rest are queued,
    since the network is never read while a transaction is open.
    """
    for waiting in (
        StripeEvent.objects.select_for_update()
        .filter(waiting_for=waiting_for)
        .exclude(outcome__in=StripeEvent.FINAL)
        .order_by("created", "id")
    ):
        if waiting.type in _NEEDS_REMOTE:
            stripe_event_task.enqueue(waiting.pk)
        else:
            waiting.attempts += 1
            waiting.save(update_fields=["attempts"])
            _apply(waiting, waiting.payload["data"]["object"], None, actor)


def _fetch_remote(event: dict):
    """What an event needs from Stripe's API, read before the transaction opens."""
    obj = event["data"]["object"]
    kind = event["type"]
    client = None
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if obj.get("payment_status") != "paid":
            return None
        client = stripe_client()
        if obj.get("mode") == "subscription" and obj.get("invoice"):
            return _invoice_payment_intent(client, obj["invoice"])
        if obj.get("payment_intent"):
            return _payment_intent(client, obj["payment_intent"])
    elif kind == "invoice.paid":
        return _invoice_payment_intent(stripe_client(), obj["id"])
    elif kind == "charge.updated":
        # With asynchronous capture the balance transaction (and so the fee) comes later.
        bt = obj.get("balance_transaction")
        if isinstance(bt, str) and bt:
            return _as_dict(stripe_client().v1.balance_transactions.retrieve(bt))
        return bt if isinstance(bt, dict) else None
    elif kind == "payout.paid":
        client = stripe_client()
        listing = client.v1.balance_transactions.list(
            params={"payout": obj["id"], "limit": 100, "expand": ["data.source"]}
        )
        return [_as_dict(bt) for bt in listing.auto_paging_iter()]
    elif kind == "customer.subscription.updated":
        # Updates can arrive out of order: act on the subscription as it is now.
        return _as_dict(stripe_client().v1.subscriptions.retrieve(obj["id"]))
    return None


def _payment_intent(client: stripe.StripeClient, payment_intent_id: str) -> dict:
    intent = client.v1.payment_intents.retrieve(
        payment_intent_id, params={"expand": ["latest_charge.balance_transaction"]}
    )
    return _as_dict(intent)


def _invoice_payment_intent(client: stripe.StripeClient, invoice_id: str) -> dict | None:
    payments = client.v1.invoice_payments.list(params={"invoice": invoice_id, "status": "paid"})
    for payment in payments.data:
        reference = _as_dict(payment).get("payment") or {}
        if reference.get("type") == "payment_intent" and reference.get("payment_intent"):
            intent = reference["payment_intent"]
            return _payment_intent(client, intent if isinstance(intent, str) else intent["id"])
    return None


def _donation_for(*, session_id: str = "", public_id: str = "", subscription_id: str = ""):
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


def _on_checkout_paid(session: dict, intent: dict | None, actor) -> tuple[str, str]:
    donation = _donation_for(
        session_id=session["id"], public_id=(session.get("metadata") or {}).get("donation", "")
    )
    if donation is None:
        return StripeEvent.Outcome.UNMATCHED, ""
    if session.get("subscription") and not donation.stripe_subscription_id:
        _subscription_link(donation, session["subscription"], actor)
    customer = session.get("customer")
    if isinstance(customer, str) and customer and not donation.stripe_customer_id:
        donation.stripe_customer_id = customer
        donation._history_user = actor
        donation.save(update_fields=["stripe_customer_id"])
    if session.get("payment_status") != "paid":
        _advance(
            actor,
            donation,
            OnlineDonation.Status.AWAITING_PAYMENT,
            "Checkout completed; payment pending",
        )
        return StripeEvent.Outcome.PROCESSED, ""
    if intent is not None:
        _payment_record(
            donation=donation, intent=intent, invoice_id=session.get("invoice") or "", actor=actor
        )
    _advance(actor, donation, OnlineDonation.Status.PAID, "Payment confirmed by Stripe")
    return StripeEvent.Outcome.PROCESSED, ""


def _on_async_failed(session: dict, _remote, actor) -> tuple[str, str]:
    donation = _donation_for(
        session_id=session["id"], public_id=(session.get("metadata") or {}).get("donation", "")
    )
    if donation is None:
        return StripeEvent.Outcome.UNMATCHED, ""
    _advance(actor, donation, OnlineDonation.Status.FAILED, "Asynchronous payment failed")
    return StripeEvent.Outcome.PROCESSED, ""


def _on_checkout_expired(session: dict, _remote, actor) -> tuple[str, str]:
    """The donor never paid and the session closed: the pending gift is abandoned."""
    donation = _donation_for(
        session_id=session["id"], public_id=(session.get("metadata") or {}).get("donation", "")
    )
    if donation is None:
        return StripeEvent.Outcome.UNMATCHED, ""
    _advance(actor, donation, OnlineDonation.Status.ABANDONED, "Checkout expired unpaid")
    return StripeEvent.Outcome.PROCESSED, ""


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


def _on_invoice_paid(invoice: dict, intent: dict | None, actor) -> tuple[str, str]:
    subscription_id, metadata = invoice_subscription(invoice)
    donation = _donation_for(
        public_id=metadata.get("donation", ""), subscription_id=subscription_id
    )
    if donation is None:
        # Usually its checkout.session.completed has not been processed yet: wait for the
        # subscription to be known here.
        if subscription_id:
            return StripeEvent.Outcome.WAITING, subscription_id
        return StripeEvent.Outcome.UNMATCHED, ""
    if intent is None:
        return StripeEvent.Outcome.UNMATCHED, ""
    if subscription_id and not donation.stripe_subscription_id:
        _subscription_link(donation, subscription_id, actor)
    _payment_record(donation=donation, intent=intent, invoice_id=invoice["id"], actor=actor)
    _advance(actor, donation, OnlineDonation.Status.PAID, "Monthly payment confirmed by Stripe")
    return StripeEvent.Outcome.PROCESSED, ""


def _subscription_link(donation: OnlineDonation, subscription_id: str, actor) -> None:
    """Record the gift's subscription; invoices that waited for it run again."""
    donation.stripe_subscription_id = subscription_id
    donation._history_user = actor
    donation.save(update_fields=["stripe_subscription_id"])
    _wake(subscription_id, actor)


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
    donation = _donation_for(
        public_id=(subscription.get("metadata") or {}).get("donation", ""),
        subscription_id=subscription["id"],
    )
    if donation is None or donation.frequency != OnlineDonation.Frequency.MONTHLY:
        return None
    return OnlineDonation.objects.select_for_update().get(pk=donation.pk)


def _on_subscription_updated(subscription: dict, current: dict | None, actor) -> tuple[str, str]:
    """The donor changed the amount (or Stripe the status) in the customer portal.

    ``current`` is the subscription as Stripe has it now (read when the event is processed),
    so an older update delivered after a newer one cannot bring back the old amount.
    """
    subscription = current or subscription
    donation = _monthly_gift_for(subscription)
    if donation is None:
        return StripeEvent.Outcome.WAITING, subscription["id"]
    if subscription.get("status") == "canceled":
        return _on_subscription_deleted(subscription, None, actor)
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


def _on_subscription_deleted(subscription: dict, _remote, actor) -> tuple[str, str]:
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


def _payment_for_charge(charge_id: str) -> OnlinePayment | None:
    return OnlinePayment.objects.select_for_update().filter(charge_id=charge_id).first()


def _on_charge_refunded(charge: dict, _remote, actor) -> tuple[str, str]:
    payment = _payment_for_charge(charge["id"])
    if payment is None:
        return StripeEvent.Outcome.WAITING, charge["id"]
    _refunds_sync(payment=payment, cumulative_pence=charge["amount_refunded"], actor=actor)
    for refund in (charge.get("refunds") or {}).get("data") or []:
        if refund.get("status") == "failed":
            _refund_failure_record(payment=payment, refund=refund, actor=actor)
    return StripeEvent.Outcome.PROCESSED, ""


def _on_refund(refund: dict, _remote, actor) -> tuple[str, str]:
    """``refund.failed`` or ``refund.updated``: only a failure changes anything here."""
    if refund.get("status") != "failed":
        return StripeEvent.Outcome.PROCESSED, ""
    charge_id = refund["charge"] if isinstance(refund["charge"], str) else refund["charge"]["id"]
    payment = _payment_for_charge(charge_id)
    if payment is None:
        return StripeEvent.Outcome.WAITING, charge_id
    _refund_failure_record(payment=payment, refund=refund, actor=actor)
    return StripeEvent.Outcome.PROCESSED, ""


def _on_charge_updated(charge: dict, balance_transaction: dict | None, actor) -> tuple[str, str]:
    payment = _payment_for_charge(charge["id"])
    if payment is None:
        return StripeEvent.Outcome.WAITING, charge["id"]
    if balance_transaction is None and isinstance(charge.get("balance_transaction"), dict):
        balance_transaction = charge["balance_transaction"]
    if balance_transaction is not None:
        _fee_record(payment=payment, balance_transaction=balance_transaction, actor=actor)
    return StripeEvent.Outcome.PROCESSED, ""


def _on_dispute(dispute: dict, _remote, actor) -> tuple[str, str]:
    payment = _payment_for_charge(dispute["charge"])
    if payment is None:
        return StripeEvent.Outcome.WAITING, dispute["charge"]
    _dispute_sync(payment=payment, dispute=dispute, actor=actor)
    return StripeEvent.Outcome.PROCESSED, ""


def _on_payout_paid(
    payout: dict, balance_transactions: list[dict] | None, actor
) -> tuple[str, str]:
    row = StripePayout.objects.select_for_update().filter(stripe_id=payout["id"]).first()
    if row is not None:
        # Already recorded, or its failure arrived first: a failed payout never posts.
        return StripeEvent.Outcome.PROCESSED, ""
    row = StripePayout(
        stripe_id=payout["id"],
        amount=from_pence(payout["amount"]),
        arrival_date=_day(payout["arrival_date"]),
        status=StripePayout.Status.PAID,
    )
    row._history_user = actor
    row.save()
    per_fund: dict[int, Decimal] = {}
    funds: dict[int, Fund] = {}
    for bt in balance_transactions or []:
        if bt["type"] == "payout":
            continue
        payment = _payment_for_balance_transaction(bt)
        PayoutLine.objects.create(
            payout=row,
            balance_transaction_id=bt["id"],
            kind=bt.get("reporting_category") or bt["type"],
            source_id=_source_id(bt),
            payment=payment,
            amount=from_pence(bt["amount"]),
            fee=from_pence(bt["fee"]),
            net=from_pence(bt["net"]),
        )
        fund = payment.fund if payment else online_fund()
        funds[fund.pk] = fund
        per_fund[fund.pk] = per_fund.get(fund.pk, Decimal(0)) + from_pence(bt["net"]).amount
    # Whatever the lines do not explain (none fetched, or movements not from gifts) is
    # taken from the public fund, so the Stripe balance always falls by the payout.
    explained = sum(per_fund.values(), Decimal(0))
    remainder = row.amount.amount - explained
    if remainder:
        public = online_fund()
        funds[public.pk] = public
        per_fund[public.pk] = per_fund.get(public.pk, Decimal(0)) + remainder
    legs = []
    for fund_id, amount in sorted(per_fund.items()):
        if amount > 0:
            legs.append(
                Leg(
                    fund=funds[fund_id],
                    debit="assets:bank",
                    credit="assets:stripe",
                    amount=Money(amount, "GBP"),
                )
            )
        elif amount < 0:
            legs.append(
                Leg(
                    fund=funds[fund_id],
                    debit="assets:stripe",
                    credit="assets:bank",
                    amount=Money(-amount, "GBP"),
                )
            )
    if legs:
        entry_post(
            actor=actor,
            effective_date=row.arrival_date,
            memo=f"Stripe payout {row.pk} to the bank",
            source=f"donations.StripePayout:{row.pk}",
            legs=legs,
            idempotency_key=f"stripe:payout:{payout['id']}:paid",
        )
    return StripeEvent.Outcome.PROCESSED, ""


def _on_payout_failed(payout: dict, _remote, actor) -> tuple[str, str]:
    row = StripePayout.objects.select_for_update().filter(stripe_id=payout["id"]).first()
    if row is None:
        row = StripePayout(
            stripe_id=payout["id"],
            amount=from_pence(payout["amount"]),
            arrival_date=_day(payout["arrival_date"]),
            status=StripePayout.Status.FAILED,
        )
        row._history_user = actor
        row.save()
        return StripeEvent.Outcome.PROCESSED, ""
    if row.status == StripePayout.Status.FAILED:
        return StripeEvent.Outcome.PROCESSED, ""
    paid = Entry.objects.filter(idempotency_key=f"stripe:payout:{payout['id']}:paid").first()
    if paid is not None:
        # The bank returned the money to the Stripe balance.
        entry_reverse(
            actor=actor,
            entry=paid,
            effective_date=timezone.localdate(),
            memo=f"Stripe payout {row.pk} failed; money back in the Stripe balance",
            idempotency_key=f"stripe:payout:{payout['id']}:failed",
        )
    row.status = StripePayout.Status.FAILED
    row._history_user = actor
    row.save(update_fields=["status"])
    return StripeEvent.Outcome.PROCESSED, ""


def _source_id(bt: dict) -> str:
    source = bt.get("source")
    return source.get("id", "") if isinstance(source, dict) else (source or "")


def _payment_for_balance_transaction(bt: dict) -> OnlinePayment | None:
    source = bt.get("source")
    if isinstance(source, dict):
        charge_id = {
            "charge": source.get("id"),
            "refund": source.get("charge"),
            "dispute": source.get("charge"),
        }.get(source.get("object"))
    else:
        charge_id = (
            source if isinstance(source, str) and source.startswith(("ch_", "py_")) else None
        )
    if not charge_id:
        return None
    return OnlinePayment.objects.filter(charge_id=charge_id).first()


_HANDLERS = {
    "checkout.session.completed": _on_checkout_paid,
    "checkout.session.async_payment_succeeded": _on_checkout_paid,
    "checkout.session.async_payment_failed": _on_async_failed,
    "checkout.session.expired": _on_checkout_expired,
    "invoice.paid": _on_invoice_paid,
    "charge.refunded": _on_charge_refunded,
    "charge.updated": _on_charge_updated,
    "refund.failed": _on_refund,
    "refund.updated": _on_refund,
    "charge.refund.updated": _on_refund,
    "charge.dispute.created": _on_dispute,
    "charge.dispute.funds_withdrawn": _on_dispute,
    "charge.dispute.funds_reinstated": _on_dispute,
    "charge.dispute.updated": _on_dispute,
    "charge.dispute.closed": _on_dispute,
    "payout.paid": _on_payout_paid,
    "payout.failed": _on_payout_failed,
    "customer.subscription.updated": _on_subscription_updated,
    "customer.subscription.deleted": _on_subscription_deleted,
}
HANDLED_EVENT_TYPES = tuple(_HANDLERS)
# Their handlers need what ``_fetch_remote`` reads from Stripe's API.
_NEEDS_REMOTE = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "invoice.paid",
        "charge.updated",
        "payout.paid",
        "customer.subscription.updated",
    }
)


# ---- Payments, refunds and disputes -----------------------------------------------------


def _payment_record(
    *, donation: OnlineDonation, intent: dict, invoice_id: str, actor
) -> OnlinePayment:
    """Record one payment and post the gross gift and Stripe's fee, each exactly once."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict):
        raise ValueError(f"PaymentIntent {intent['id']} has no expanded charge.")
    existing = (
        OnlinePayment.objects.select_for_update().filter(payment_intent_id=intent["id"]).first()
    )
    if existing is not None:
        balance_transaction = charge.get("balance_transaction")
        if isinstance(balance_transaction, dict):
            _fee_record(payment=existing, balance_transaction=balance_transaction, actor=actor)
        _refunds_sync(
            payment=existing, cumulative_pence=charge.get("amount_refunded", 0), actor=actor
        )
        return existing
    balance_transaction = charge.get("balance_transaction")
    balance_transaction = balance_transaction if isinstance(balance_transaction, dict) else None
    paid_on = _day(charge["created"])
    payment = OnlinePayment(
        donation=donation,
        fund=donation.fund,
        payment_intent_id=intent["id"],
        charge_id=charge["id"],
        invoice_id=invoice_id,
        amount=from_pence(intent.get("amount_received") or charge["amount"]),
        paid_on=paid_on,
        frequency=donation.frequency,
    )
    payment._history_user = actor
    payment.save()
    entry_post(
        actor=actor,
        effective_date=paid_on,
        memo=f"Online gift {donation.reference}, payment {payment.pk}",
        source=f"donations.OnlinePayment:{payment.pk}",
        legs=[
            Leg(
                fund=payment.fund,
                debit="assets:stripe",
                credit="income:donations:online",
                amount=payment.amount,
            )
        ],
        idempotency_key=f"stripe:gift:{intent['id']}",
    )
    if balance_transaction is not None:
        _fee_record(payment=payment, balance_transaction=balance_transaction, actor=actor)
    _refunds_sync(payment=payment, cumulative_pence=charge.get("amount_refunded", 0), actor=actor)
    # Events about this charge that came before it (a refund, a dispute) run now.
    _wake(charge["id"], actor)
    if donation.donor_email:
        # Queued in this transaction (the queue is a table): the worker sends the email only
        # once the payment has committed, and never for a payment that rolled back.
        receipt_send_task.enqueue(payment.pk)
    return payment


def _fee_record(*, payment: OnlinePayment, balance_transaction: dict, actor) -> None:
    """Record and post Stripe's fee from the charge's balance transaction, once per charge.

    The balance transaction can come with the payment or later (asynchronous capture, told
    by ``charge.updated``); whichever arrives first records it and the rest find it done.
    """
    if payment.balance_transaction_id:
        return
    payment.balance_transaction_id = balance_transaction["id"]
    payment.fee = from_pence(balance_transaction["fee"])
    payment._history_user = actor
    payment.save(update_fields=["balance_transaction_id", "fee"])
    if payment.fee.amount > 0:
        entry_post(
            actor=actor,
            effective_date=payment.paid_on,
            memo=(f"Stripe fee on online gift {payment.donation.reference}, payment {payment.pk}"),
            source=f"donations.OnlinePayment:{payment.pk}",
            legs=[
                Leg(
                    fund=payment.fund,
                    debit="expenses:fees",
                    credit="assets:stripe",
                    amount=payment.fee,
                )
            ],
            idempotency_key=f"stripe:fee:{balance_transaction['id']}",
        )


def _refunds_sync(*, payment: OnlinePayment, cumulative_pence: int, actor) -> OnlinePayment:
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


def _refund_failure_record(*, payment: OnlinePayment, refund: dict, actor) -> None:
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


def _dispute_sync(*, payment: OnlinePayment, dispute: dict, actor) -> None:
    """Post each of the dispute's balance transactions once, and record where it stands."""
    withdrawn = 0
    for bt in dispute.get("balance_transactions") or []:
        withdrawn -= bt["amount"]
        legs = []
        amount, fee = bt["amount"], bt["fee"]
        if amount < 0:
            legs.append(
                Leg(
                    fund=payment.fund,
                    debit="income:donations:online",
                    credit="assets:stripe",
                    amount=from_pence(-amount),
                )
            )
        elif amount > 0:
            legs.append(
                Leg(
                    fund=payment.fund,
                    debit="assets:stripe",
                    credit="income:donations:online",
                    amount=from_pence(amount),
                )
            )
        if fee > 0:
            legs.append(
                Leg(
                    fund=payment.fund,
                    debit="expenses:fees",
                    credit="assets:stripe",
                    amount=from_pence(fee),
                )
            )
        elif fee < 0:
            legs.append(
                Leg(
                    fund=payment.fund,
                    debit="assets:stripe",
                    credit="expenses:fees",
                    amount=from_pence(-fee),
                )
            )
        if legs:
            entry_post(
                actor=actor,
                effective_date=_day(bt["created"]),
                memo=(
                    f"Dispute {'funds withdrawn' if amount < 0 else 'funds reinstated'} "
                    "on online gift "
                    f"{payment.donation.reference}, payment {payment.pk}"
                ),
                source=f"donations.OnlinePayment:{payment.pk}",
                legs=legs,
                idempotency_key=f"stripe:dispute:{bt['id']}",
            )
    status = dispute.get("status")
    if status not in OnlinePayment.Dispute.values or not status:
        status = OnlinePayment.Dispute.OPEN  # A status Stripe adds later: treat as disputed.
    payment.dispute = OnlinePayment.dispute_after(payment.dispute, status)
    payment.amount_disputed = (
        from_pence(max(withdrawn, 0)) if withdrawn > 0 else Money("0.00", "GBP")
    )
    payment._history_user = actor
    payment.save(update_fields=["dispute", "amount_disputed"])
    gift_aid_overclaim_sync(payment=payment, actor=actor)


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
        charge = _as_dict(client.v1.charges.retrieve(payment.charge_id))
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
        _refunds_sync(payment=payment, cumulative_pence=charge["amount_refunded"], actor=actor)
    return staff_refund
