"""Contactless collection points: tap terminals, the card provider's reports, taps, payouts.

A point may have a tap terminal. The provider's transaction report is imported whole or not
at all; each tap is a gift at its point, posted when imported (Card provider / Donations:
contactless for the amount, then Payment processing fees / Card provider for the fee), so
the card provider's clearing account holds the net until the provider pays it out. The
payout, matched on the bank statement, moves the net from the clearing account to the bank.
A tap is stored once per provider and transaction id: the same report imported twice adds
nothing.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from fund.models import money_field

__all__ = ["Tap", "TapImport", "TapPayout", "TapTerminal"]


class TapTerminal(models.Model):
    """A card reader at a collection point, known to its provider by ``terminal_id``."""

    point = models.ForeignKey(
        "donations.CollectionPoint", on_delete=models.PROTECT, related_name="terminals"
    )
    provider = models.CharField(max_length=60, help_text="The card provider, e.g. SumUp.")
    terminal_id = models.CharField("terminal id", max_length=60)
    is_active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider", "terminal_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "terminal_id"], name="donations_tapterminal_one_per_id"
            ),
            models.CheckConstraint(
                condition=~Q(provider="") & ~Q(terminal_id=""),
                name="donations_tapterminal_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} terminal {self.terminal_id}"


class TapImport(models.Model):
    """One transaction report imported: the file, its layout, who, when and what it held."""

    file_name = models.CharField(max_length=255)
    layout = models.CharField(max_length=40)
    provider = models.CharField(max_length=60)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    taps_in_file = models.PositiveIntegerField()
    taps_added = models.PositiveIntegerField()
    total_added = money_field(help_text="The amount of the taps this import added.")
    fees_added = money_field()

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(taps_added__lte=F("taps_in_file")),
                name="donations_tapimport_added_within_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.taps_added} of {self.taps_in_file} taps new)"

    @property
    def already_held(self) -> int:
        return self.taps_in_file - self.taps_added


class TapPayout(models.Model):
    """The provider's payout of a batch of taps, less its fees, to the bank.

    Gross, fees and net are the sums of its taps, kept up to date as reports arrive (net is
    gross less fees, set in one place, ``donations.services.taps``: a check constraint on a
    difference of decimals is not exact on SQLite); the entry is posted when the payout is
    matched on the bank statement.
    """

    provider = models.CharField(max_length=60)
    payout_id = models.CharField("payout id", max_length=80)
    gross = money_field()
    fees = money_field()
    net = money_field()
    paid_on = models.DateField(null=True, blank=True, help_text="The day it reached the bank.")
    entry = models.OneToOneField(
        "fund.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Bank / Card provider: posted when matched on the bank statement.",
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "payout_id"], name="donations_tappayout_one_per_id"
            ),
            models.CheckConstraint(
                condition=Q(fees__gte=0) & Q(gross__gte=0), name="donations_tappayout_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(entry__isnull=True, paid_on__isnull=True)
                | Q(entry__isnull=False, paid_on__isnull=False),
                name="donations_tappayout_paid_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} payout {self.payout_id}"


class Tap(models.Model):
    """One contactless gift at a point's terminal, with the provider's fee on it."""

    terminal = models.ForeignKey(TapTerminal, on_delete=models.PROTECT, related_name="taps")
    point = models.ForeignKey(
        "donations.CollectionPoint", on_delete=models.PROTECT, related_name="taps"
    )
    provider = models.CharField(max_length=60)
    transaction_id = models.CharField("provider's transaction id", max_length=80)
    tapped_at = models.DateTimeField()
    amount = money_field()
    fee = money_field()
    payout = models.ForeignKey(TapPayout, on_delete=models.PROTECT, related_name="taps")
    tap_import = models.ForeignKey(TapImport, on_delete=models.PROTECT, related_name="taps")
    entry = models.OneToOneField(
        "fund.Entry",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Card provider / Donations: contactless, and the fee.",
    )

    class Meta:
        ordering = ["-tapped_at", "-pk"]
        constraints = [
            # The same report imported twice, or two reports overlapping, add a tap once.
            models.UniqueConstraint(
                fields=["provider", "transaction_id"], name="donations_tap_one_per_transaction"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="donations_tap_amount_positive"),
            models.CheckConstraint(
                condition=Q(fee__gte=0) & Q(fee__lt=F("amount")),
                name="donations_tap_fee_below_amount",
            ),
            models.CheckConstraint(
                condition=Q(amount_currency="GBP") & Q(fee_currency="GBP"),
                name="donations_tap_currency_gbp",
            ),
        ]
        indexes = [models.Index(fields=["point", "tapped_at"], name="donations_tap_point_idx")]

    def __str__(self) -> str:
        return f"Tap {self.transaction_id} at {self.point.host_name}"
