"""The fund's ledger: append-only double-entry bookkeeping on an ordinary database.

Design overview
---------------
* An ``Entry`` is one business event (a donation, a box count, a grant approval). It holds
  one or more ``Transfer`` rows; each moves a positive amount from one ``Account`` to
  another within one ``Fund``. A transfer is balanced by construction, so every entry and
  the whole ledger balance.
* Entries and transfers are never updated or deleted: database triggers refuse it (see
  ``fund/triggers.py``). A mistake is corrected by a reversing entry pointing at the
  original.
* An entry that comes from an outside event carries a unique idempotency key, so a replay
  posts nothing.
* ``Balance`` rows cache posted totals per account and fund. They are derived data,
  updated in the same transaction as the transfer and recomputed by ``verify_ledger``.
* ``MonthTotal`` rows hold the same totals per calendar month of effective date, kept the
  same way, so figures by month never sum transfers.
* Transfers carry a gapless ``sequence`` and a SHA-256 hash chain
  (``hash = sha256(prev_hash + canonical content)``); ``ChainHead`` holds the latest link
  and is the lock every posting takes, which is what keeps the sequence gapless.
* A discretionary posting (a grant approval) may not take a fund's available balance
  below zero; facts from outside (refunds, fees, shortfalls) always post.
* No entry may be dated on or before its fund's lock date.

Only ``fund.services`` writes these tables.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from djmoney.models.fields import MoneyField
from djmoney.money import Money
from simple_history.models import HistoricalRecords

GENESIS_HASH = "0" * 64
ZERO = Money(Decimal("0.00"), "GBP")


def money_field(**kwargs) -> MoneyField:
    return MoneyField(
        max_digits=14,
        decimal_places=2,
        default_currency="GBP",
        currency_choices=[("GBP", "GBP")],
        **kwargs,
    )


class Fund(models.Model):
    class Kind(models.TextChoices):
        UNRESTRICTED = "unrestricted", "Unrestricted"
        RESTRICTED = "restricted", "Restricted"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    purpose = models.TextField(blank=True)
    funder = models.CharField(max_length=200, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    lock_date = models.DateField(
        null=True, blank=True, help_text="No entry may be dated on or before this date."
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="fund_fund_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    class Type(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"

    code = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    type = models.CharField(max_length=20, choices=Type.choices)
    liquid = models.BooleanField(
        default=False,
        help_text="Money the fund has received and can spend (bank, Stripe, cash in transit).",
    )
    is_grant_category = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def debit_normal(self) -> bool:
        return self.type in (self.Type.ASSET, self.Type.EXPENSE)


class Entry(models.Model):
    effective_date = models.DateField()
    memo = models.CharField(max_length=300)
    source = models.CharField(max_length=120, help_text="The business record, e.g. grants.Grant:12")
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["effective_date"], name="fund_entry_effective_date")]

    def __str__(self) -> str:
        return f"Entry {self.pk}: {self.memo}"


class Transfer(models.Model):
    sequence = models.BigIntegerField(unique=True)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="transfers")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="transfers")
    debit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    credit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=F("credit_account")),
                name="fund_transfer_accounts_differ",
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="fund_transfer_sequence_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_currency="GBP"), name="fund_transfer_currency_gbp"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"#{self.sequence} {self.debit_account.code} / {self.credit_account.code} {self.amount}"
        )


class Balance(models.Model):
    """Posted totals for one account in one fund: derived, rebuilt by ``verify_ledger``."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="balances")
    debit_total = money_field(default=ZERO)
    credit_total = money_field(default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fund"], name="fund_balance_one_per_account_fund"
            ),
            models.CheckConstraint(
                condition=Q(debit_total__gte=0) & Q(credit_total__gte=0),
                name="fund_balance_totals_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} in {self.fund}"

    @property
    def net(self) -> Money:
        """The balance in the account's normal direction."""
        if self.account.debit_normal:
            return self.debit_total - self.credit_total
        return self.credit_total - self.debit_total


class MonthTotal(models.Model):
    """Posted totals for one account in one fund over one calendar month of effective dates.

    Derived data like ``Balance``: kept by the posting service under the same chain-head
    lock, in the same transaction as the transfers, and recomputed by ``verify_ledger``.
    Figures by month (the dashboard, the transparency page) read these rows, a few per
    month, instead of summing transfers. ``month`` is the first day of the month.
    """

    month = models.DateField()
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    debit_total = money_field(default=ZERO)
    credit_total = money_field(default=ZERO)

    class Meta:
        ordering = ["month", "account", "fund"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "account", "fund"], name="fund_monthtotal_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(debit_total__gte=0) & Q(credit_total__gte=0),
                name="fund_monthtotal_totals_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} in {self.fund}, {self.month:%b %Y}"


class ChainHead(models.Model):
    """The single row holding the latest link of the hash chain; every posting locks it."""

    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="fund_chainhead_singleton")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash}"


class FundRules(models.Model):
    """Grant limits for one fund, editable by the fund manager, with history."""

    fund = models.OneToOneField(Fund, on_delete=models.PROTECT, related_name="rules")
    per_grant_cap = money_field(default=Money("500.00", "GBP"))
    per_client_12_month_cap = money_field(default=Money("750.00", "GBP"))
    two_approver_threshold = money_field(default=Money("100.00", "GBP"))
    online_donation_max = money_field(default=Money("1000.00", "GBP"))
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "fund rules"
        constraints = [
            models.CheckConstraint(
                condition=Q(per_grant_cap__gt=0)
                & Q(per_client_12_month_cap__gt=0)
                & Q(two_approver_threshold__gte=0)
                & Q(online_donation_max__gt=0),
                name="fund_fundrules_positive",
            )
        ]

    def __str__(self) -> str:
        return f"Rules for {self.fund}"


class CategoryCap(models.Model):
    """The most a single grant in one category may be, per fund."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="category_caps")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, limit_choices_to={"is_grant_category": True}
    )
    cap = money_field()
    history = HistoricalRecords()

    class Meta:
        ordering = ["account__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "account"], name="fund_categorycap_one_per_category"
            ),
            models.CheckConstraint(condition=Q(cap__gt=0), name="fund_categorycap_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account.name}: {self.cap}"
