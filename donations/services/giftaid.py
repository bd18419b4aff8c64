"""Every write for Gift Aid: claims on online gifts made with a declaration."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from djmoney.money import Money

from donations.exceptions import NothingToClaim
from donations.models.online import GiftAidClaim, OnlinePayment


def gift_aid_eligible(date_from: date, date_to: date):
    """Payments with a declaration, not yet claimed, never refunded or lost in a dispute."""
    return (
        OnlinePayment.objects.filter(
            paid_on__gte=date_from,
            paid_on__lte=date_to,
            donation__gift_aid__isnull=False,
            gift_aid_claim__isnull=True,
            amount_refunded=Money("0.00", "GBP"),
        )
        .exclude(dispute__in=OnlinePayment.DISPUTES_BARRING_GIFT_AID)
        .select_related("donation__gift_aid")
        .order_by("paid_on", "id")
    )


def gift_aid_claim_create(
    *, actor: AbstractBaseUser, date_from: date, date_to: date
) -> GiftAidClaim:
    """Put every eligible gift in the range into one claim; a gift is never claimed twice."""
    if date_to < date_from:
        raise NothingToClaim("The end date must be on or after the start date.")
    with transaction.atomic():
        ids = list(
            gift_aid_eligible(date_from, date_to).select_for_update().values_list("pk", flat=True)
        )
        if not ids:
            raise NothingToClaim("There are no unclaimed Gift Aid gifts in that range.")
        claim = GiftAidClaim(date_from=date_from, date_to=date_to, created_by=actor)
        claim._history_user = actor
        claim.save()
        # Compare-and-set: a claim run racing this one cannot take the same gifts.
        taken = OnlinePayment.objects.filter(pk__in=ids, gift_aid_claim__isnull=True).update(
            gift_aid_claim=claim
        )
        if taken != len(ids):
            raise NothingToClaim("Another claim run took some of these gifts; run the claim again.")
        total = OnlinePayment.objects.filter(gift_aid_claim=claim).aggregate(total=Sum("amount"))[
            "total"
        ]
        claim.total = Money(Decimal(total).quantize(Decimal("0.01")), "GBP")
        claim.save(update_fields=["total"])
    return claim
