"""Reads for online giving: the staff list and payout reconciliation."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from djmoney.money import Money

from donations.models.online import OnlineDonation, OnlinePayment, StripeEvent, StripePayout
from donations.models.reconcile import StripeBalanceCheck

ZERO = Money("0.00", "GBP")


def donations_filtered(filters: dict) -> QuerySet[OnlineDonation]:
    rows = (
        OnlineDonation.objects.select_related("fund", "gift_aid")
        .annotate(
            paid_total=Sum("payments__amount"),
            refunded_total=Sum("payments__amount_refunded"),
            payment_count=Count("payments"),
            disputes=Count("payments", filter=~Q(payments__dispute="")),
        )
        .order_by("-created_at", "-id")
    )
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("frequency"):
        rows = rows.filter(frequency=filters["frequency"])
    if filters.get("gift_aid") == "yes":
        rows = rows.filter(gift_aid__isnull=False)
    elif filters.get("gift_aid") == "no":
        rows = rows.filter(gift_aid__isnull=True)
    # A subquery, not a join: a second join on payments would multiply the sums above.
    refunded = Exists(OnlinePayment.objects.filter(donation=OuterRef("pk"), amount_refunded__gt=0))
    if filters.get("refunded") == "yes":
        rows = rows.filter(refunded)
    elif filters.get("refunded") == "no":
        rows = rows.exclude(refunded)
    if filters.get("point"):
        rows = rows.filter(collection_point__public_code=filters["point"].strip().upper())
    if filters.get("date_from"):
        rows = rows.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        rows = rows.filter(created_at__date__lte=filters["date_to"])
    return rows


@dataclass(frozen=True)
class PayoutSummary:
    gifts: Money
    fees: Money
    refunds: Money
    disputes: Money
    other: Money
    net: Money


def payout_summary(payout: StripePayout) -> PayoutSummary:
    """Gross gifts, fees, refunds and dispute movements in a payout; their net is the payout."""
    totals = {
        "charge": Decimal(0),
        "refund": Decimal(0),
        "dispute": Decimal(0),
        "other": Decimal(0),
    }
    fees = Decimal(0)
    net = Decimal(0)
    for line in payout.lines.all():
        kind = (
            line.kind
            if line.kind in ("charge", "refund")
            else ("dispute" if "dispute" in line.kind else "other")
        )
        totals[kind] += line.amount.amount
        fees += line.fee.amount
        net += line.net.amount
    return PayoutSummary(
        gifts=Money(totals["charge"], "GBP"),
        fees=Money(fees, "GBP"),
        refunds=Money(-totals["refund"], "GBP"),
        disputes=Money(totals["dispute"], "GBP"),
        other=Money(totals["other"], "GBP"),
        net=Money(net, "GBP"),
    )


# An event still not matched this long after it arrived is shown to staff.
UNMATCHED_SHOWN_AFTER = timedelta(days=1)


def stripe_events_needing_attention(now: datetime) -> QuerySet[StripeEvent]:
    """Events that failed, and events still unprocessed or unmatched a day after arriving."""
    not_yet = [
        StripeEvent.Outcome.RECEIVED,
        StripeEvent.Outcome.WAITING,
        StripeEvent.Outcome.UNMATCHED,
    ]
    return StripeEvent.objects.filter(
        Q(outcome=StripeEvent.Outcome.FAILED)
        | Q(outcome__in=not_yet, received_at__lte=now - UNMATCHED_SHOWN_AFTER)
    ).order_by("received_at", "id")


def latest_stripe_check():
    """The newest check of the ledger's Stripe balance against Stripe's, or ``None``."""
    return StripeBalanceCheck.objects.order_by("-checked_at", "-id").first()
