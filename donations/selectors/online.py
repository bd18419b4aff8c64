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
    """The gifts matching ``filters``, newest first, without their payments' totals: the
    list pages these first and totals only the page (``with_payment_totals``), so a page
    costs the same whether there are 200 payments or 200,000."""
    rows = OnlineDonation.objects.select_related("fund", "gift_aid", "collection_point").order_by(
        "-created_at", "-id"
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


def with_payment_totals(donations) -> list[OnlineDonation]:
    """The given gifts (one page of them) with ``paid_total``, ``refunded_total``,
    ``payment_count`` and ``disputes`` set from their payments: one grouped query over the
    payments of these gifts only (by the payment's donation index), in the page's order."""
    donations = list(donations)
    totals = {
        row["donation_id"]: row
        for row in OnlinePayment.objects.filter(donation__in=[d.pk for d in donations])
        .values("donation_id")
        .annotate(
            paid=Sum("amount"),
            refunded=Sum("amount_refunded"),
            count=Count("pk"),
            disputes=Count("pk", filter=~Q(dispute="")),
        )
        .order_by()
    }
    for donation in donations:
        row = totals.get(donation.pk, {})
        donation.paid_total = row.get("paid")
        donation.refunded_total = row.get("refunded")
        donation.payment_count = row.get("count", 0)
        donation.disputes = row.get("disputes", 0)
    return donations


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
