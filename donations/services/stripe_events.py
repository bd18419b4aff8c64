"""Stripe's webhook events: each stored once, matched to the gift or payment it is about,
applied (a payment recorded with its fee, the rest by the feature it concerns) and retried.

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

import logging
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import stripe
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from donations.exceptions import StripeEventFinal
from donations.models.online import OnlineDonation, OnlinePayment, StripeEvent
from donations.receipts import receipt_send_task
from donations.services.disputes import on_dispute
from donations.services.monthly import (
    invoice_subscription,
    on_subscription_deleted,
    on_subscription_updated,
)
from donations.services.online import donation_advance, donation_for, payment_for_charge
from donations.services.payouts import on_payout_failed, on_payout_paid
from donations.services.refunds import on_charge_refunded, on_refund, refunds_sync
from donations.services.stripe_api import as_dict, day_from_timestamp, stripe_client, system_actor
from donations.tasks import stripe_event_task
from fund.money import from_pence
from fund.services.posting import Leg, entry_post
from people.tasks import retry_at

logger = logging.getLogger("fund.donations.online")


# Processing stops being retried automatically after this many failed attempts (about a
# day with back-off), and an event that cannot be matched is retried for this long: Stripe
# itself retries a delivery for three days. Staff can retry either from the events page.
MAX_FAILED_ATTEMPTS = 30
MATCH_RETRY_PERIOD = timedelta(days=3)


def stripe_event_receive(*, event: dict) -> StripeEvent:
    """Store one verified webhook event and queue its processing; return its stored row.

    The row and its task are written together, so a crash after this returns still leaves
    the task to run, and a crash before it leaves nothing (Stripe retries). A repeated
    delivery finds the row already stored and queues nothing more.

    On PostgreSQL both rows go in one statement (one round trip, no transaction to open
    and close); the unique ``stripe_id`` turns a repeat away there with ``ON CONFLICT DO
    NOTHING``, which inserts no task and logs no error. Elsewhere the two inserts run in
    one transaction and the refused insert of a repeat raises. A repeat (rare) then costs
    one read.
    """
    stored = StripeEvent(
        stripe_id=event["id"],
        type=event["type"],
        api_version=event.get("api_version") or "",
        created=datetime.fromtimestamp(event["created"], tz=UTC),
        outcome=StripeEvent.Outcome.RECEIVED,
        next_attempt_at=timezone.now(),
        payload=event,
    )
    if connection.vendor == "postgresql" and isinstance(
        stripe_event_task.get_backend(), DatabaseBackend
    ):
        if _insert_with_task(stored):
            return stored
    else:
        try:
            with transaction.atomic():
                stored.save(force_insert=True)
                stripe_event_task.enqueue(stored.pk)
            return stored
        except IntegrityError:
            pass
    # Stored already, by an earlier or a concurrent delivery of the same event.
    return StripeEvent.objects.get(stripe_id=event["id"])


def _insert_with_task(stored: StripeEvent) -> bool:
    """Insert the event and, only if it was new, the task that processes it, in one
    statement; False (and nothing written) when its ``stripe_id`` is stored already.

    The task row is the one ``django_tasks_db``'s ``enqueue`` writes (every column from the
    model, its id from the backend's id function, ``run_after`` as its ``pre_save`` sets
    it), with ``{"args": [id], "kwargs": {}}`` built from the id the event's insert
    returns; ``task_enqueued`` is sent as ``enqueue`` sends it. Inside a caller's
    transaction it runs in a savepoint, so a failure leaves that transaction usable, as
    ``atomic()`` did for the two inserts.
    """
    backend = stripe_event_task.get_backend()
    backend.validate_task(stripe_event_task)
    task = DBTaskResult(
        id=backend._get_id(),
        args_kwargs={},
        priority=stripe_event_task.priority,
        task_path=stripe_event_task.module_path,
        queue_name=stripe_event_task.queue_name,
        run_after=stripe_event_task.run_after or get_date_max(),
        backend_name=backend.alias,
    )
    event_columns, event_values = _insert_parts(stored, skip={"id"})
    task_columns, task_values = _insert_parts(task, skip={"args_kwargs"})
    quote = connection.ops.quote_name
    sql = (
        f"WITH event AS (INSERT INTO {quote(StripeEvent._meta.db_table)} ({event_columns}) "
        f"VALUES ({', '.join(['%s'] * len(event_values))}) "
        f"ON CONFLICT ({quote('stripe_id')}) DO NOTHING RETURNING id) "
        f"INSERT INTO {quote(DBTaskResult._meta.db_table)} ({task_columns}, "
        f"{quote('args_kwargs')}) "
        f"SELECT {', '.join(['%s'] * len(task_values))}, "
        "jsonb_build_object('args', jsonb_build_array(event.id), 'kwargs', '{}'::jsonb) "
        "FROM event RETURNING (args_kwargs->'args'->>0)::bigint"
    )
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        with connection.cursor() as cursor:
            cursor.execute(sql, [*event_values, *task_values])
            row = cursor.fetchone()
    if row is None:
        return False
    stored.pk = row[0]
    stored._state.adding, stored._state.db = False, connection.alias
    task.args_kwargs = {"args": [stored.pk], "kwargs": {}}
    task._state.adding, task._state.db = False, connection.alias
    task_enqueued.send(type(backend), task_result=task.task_result)
    return True


def _insert_parts(instance, *, skip: set[str]) -> tuple[str, list]:
    """The quoted column list and the database values of an unsaved row, as ``save()``
    would send them (``pre_save`` fills ``auto_now_add``)."""
    fields = [f for f in instance._meta.local_concrete_fields if f.name not in skip]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    return columns, values


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
            return as_dict(stripe_client().v1.balance_transactions.retrieve(bt))
        return bt if isinstance(bt, dict) else None
    elif kind == "payout.paid":
        client = stripe_client()
        listing = client.v1.balance_transactions.list(
            params={"payout": obj["id"], "limit": 100, "expand": ["data.source"]}
        )
        return [as_dict(bt) for bt in listing.auto_paging_iter()]
    elif kind == "customer.subscription.updated":
        # Updates can arrive out of order: act on the subscription as it is now.
        return as_dict(stripe_client().v1.subscriptions.retrieve(obj["id"]))
    return None


def _payment_intent(client: stripe.StripeClient, payment_intent_id: str) -> dict:
    intent = client.v1.payment_intents.retrieve(
        payment_intent_id, params={"expand": ["latest_charge.balance_transaction"]}
    )
    return as_dict(intent)


def _invoice_payment_intent(client: stripe.StripeClient, invoice_id: str) -> dict | None:
    payments = client.v1.invoice_payments.list(params={"invoice": invoice_id, "status": "paid"})
    for payment in payments.data:
        reference = as_dict(payment).get("payment") or {}
        if reference.get("type") == "payment_intent" and reference.get("payment_intent"):
            intent = reference["payment_intent"]
            return _payment_intent(client, intent if isinstance(intent, str) else intent["id"])
    return None


def _on_checkout_paid(session: dict, intent: dict | None, actor) -> tuple[str, str]:
    donation = donation_for(
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
        donation_advance(
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
    donation_advance(actor, donation, OnlineDonation.Status.PAID, "Payment confirmed by Stripe")
    return StripeEvent.Outcome.PROCESSED, ""


def _on_async_failed(session: dict, _remote, actor) -> tuple[str, str]:
    donation = donation_for(
        session_id=session["id"], public_id=(session.get("metadata") or {}).get("donation", "")
    )
    if donation is None:
        return StripeEvent.Outcome.UNMATCHED, ""
    donation_advance(actor, donation, OnlineDonation.Status.FAILED, "Asynchronous payment failed")
    return StripeEvent.Outcome.PROCESSED, ""


def _on_checkout_expired(session: dict, _remote, actor) -> tuple[str, str]:
    """The donor never paid and the session closed: the pending gift is abandoned."""
    donation = donation_for(
        session_id=session["id"], public_id=(session.get("metadata") or {}).get("donation", "")
    )
    if donation is None:
        return StripeEvent.Outcome.UNMATCHED, ""
    donation_advance(actor, donation, OnlineDonation.Status.ABANDONED, "Checkout expired unpaid")
    return StripeEvent.Outcome.PROCESSED, ""


def _on_invoice_paid(invoice: dict, intent: dict | None, actor) -> tuple[str, str]:
    subscription_id, metadata = invoice_subscription(invoice)
    donation = donation_for(public_id=metadata.get("donation", ""), subscription_id=subscription_id)
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
    donation_advance(
        actor, donation, OnlineDonation.Status.PAID, "Monthly payment confirmed by Stripe"
    )
    return StripeEvent.Outcome.PROCESSED, ""


def _subscription_link(donation: OnlineDonation, subscription_id: str, actor) -> None:
    """Record the gift's subscription; invoices that waited for it run again."""
    donation.stripe_subscription_id = subscription_id
    donation._history_user = actor
    donation.save(update_fields=["stripe_subscription_id"])
    _wake(subscription_id, actor)


def _on_charge_updated(charge: dict, balance_transaction: dict | None, actor) -> tuple[str, str]:
    payment = payment_for_charge(charge["id"])
    if payment is None:
        return StripeEvent.Outcome.WAITING, charge["id"]
    if balance_transaction is None and isinstance(charge.get("balance_transaction"), dict):
        balance_transaction = charge["balance_transaction"]
    if balance_transaction is not None:
        fee_record(payment=payment, balance_transaction=balance_transaction, actor=actor)
    return StripeEvent.Outcome.PROCESSED, ""


_HANDLERS = {
    "checkout.session.completed": _on_checkout_paid,
    "checkout.session.async_payment_succeeded": _on_checkout_paid,
    "checkout.session.async_payment_failed": _on_async_failed,
    "checkout.session.expired": _on_checkout_expired,
    "invoice.paid": _on_invoice_paid,
    "charge.refunded": on_charge_refunded,
    "charge.updated": _on_charge_updated,
    "refund.failed": on_refund,
    "refund.updated": on_refund,
    "charge.refund.updated": on_refund,
    "charge.dispute.created": on_dispute,
    "charge.dispute.funds_withdrawn": on_dispute,
    "charge.dispute.funds_reinstated": on_dispute,
    "charge.dispute.updated": on_dispute,
    "charge.dispute.closed": on_dispute,
    "payout.paid": on_payout_paid,
    "payout.failed": on_payout_failed,
    "customer.subscription.updated": on_subscription_updated,
    "customer.subscription.deleted": on_subscription_deleted,
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


# ---- Payments ---------------------------------------------------------------------------


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
            fee_record(payment=existing, balance_transaction=balance_transaction, actor=actor)
        refunds_sync(
            payment=existing, cumulative_pence=charge.get("amount_refunded", 0), actor=actor
        )
        return existing
    balance_transaction = charge.get("balance_transaction")
    balance_transaction = balance_transaction if isinstance(balance_transaction, dict) else None
    paid_on = day_from_timestamp(charge["created"])
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
        fee_record(payment=payment, balance_transaction=balance_transaction, actor=actor)
    refunds_sync(payment=payment, cumulative_pence=charge.get("amount_refunded", 0), actor=actor)
    # Events about this charge that came before it (a refund, a dispute) run now.
    _wake(charge["id"], actor)
    if donation.donor_email:
        # Queued in this transaction (the queue is a table): the worker sends the email only
        # once the payment has committed, and never for a payment that rolled back.
        receipt_send_task.enqueue(payment.pk)
    return payment


def fee_record(*, payment: OnlinePayment, balance_transaction: dict, actor) -> None:
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
