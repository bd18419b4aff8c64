"""Reads for Gift Aid: overclaims waiting for a claim, gifts that cannot be claimed."""

from decimal import Decimal

from django.db.models import Sum
from djmoney.money import Money

from donations.models.giftaid import GiftAidAdjustment


def overclaims_waiting() -> Money:
    """Tax overclaimed on gifts refunded or lost after their claim, not yet deducted."""
    total = GiftAidAdjustment.objects.filter(deducted_in__isnull=True).aggregate(
        total=Sum("amount")
    )["total"]
    return Money(Decimal(total or 0).quantize(Decimal("0.01")), "GBP")
