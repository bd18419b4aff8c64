"""The Stripe half of reconciliation: the ledger's Stripe balance proven against Stripe's.

``stripe_balance_reconcile`` reads Stripe's balance (``GET /v1/balance``, available plus
pending) and walks its balance transactions since the last check (every one on the first),
checking that each has its ledger entry: the gift, its fee, the refunds, the dispute's money,
the payout. What a webhook should have posted and did not (a fee Stripe reported later, a
refund whose events never came) is posted now through the very services that post them from
webhooks (``donations.services.stripe_events``, ``refunds`` and ``disputes``), so it lands
once whichever comes first. What nothing here can explain (an ``adjustment`` Stripe made on
its own) is listed with the action that fixes it, and ``stripe_balance_transaction_post``
posts it once a person has said what it is. Ledger rows are never changed: every fix is a
new entry.

Each check is recorded (``StripeBalanceCheck``) with its findings, one per balance
transaction whose entry was missing. Reads from Stripe happen before the database
transaction opens, so no lock is held while waiting on the network.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import stripe
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import CheckoutUnavailable, StripeReconcileFailed
from donations.models.online import OnlinePayment, RefundFailure, StripePayout
from donations.models.reconcile import (
    DISPUTE_CATEGORIES,
    StripeBalanceCheck,
    StripeBalanceFinding,
)
from donations.services import disputes, refunds, stripe_api, stripe_events
from fund.exceptions import LedgerError
from fund.models import Account, Entry, Fund
from fund.money import format_gbp, from_pence, gbp, to_pence
from fund.selectors import account_balance
from fund.services.posting import Leg, entry_post

STRIPE_ACCOUNT = "assets:stripe"
PAGE_SIZE = 100
CHARGE_TYPES = ("charge", "payment")
REFUND_TYPES = ("refund", "payment_refund")
REFUND_FAILURE_TYPES = ("refund_failure", "payment_failure_refund")
PAYOUT_TYPES = ("payout",)
PAYOUT_RETURN_TYPES = ("payout_failure", "payout_cancel")
EVENTS_PAGE = "the Stripe events needing attention page"


def _when(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _source(bt: dict) -> tuple[dict, str]:
    source = bt.get("source")
    if isinstance(source, dict):
        return source, source.get("id", "")
    return {}, source or ""


@dataclass
class _Finding:
    lacking: str
    action: str
    status: str = StripeBalanceFinding.Status.OPEN
    entry: Entry | None = None


def _walk_start(last: StripeBalanceCheck | None) -> int | None:
    """Where this check starts: the last one's newest transaction, or an older one it left
    open (so an unexplained transaction is looked at again until it is explained)."""
    if last is None or last.last_balance_transaction_at is None:
        return None
    start = last.last_balance_transaction_at
    oldest_open = last.findings.filter(status=StripeBalanceFinding.Status.OPEN).aggregate(
        oldest=Min("created")
    )["oldest"]
    if oldest_open is not None and oldest_open < start:
        start = oldest_open
    return int(start.timestamp())


def _fetch(since: int | None) -> tuple[dict, list[dict], dict[str, dict]]:
    """Stripe's balance, its balance transactions since ``since`` (oldest first) and the
    charges their refunds belong to."""
    try:
        client = stripe_api.stripe_client()
        balance = stripe_api.as_dict(client.v1.balance.retrieve())
        params: dict = {"limit": PAGE_SIZE, "expand": ["data.source"]}
        if since is not None:
            params["created"] = {"gte": since}
        listing = client.v1.balance_transactions.list(params=params)
        transactions = [stripe_api.as_dict(bt) for bt in listing.auto_paging_iter()]
        transactions.reverse()  # Stripe lists newest first; walk them as they happened.
        charges = {}
        for bt in transactions:
            source, _ = _source(bt)
            charge_id = source.get("charge") if bt["type"] in REFUND_TYPES else None
            if isinstance(charge_id, str) and charge_id not in charges:
                charges[charge_id] = stripe_api.as_dict(client.v1.charges.retrieve(charge_id))
    except stripe.StripeError as error:
        raise StripeReconcileFailed(
            f"Stripe could not be read: {error.user_message or error}"
        ) from error
    except CheckoutUnavailable as error:
        raise StripeReconcileFailed(str(error)) from error
    return balance, transactions, charges


def _total(balance: dict, part: str) -> Money:
    return from_pence(
        sum(row["amount"] for row in balance.get(part) or [] if row.get("currency") == "gbp")
    )


def _payment(charge_id: str | None) -> OnlinePayment | None:
    if not charge_id:
        return None
    return OnlinePayment.objects.select_for_update().filter(charge_id=charge_id).first()


def _no_gift(bt: dict, charge_id: str) -> _Finding:
    return _Finding(
        f"The gift of {format_gbp(from_pence(bt['amount']))} (charge {charge_id}) "
        "is not in the ledger.",
        f"Retry its checkout.session.completed or invoice.paid event on {EVENTS_PAGE}; if "
        "none arrived, resend it from Stripe's Dashboard (Developers › Events).",
    )


def _check_charge(bt: dict, actor) -> _Finding | None:
    _, charge_id = _source(bt)
    payment = _payment(charge_id)
    if payment is None:
        return _no_gift(bt, charge_id)
    if payment.balance_transaction_id:
        return None
    # The fee webhook never came (asynchronous capture): post it as charge.updated would.
    stripe_events.fee_record(payment=payment, balance_transaction=bt, actor=actor)
    return _Finding(
        f"The Stripe fee of {format_gbp(from_pence(bt['fee']))} on gift "
        f"{payment.donation.reference} (payment {payment.pk}).",
        "Posted by this check through the service that posts fees.",
        StripeBalanceFinding.Status.POSTED,
        Entry.objects.filter(idempotency_key=f"stripe:fee:{bt['id']}").first(),
    )


def _check_refund(bt: dict, charges: dict[str, dict], actor) -> _Finding | None:
    refund, refund_id = _source(bt)
    charge_id = refund.get("charge") if isinstance(refund.get("charge"), str) else ""
    payment = _payment(charge_id)
    if payment is None:
        return _no_gift(bt, charge_id or "unknown")
    cumulative = charges[charge_id]["amount_refunded"]
    failed = payment.refund_failures.aggregate(total=Sum("amount"))["total"] or 0
    if to_pence(payment.amount_refunded + gbp(failed)) >= cumulative:
        return None
    # The refund's webhooks never came: bring the refunds up to Stripe's figure as
    # charge.refunded would.
    refunds.refunds_sync(payment=payment, cumulative_pence=cumulative, actor=actor)
    return _Finding(
        f"The refund {refund_id} of {format_gbp(from_pence(-bt['amount']))} on gift "
        f"{payment.donation.reference} (payment {payment.pk}).",
        "Posted by this check through the service that posts refunds.",
        StripeBalanceFinding.Status.POSTED,
        Entry.objects.filter(idempotency_key=f"stripe:refund:{charge_id}:{cumulative}").first(),
    )


def _check_refund_failure(bt: dict, actor) -> _Finding | None:
    refund, refund_id = _source(bt)
    if RefundFailure.objects.filter(stripe_refund_id=refund_id).exists():
        return None
    payment = _payment(refund.get("charge") if isinstance(refund.get("charge"), str) else "")
    if payment is None or refund.get("status") != "failed":
        return _Finding(
            f"The failed refund {refund_id} ({format_gbp(from_pence(bt['amount']))} back in "
            "the Stripe balance).",
            f"Retry its refund.failed event on {EVENTS_PAGE}.",
        )
    refunds.refund_failure_record(payment=payment, refund=refund, actor=actor)
    return _Finding(
        f"The failed refund {refund_id} of {format_gbp(from_pence(bt['amount']))} on gift "
        f"{payment.donation.reference}.",
        "Posted by this check through the service that reverses failed refunds.",
        StripeBalanceFinding.Status.POSTED,
        Entry.objects.filter(idempotency_key=f"stripe:refund-failed:{refund_id}").first(),
    )


def _check_dispute(bt: dict, actor) -> _Finding | None:
    key = f"stripe:dispute:{bt['id']}"
    if Entry.objects.filter(idempotency_key=key).exists():
        return None
    dispute, dispute_id = _source(bt)
    payment = _payment(dispute.get("charge") if isinstance(dispute.get("charge"), str) else "")
    if payment is None:
        return _no_gift(bt, dispute.get("charge") or dispute_id)
    disputes.dispute_sync(payment=payment, dispute=dispute, actor=actor)
    return _Finding(
        f"The dispute money of {format_gbp(from_pence(bt['net']))} on gift "
        f"{payment.donation.reference} (dispute {dispute_id}).",
        "Posted by this check through the service that posts disputes.",
        StripeBalanceFinding.Status.POSTED,
        Entry.objects.filter(idempotency_key=key).first(),
    )


def _check_payout(bt: dict) -> _Finding | None:
    _, payout_id = _source(bt)
    if Entry.objects.filter(idempotency_key=f"stripe:payout:{payout_id}:paid").exists():
        return None
    return _Finding(
        f"The payout {payout_id} of {format_gbp(from_pence(-bt['amount']))} to the bank.",
        f"Retry its payout.paid event on {EVENTS_PAGE}.",
    )


def _check_payout_return(bt: dict) -> _Finding | None:
    _, payout_id = _source(bt)
    if StripePayout.objects.filter(stripe_id=payout_id, status=StripePayout.Status.FAILED).exists():
        return None
    return _Finding(
        f"The payout {payout_id} returned to the Stripe balance "
        f"({format_gbp(from_pence(bt['amount']))}).",
        f"Retry its payout.failed event on {EVENTS_PAGE}.",
    )


def _check_other(bt: dict) -> _Finding | None:
    if Entry.objects.filter(idempotency_key=_posted_key(bt["id"])).exists():
        return None
    what = bt["type"] + (f" ({bt['reporting_category']})" if bt.get("reporting_category") else "")
    description = f": “{bt['description']}”" if bt.get("description") else ""
    return _Finding(
        f"An entry for a {what} of {format_gbp(from_pence(bt['net']))}{description}, "
        "which no gift, fee, refund, dispute or payout explains.",
        f"Find {bt['id']} in Stripe's Dashboard (Balance › Transactions) to learn what it is, "
        "then post it from this page to the account it belongs to.",
    )


def _verify(bt: dict, charges: dict[str, dict], actor) -> _Finding | None:
    kind, category = bt["type"], bt.get("reporting_category") or ""
    if kind in CHARGE_TYPES:
        return _check_charge(bt, actor)
    if kind in REFUND_TYPES:
        return _check_refund(bt, charges, actor)
    if kind in REFUND_FAILURE_TYPES:
        return _check_refund_failure(bt, actor)
    if kind == "adjustment" and category in DISPUTE_CATEGORIES:
        return _check_dispute(bt, actor)
    if kind in PAYOUT_TYPES:
        return _check_payout(bt)
    if kind in PAYOUT_RETURN_TYPES:
        return _check_payout_return(bt)
    return _check_other(bt)


def _verify_or_refused(bt: dict, charges: dict[str, dict], actor) -> _Finding | None:
    """``_verify``, with a fix the ledger refuses (its month is closed, say) kept as an open
    finding instead of ending the check: the rest of the walk still runs and is recorded."""
    try:
        with transaction.atomic():
            return _verify(bt, charges, actor)
    except LedgerError as refused:
        return _Finding(
            f"Stripe's {bt['type']} {bt['id']} of {format_gbp(from_pence(bt['net']))} on "
            f"{timezone.localdate(_when(bt['created'])):%-d %b %Y} is not in the ledger, and "
            f"the ledger refused to post it: {refused}",
            "The month it belongs to is closed, so nothing was posted: the fund manager "
            "records it in the current month, and the next check confirms it.",
        )


def ledger_stripe_balance() -> Money:
    """The ledger's Stripe balance account across every fund."""
    return account_balance(Account.objects.get(code=STRIPE_ACCOUNT))


def stripe_balance_reconcile(*, actor: AbstractBaseUser | None) -> StripeBalanceCheck:
    """Check the ledger's Stripe balance against Stripe's; post what webhooks missed.

    ``actor`` is the person who asked, or ``None`` for the daily scheduled run (the fixes
    are then posted as the Stripe webhooks user). Running it again posts nothing more.
    """
    last = StripeBalanceCheck.objects.order_by("-checked_at", "-id").first()
    since = _walk_start(last)
    balance, transactions, charges = _fetch(since)
    poster = actor or stripe_api.system_actor()
    with transaction.atomic():
        now = timezone.now()
        findings = []
        for bt in transactions:
            found = _verify_or_refused(bt, charges, poster)
            if found is not None:
                findings.append((bt, found))
        available, pending = _total(balance, "available"), _total(balance, "pending")
        ledger = ledger_stripe_balance()
        newest = transactions[-1] if transactions else None
        check = StripeBalanceCheck.objects.create(
            checked_at=now,
            checked_on=timezone.localdate(now),
            checked_by=actor,
            stripe_available=available,
            stripe_pending=pending,
            stripe_balance=available + pending,
            ledger_balance=ledger,
            difference=available + pending - ledger,
            walked_since=_when(since) if since is not None else None,
            walked=len(transactions),
            last_balance_transaction_id=newest["id"] if newest else "",
            last_balance_transaction_at=_when(newest["created"])
            if newest
            else (last.last_balance_transaction_at if last else None),
        )
        StripeBalanceFinding.objects.bulk_create(
            StripeBalanceFinding(
                check_run=check,
                balance_transaction_id=bt["id"],
                type=bt["type"],
                reporting_category=bt.get("reporting_category") or "",
                source_id=_source(bt)[1],
                created=_when(bt["created"]),
                amount=from_pence(bt["amount"]),
                fee=from_pence(bt["fee"]),
                net=from_pence(bt["net"]),
                lacking=found.lacking[:300],
                action=found.action[:500],
                status=found.status,
                entry=found.entry,
            )
            for bt, found in findings
        )
    return check


def _posted_key(balance_transaction_id: str) -> str:
    return f"stripe:balance-transaction:{balance_transaction_id}"


def stripe_balance_transaction_post(
    *,
    actor: AbstractBaseUser,
    finding: StripeBalanceFinding,
    fund: Fund,
    account: Account,
    reason: str,
) -> Entry:
    """Post a balance transaction the check could not explain, once a person has said what
    it is: its net between the Stripe balance and ``account``, in ``fund``.

    The amount is Stripe's own (read again from Stripe), never typed in. Posting it twice
    returns the first entry.
    """
    reason = reason.strip()
    if not reason:
        raise StripeReconcileFailed("Say what this balance transaction is.")
    if account.code == STRIPE_ACCOUNT:
        raise StripeReconcileFailed("Choose the account it belongs to, not the Stripe balance.")
    if not finding.postable:
        raise StripeReconcileFailed(
            "Only a balance transaction nothing else explains is posted here; "
            "follow the action listed for this one."
        )
    try:
        bt = stripe_api.as_dict(
            stripe_api.stripe_client().v1.balance_transactions.retrieve(
                finding.balance_transaction_id
            )
        )
    except stripe.StripeError as error:
        raise StripeReconcileFailed(
            f"Stripe could not be read: {error.user_message or error}"
        ) from error
    except CheckoutUnavailable as error:
        raise StripeReconcileFailed(str(error)) from error
    net = from_pence(bt["net"])
    if not net.amount:
        raise StripeReconcileFailed("This balance transaction moves no money.")
    stripe_side, other = STRIPE_ACCOUNT, account.code
    debit, credit = (stripe_side, other) if net.amount > 0 else (other, stripe_side)
    # A transaction from a month already closed is posted on the first day still open: the
    # closed month's figures stay as they were signed off, and the memo says when it was.
    effective = timezone.localdate(_when(bt["created"]))
    lock_date = Fund.objects.filter(pk=fund.pk).values_list("lock_date", flat=True).get()
    if lock_date is not None and effective <= lock_date:
        effective = lock_date + timedelta(days=1)
    try:
        return _post_finding(actor, finding, fund, bt, debit, credit, net, reason, effective)
    except LedgerError as refused:
        raise StripeReconcileFailed(f"The ledger refused it: {refused}") from refused


def _post_finding(actor, finding, fund, bt, debit, credit, net, reason, effective) -> Entry:
    return entry_post(
        actor=actor,
        effective_date=effective,
        memo=(
            f"Stripe {bt['type']} {bt['id']} of "
            f"{timezone.localdate(_when(bt['created'])):%-d %b %Y}: {reason}"
        )[:300],
        source=f"donations.StripeBalanceFinding:{finding.pk}",
        legs=[Leg(fund=fund, debit=debit, credit=credit, amount=abs(net))],
        idempotency_key=_posted_key(bt["id"]),
    )
