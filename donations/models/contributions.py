"""Contributions from services and funders: a pledge, and the money received against it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from fund.models import money_field

__all__ = ["ContributionReceipt", "Pledge"]


class Pledge(models.Model):
    """A funder's promise of money to a fund: restricted (to the fund's purpose and
    period) or unrestricted."""

    funder = models.CharField(max_length=200)
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="pledges")
    amount = money_field()
    purpose = models.TextField(blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    reference = models.CharField(max_length=60, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["funder", "period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="donations_pledge_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder}: {self.reference}"


class ContributionReceipt(models.Model):
    """Money received against a pledge, posted to the fund (Dr bank, Cr contributions)."""

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="receipts")
    amount = money_field()
    received_on = models.DateField()
    entry = models.OneToOneField("fund.Entry", on_delete=models.PROTECT, related_name="+")
    # The bank statement line it was matched to (banking sits above donations, so only
    # its id is kept); unique so one line pays one receipt.
    bank_line_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]

    def __str__(self) -> str:
        return f"{self.pledge.reference} received {self.received_on}"
