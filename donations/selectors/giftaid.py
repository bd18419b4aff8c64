"""Reads for Gift Aid: overclaims waiting for a claim, gifts that cannot be claimed."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Min, QuerySet, Sum
from django.utils import timezone
from djmoney.money import Money

from donations.models.giftaid import GiftAidAdjustment
from donations.models.online import OnlinePayment
from donations.services.giftaid import gift_aid_eligible, gift_aid_refusal
from fund.money import gbp


def overclaims_waiting() -> Money:
    """Tax overclaimed on gifts refunded or lost after their claim, not yet deducted."""
    total = GiftAidAdjustment.objects.filter(deducted_in__isnull=True).aggregate(
        total=Sum("amount")
    )["total"]
    return gbp(total)


@dataclass(frozen=True)
class RefusedGift:
    payment: OnlinePayment
    reason: str


def gift_aid_refused(*, today: date | None = None) -> QuerySet[OnlinePayment]:
    """Unclaimed gifts with a declaration that no claim may include (today), oldest first."""
    today = today or timezone.localdate()
    eligible = gift_aid_eligible(date.min, date.max, today=today).values("pk")
    return (
        OnlinePayment.objects.filter(
            donation__gift_aid__isnull=False,
            gift_aid_claim__isnull=True,
            gift_aid_line__isnull=True,
        )
        .exclude(pk__in=eligible)
        .select_related("donation__gift_aid")
        .order_by("paid_on", "id")
    )


def with_reasons(payments, *, today: date | None = None) -> list[RefusedGift]:
    """Each gift with why it cannot be claimed, for one page of them."""
    return [RefusedGift(payment=p, reason=gift_aid_refusal(p, today=today)) for p in payments]


def unclaimed_range(*, today: date | None = None) -> tuple[date, date] | None:
    """The first and last dates of the gifts that could be claimed now, or None."""
    today = today or timezone.localdate()
    bounds = gift_aid_eligible(date.min, today, today=today).aggregate(
        first=Min("paid_on"), last=Max("paid_on")
    )
    if bounds["first"] is None:
        return None
    return bounds["first"], bounds["last"]
