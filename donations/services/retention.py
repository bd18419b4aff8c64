"""Removing donors' personal data once its retention period is over (see people.retention).

- A Gift Aid declaration (name and home address) is kept RETENTION "gift_aid_declaration"
  months after the last claim that used it (HMRC can ask to see it until then), or after it
  was made if it was never claimed.
- A donor's name and email on an online gift (for the receipt) are kept RETENTION
  "donor_contact" months after the gift.

Amounts, dates and Stripe references stay, so every ledger figure and claim total is
unchanged. The change history of those records is cleared the same way.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce

from donations.models.online import GiftAidDeclaration, OnlineDonation
from people.retention import cutoff

REMOVED = "Removed"
REMOVED_POSTCODE = "REMOVED"


@dataclass
class DonorDataRemoval:
    declarations: list[int] = field(default_factory=list)
    donations: list[int] = field(default_factory=list)


def declarations_due(now: datetime):
    limit = cutoff("gift_aid_declaration", now)
    return (
        GiftAidDeclaration.objects.exclude(postcode=REMOVED_POSTCODE)
        .annotate(
            last_used=Coalesce(Max("donation__payments__gift_aid_claim__created_at"), "declared_at")
        )
        .filter(last_used__lt=limit)
    )


def donor_contacts_due(now: datetime):
    limit = cutoff("donor_contact", now)
    return OnlineDonation.objects.filter(created_at__lt=limit).exclude(
        donor_name="", donor_email=""
    )


@transaction.atomic
def donor_data_remove_expired(*, actor, now: datetime) -> DonorDataRemoval:
    """Anonymise every declaration and donor contact due for removal (ids returned)."""
    declarations = sorted(set(declarations_due(now).values_list("pk", flat=True)))
    donations = sorted(set(donor_contacts_due(now).values_list("pk", flat=True)))
    for model in (GiftAidDeclaration, GiftAidDeclaration.history.model):
        key = "id__in" if model is not GiftAidDeclaration else "pk__in"
        model.objects.filter(**{key: declarations}).update(
            title="",
            first_name=REMOVED,
            last_name=REMOVED,
            house_name_or_number=REMOVED,
            address="",
            postcode=REMOVED_POSTCODE,
        )
    for model in (OnlineDonation, OnlineDonation.history.model):
        key = "id__in" if model is not OnlineDonation else "pk__in"
        model.objects.filter(**{key: donations}).update(donor_name="", donor_email="")
    return DonorDataRemoval(declarations=declarations, donations=donations)
