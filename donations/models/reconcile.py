"""The Stripe half of reconciliation: each check of the ledger's Stripe balance against
Stripe's own, and what it found wrong, balance transaction by balance transaction.

Both are written once by ``donations.services.stripe_reconcile`` and never changed: a later
check shows whether a finding has since been put right.
"""

from django.conf import settings
from django.db import models

from fund.models import money_field

__all__ = ["StripeBalanceCheck", "StripeBalanceFinding"]

# Balance transactions a webhook explains (a gift, fee, refund, failed refund, dispute,
# payout): when one lacks its entry, the fix is to process its event, never a hand posting.
EXPLAINED_BY_WEBHOOKS = (
    "charge",
    "payment",
    "refund",
    "payment_refund",
    "refund_failure",
    "payment_failure_refund",
    "payout",
    "payout_failure",
    "payout_cancel",
)
DISPUTE_CATEGORIES = ("dispute", "dispute_reversal")


class StripeBalanceCheck(models.Model):
    """One comparison of the ledger's ``assets:stripe`` with Stripe's balance."""

    checked_at = models.DateTimeField(db_index=True)
    checked_on = models.DateField(help_text="The day of the check, in the UK.")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the daily scheduled check ran it.",
    )
    stripe_available = money_field()
    stripe_pending = money_field()
    stripe_balance = money_field(help_text="Available plus pending, in pounds.")
    ledger_balance = money_field(help_text="The ledger's Stripe balance account, every fund.")
    difference = money_field(help_text="Stripe's balance less the ledger's.")
    walked_since = models.DateTimeField(
        null=True, blank=True, help_text="Balance transactions created from then were walked."
    )
    walked = models.PositiveIntegerField(default=0)
    last_balance_transaction_id = models.CharField(max_length=255, blank=True)
    last_balance_transaction_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"Stripe balance check {self.checked_at:%d %b %Y %H:%M}"

    @property
    def by_scheduler(self) -> bool:
        return self.checked_by_id is None


class StripeBalanceFinding(models.Model):
    """One balance transaction whose ledger entry was missing when the check ran."""

    class Status(models.TextChoices):
        POSTED = "posted", "Posted by the check"
        OPEN = "open", "Needs a person"

    check_run = models.ForeignKey(
        StripeBalanceCheck, on_delete=models.PROTECT, related_name="findings"
    )
    balance_transaction_id = models.CharField(max_length=255)
    type = models.CharField(max_length=60)
    reporting_category = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(help_text="When Stripe made the balance transaction.")
    amount = money_field()
    fee = money_field()
    net = money_field()
    lacking = models.CharField("what the ledger lacks", max_length=300)
    action = models.CharField("the action that fixes it", max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices)
    entry = models.ForeignKey(
        "fund.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The entry the check posted to fix it.",
    )

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_run", "balance_transaction_id"],
                name="donations_stripe_finding_once_per_check",
            )
        ]

    def __str__(self) -> str:
        return f"{self.balance_transaction_id}: {self.lacking}"

    @property
    def postable(self) -> bool:
        """Open, and of a kind nothing but a person can explain (posted from the page)."""
        return (
            self.status == self.Status.OPEN
            and self.type not in EXPLAINED_BY_WEBHOOKS
            and self.reporting_category not in DISPUTE_CATEGORIES
        )
