"""Stripe's payouts to the bank: a paid payout's lines recorded and its money moved from the
Stripe balance to the bank, per fund; a failed one reversed (or never posted)."""

from decimal import Decimal

from django.utils import timezone
from djmoney.money import Money

from donations.models.online import OnlinePayment, PayoutLine, StripeEvent, StripePayout
from donations.services.online import online_fund
from donations.services.stripe_api import day_from_timestamp
from fund.models import Entry, Fund
from fund.money import from_pence
from fund.services.posting import Leg, entry_post
from fund.services.reversal import entry_reverse


def on_payout_paid(payout: dict, balance_transactions: list[dict] | None, actor) -> tuple[str, str]:
    row = StripePayout.objects.select_for_update().filter(stripe_id=payout["id"]).first()
    if row is not None:
        # Already recorded, or its failure arrived first: a failed payout never posts.
        return StripeEvent.Outcome.PROCESSED, ""
    row = StripePayout(
        stripe_id=payout["id"],
        amount=from_pence(payout["amount"]),
        arrival_date=day_from_timestamp(payout["arrival_date"]),
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


def on_payout_failed(payout: dict, _remote, actor) -> tuple[str, str]:
    row = StripePayout.objects.select_for_update().filter(stripe_id=payout["id"]).first()
    if row is None:
        row = StripePayout(
            stripe_id=payout["id"],
            amount=from_pence(payout["amount"]),
            arrival_date=day_from_timestamp(payout["arrival_date"]),
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
