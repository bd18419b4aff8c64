"""Collection points, box collections and bank deposits.

Cash is where charities lose money, so the controls are the model: every box has a number
and a tamper-evident seal on record; a count is entered by one fund officer and confirmed
by a second, different one before it posts (Cash in transit / Donations: collection
boxes); a deposit groups confirmed collections and is checked by someone who took part in
none of their counts before it posts (Bank / Cash in transit, plus any difference to Cash
differences).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from djmoney.money import Money
from simple_history.models import HistoricalRecords

from donations.exceptions import InvalidTransition
from fund.models import money_field
from fund.workflow import StatusEvent

__all__ = [
    "DENOMINATIONS",
    "Collection",
    "CollectionDenomination",
    "CollectionEvent",
    "CollectionPoint",
    "Deposit",
    "DepositEvent",
]

# Sterling notes and coins in circulation, largest first: the denominations a count may
# be broken down into.
DENOMINATIONS = [
    Decimal(v)
    for v in (
        "50.00",
        "20.00",
        "10.00",
        "5.00",
        "2.00",
        "1.00",
        "0.50",
        "0.20",
        "0.10",
        "0.05",
        "0.02",
        "0.01",
    )
]


class CollectionPoint(models.Model):
    """A host business (shop, café, pharmacy) with a numbered, sealed collection box."""

    fund = models.ForeignKey(
        "fund.Fund",
        on_delete=models.PROTECT,
        related_name="collection_points",
        help_text="The fund the box's cash is given to.",
    )
    host_name = models.CharField("host business", max_length=200)
    address = models.TextField()
    contact_name = models.CharField(max_length=120, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    box_number = models.CharField(max_length=20, unique=True)
    current_seal = models.CharField(
        "seal currently fitted",
        max_length=40,
        help_text="The number on the tamper-evident seal now on the box.",
    )
    is_active = models.BooleanField(default=True)
    public_code = models.CharField(
        max_length=12,
        unique=True,
        help_text="Short uppercase code printed on the poster; online gifts carry it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_emptied_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the box was last emptied: the latest collection recorded from it.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["host_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(public_code=Upper("public_code")) & ~Q(public_code=""),
                name="donations_collectionpoint_public_code_upper",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="donations_collectionpoint_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=~Q(current_seal=""), name="donations_collectionpoint_seal_present"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host_name} (box {self.box_number})"


class Collection(models.Model):
    """One emptying of one box: seals, the amount counted, and its two-person count."""

    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting_confirmation", "Awaiting confirmation"
        RETURNED = "returned", "Returned to counter"
        CONFIRMED = "confirmed", "Confirmed, cash in transit"
        BANKED = "banked", "In a deposit"

    # The workflow (fund.workflow.transition); "" is the event row of a new collection.
    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        "": {Status.AWAITING_CONFIRMATION},
        Status.AWAITING_CONFIRMATION: {Status.CONFIRMED, Status.RETURNED},
        Status.RETURNED: {Status.AWAITING_CONFIRMATION},
        Status.CONFIRMED: {Status.BANKED},
        Status.BANKED: set(),
    }

    point = models.ForeignKey(CollectionPoint, on_delete=models.PROTECT, related_name="collections")
    emptied_at = models.DateTimeField()
    seal_expected = models.CharField(
        max_length=40, help_text="The seal on record for the box when it was emptied."
    )
    seal_removed = models.CharField(max_length=40)
    seal_fitted = models.CharField(max_length=40)
    seal_broken = models.BooleanField(
        default=False, help_text="The seal removed was not the one on record."
    )
    seal_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seal_reviewed_at = models.DateTimeField(null=True, blank=True)
    seal_review_note = models.TextField(blank=True)
    amount = money_field()
    status = models.CharField(
        max_length=30, choices=Status.choices, default=Status.AWAITING_CONFIRMATION
    )
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    entry = models.OneToOneField(
        "fund.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The ledger entry posted when the count was confirmed.",
    )
    deposit = models.ForeignKey(
        "Deposit", null=True, blank=True, on_delete=models.PROTECT, related_name="collections"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-emptied_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="donations_collection_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_currency="GBP"), name="donations_collection_currency_gbp"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("counted_by")),
                name="donations_collection_confirmer_differs",
            ),
            models.CheckConstraint(
                condition=~Q(seal_removed="") & ~Q(seal_fitted=""),
                name="donations_collection_seals_present",
            ),
            models.CheckConstraint(
                condition=(Q(seal_broken=False) & Q(seal_removed=F("seal_expected")))
                | (Q(seal_broken=True) & ~Q(seal_removed=F("seal_expected"))),
                name="donations_collection_seal_broken_when_mismatched",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "banked"])
                | (Q(confirmed_by__isnull=False) & Q(entry__isnull=False)),
                name="donations_collection_confirmed_has_entry",
            ),
            models.CheckConstraint(
                condition=Q(status="banked", deposit__isnull=False)
                | (~Q(status="banked") & Q(deposit__isnull=True)),
                name="donations_collection_banked_iff_deposit",
            ),
        ]
        indexes = [models.Index(fields=["status", "emptied_at"], name="donations_coll_status_idx")]

    def __str__(self) -> str:
        return f"Collection {self.pk} from box {self.point.box_number}"

    def transition_refused(self, to: str) -> InvalidTransition:
        return InvalidTransition(self, self.status, to)


class CollectionDenomination(models.Model):
    """How many of one note or coin a count found; a count's rows add up to its amount."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="denominations"
    )
    value = models.DecimalField(
        max_digits=5, decimal_places=2, choices=[(d, f"£{d}") for d in DENOMINATIONS]
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["-value"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "value"],
                name="donations_collectiondenomination_one_per_value",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="donations_collectiondenomination_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(value__in=DENOMINATIONS),
                name="donations_collectiondenomination_value_sterling",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × £{self.value}"

    @property
    def subtotal(self) -> Money:
        return Money(self.value * self.quantity, "GBP")


class CollectionEvent(StatusEvent):
    """One status change of a collection: who, when, from, to, and why."""

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="events")

    @property
    def to_label(self) -> str:
        return Collection.Status(self.to_status).label


class Deposit(models.Model):
    """Cash from one or more confirmed collections paid into the bank, then checked."""

    class Status(models.TextChoices):
        AWAITING_CHECK = "awaiting_check", "Awaiting check"
        CHECKED = "checked", "Checked and posted"

    # The workflow (fund.workflow.transition); "" is the event row of a new deposit.
    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        "": {Status.AWAITING_CHECK},
        Status.AWAITING_CHECK: {Status.CHECKED},
        Status.CHECKED: set(),
    }

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="deposits")
    paying_in_reference = models.CharField(max_length=60, unique=True)
    banked_on = models.DateField()
    counted_total = money_field(help_text="What the collections in this deposit were counted at.")
    amount_banked = money_field()
    difference_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_CHECK)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(
        "fund.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The ledger entry posted when the deposit was checked.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-banked_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_banked__gt=0) & Q(counted_total__gt=0),
                name="donations_deposit_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(amount_banked_currency="GBP") & Q(counted_total_currency="GBP"),
                name="donations_deposit_currency_gbp",
            ),
            models.CheckConstraint(
                condition=Q(amount_banked=F("counted_total")) | ~Q(difference_reason=""),
                name="donations_deposit_difference_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="checked")
                | (Q(checked_by__isnull=False) & Q(entry__isnull=False)),
                name="donations_deposit_checked_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"Deposit {self.paying_in_reference}"

    def transition_refused(self, to: str) -> InvalidTransition:
        return InvalidTransition(self, self.status, to)

    @property
    def difference(self) -> Money:
        """Banked less counted: negative is a shortfall, positive an excess."""
        return self.amount_banked - self.counted_total


class DepositEvent(StatusEvent):
    """One status change of a deposit: who, when, from, to, and why."""

    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="events")

    @property
    def to_label(self) -> str:
        return Deposit.Status(self.to_status).label
