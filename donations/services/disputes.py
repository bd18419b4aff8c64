"""Disputes on online gifts: the dispute's money follows its balance transactions, one
ledger entry per transaction id, and the payment records where the dispute stands."""

from djmoney.money import Money

from donations.models.online import OnlinePayment, StripeEvent
from donations.services.giftaid import gift_aid_overclaim_sync
from donations.services.online import payment_for_charge
from donations.services.stripe_api import day_from_timestamp
from fund.money import from_pence
from fund.services.posting import Leg, entry_post


def on_dispute(dispute: dict, _remote, actor) -> tuple[str, str]:
    payment = payment_for_charge(dispute["charge"])
    if payment is None:
        return StripeEvent.Outcome.WAITING, dispute["charge"]
    dispute_sync(payment=payment, dispute=dispute, actor=actor)
    return StripeEvent.Outcome.PROCESSED, ""


def dispute_sync(*, payment: OnlinePayment, dispute: dict, actor) -> None:
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
                effective_date=day_from_timestamp(bt["created"]),
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
