"""Bank statements, their lines, and what explains each line in the ledger.

Design overview
---------------
* A ``BankAccount`` is one account at the bank, kept in the ledger as one asset account
  (``assets:bank``).
* Each import of a file is a ``Statement``; its lines are ``StatementLine`` rows, stored
  once per bank account: a line's ``fingerprint`` (the OFX FITID, or for CSV a hash of the
  date, amount, description, running balance and the line's place among identical lines
  that day) is unique within the account, so the same file twice, or two statements that
  overlap, never store a line twice.
* A ``Match`` ties one line to one ledger entry: an entry another service posted (a cash
  deposit, a Stripe payout, a supplier payment, a contribution, HMRC's repayment) or one
  posted here to work an unmatched line (a bank charge, interest, an unknown receipt to
  suspense). A line has at most one live match and an entry at most one (partial unique
  constraints); undoing a match keeps the row, with who, when and why.
* A ``Reconciliation`` records that a manager found the ledger and the statement agree at
  a date, with the figures; the database refuses one whose unexplained difference is not
  zero.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from fund.models import money_field


class BankAccount(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    ledger_account = models.ForeignKey("fund.Account", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CsvLayout(models.Model):
    """A CSV shape a manager defined: which column (counting from 1) holds what."""

    class DateOrder(models.TextChoices):
        DAY_FIRST = "day_first", "Day first (01/12/2026) or ISO (2026-12-01)"
        MONTH_FIRST = "month_first", "Month first (12/01/2026) or ISO (2026-12-01)"

    name = models.SlugField(max_length=40, unique=True)
    header_rows = models.PositiveSmallIntegerField(default=1)
    date_column = models.PositiveSmallIntegerField()
    description_column = models.PositiveSmallIntegerField()
    type_column = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_column = models.PositiveSmallIntegerField(null=True, blank=True)
    paid_in_column = models.PositiveSmallIntegerField(null=True, blank=True)
    paid_out_column = models.PositiveSmallIntegerField(null=True, blank=True)
    balance_column = models.PositiveSmallIntegerField()
    date_order = models.CharField(
        max_length=20, choices=DateOrder.choices, default=DateOrder.DAY_FIRST
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(amount_column__isnull=False)
                    & Q(paid_in_column__isnull=True)
                    & Q(paid_out_column__isnull=True)
                )
                | (
                    Q(amount_column__isnull=True)
                    & Q(paid_in_column__isnull=False)
                    & Q(paid_out_column__isnull=False)
                ),
                name="banking_csvlayout_amount_or_paid_in_and_out",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Statement(models.Model):
    """One file imported: what it held, and how it followed on from the one before."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        OFX = "ofx", "OFX"

    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=3, choices=Format.choices)
    layout = models.CharField(max_length=40, blank=True)
    first_date = models.DateField()
    last_date = models.DateField()
    opening_balance = money_field()
    closing_balance = money_field()
    lines_in_file = models.PositiveIntegerField()
    lines_added = models.PositiveIntegerField()
    previous_closing = money_field(
        null=True, blank=True, help_text="The last closing balance held before this import."
    )
    gap = money_field(
        null=True,
        blank=True,
        help_text=(
            "Where the new lines do not follow on from the last closing balance: by how much."
        ),
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_date__gte=models.F("first_date")),
                name="banking_statement_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(lines_added__lte=models.F("lines_in_file")),
                name="banking_statement_added_within_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.first_date:%d %b %Y} to {self.last_date:%d %b %Y})"


class StatementLine(models.Model):
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines")
    statement = models.ForeignKey(
        Statement, on_delete=models.PROTECT, related_name="lines", help_text="First imported by."
    )
    posted_on = models.DateField()
    position = models.BigIntegerField(help_text="Order within the account's statements.")
    amount = money_field(help_text="Paid in is positive, paid out negative.")
    description = models.CharField(max_length=300)
    kind = models.CharField("type", max_length=40, blank=True)
    balance = money_field(help_text="The running balance after this line.")
    fitid = models.CharField(max_length=255, blank=True)
    fingerprint = models.CharField(max_length=100)

    class Meta:
        ordering = ["posted_on", "position"]
        indexes = [models.Index(fields=["bank_account", "posted_on", "position"])]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "fingerprint"], name="banking_line_once_per_account"
            ),
            models.UniqueConstraint(
                fields=["bank_account", "position"], name="banking_line_position_unique"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="banking_line_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.posted_on:%d %b %Y} {self.description} {self.amount}"

    @property
    def paid_in(self) -> bool:
        return self.amount.amount > 0


class MatchKind(models.TextChoices):
    # A ledger entry another service posted
    DEPOSIT = "deposit", "Cash deposit"
    PAYOUT = "payout", "Stripe payout"
    SUPPLIER = "supplier", "Grant payment to a supplier"
    CONTRIBUTION = "contribution", "Contribution by bank transfer"
    GIFT_AID = "gift_aid", "HMRC Gift Aid repayment"
    GASDS = "gasds", "HMRC GASDS payment"
    TAP_PAYOUT = "tap_payout", "Contactless card provider payout"
    # A line worked into a new entry here
    BANK_CHARGE = "bank_charge", "Bank charge"
    INTEREST = "interest", "Interest"
    CONTRIBUTION_RECEIVED = "contribution_received", "Contribution received"
    REFUND_RETURNED = "refund_returned", "Refund returned"
    UNKNOWN_RECEIPT = "unknown_receipt", "Unknown receipt (to suspense)"


MATCH_KINDS = (
    "deposit",
    "payout",
    "supplier",
    "contribution",
    "gift_aid",
    "gasds",
    "tap_payout",
)
WORK_KINDS = (
    "bank_charge",
    "interest",
    "contribution_received",
    "refund_returned",
    "unknown_receipt",
)


class MatchRule(models.Model):
    """Whether a match kind is confirmed without an officer when exactly one candidate fits."""

    kind = models.CharField(
        max_length=30, unique=True, choices=[(k, MatchKind(k).label) for k in MATCH_KINDS]
    )
    automatic = models.BooleanField(default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'automatic' if self.automatic else 'confirmed'}"


class Match(models.Model):
    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="matches")
    entry = models.ForeignKey("fund.Entry", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=MatchKind.choices)
    source = models.CharField(max_length=120, help_text="The business record, e.g. Deposit:12")
    worked = models.BooleanField(default=False, help_text="The entry was posted to work the line.")
    automatic = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.CharField(max_length=300, blank=True)
    undo_entry = models.OneToOneField(
        "fund.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The reversal of a worked line's entry.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-confirmed_at", "-pk"]
        verbose_name_plural = "matches"
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(undone_at__isnull=True),
                name="banking_match_one_per_line",
            ),
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(undone_at__isnull=True),
                name="banking_match_one_per_entry",
            ),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True)
                | (Q(undone_by__isnull=False) & ~Q(undo_reason="")),
                name="banking_match_undo_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(worked=False) | ~Q(reason=""), name="banking_match_worked_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} = {self.get_kind_display()} {self.source}"


class SuspenseClearance(models.Model):
    """An unknown receipt moved from suspense to the account it turned out to belong to."""

    match = models.OneToOneField(Match, on_delete=models.PROTECT, related_name="clearance")
    account = models.ForeignKey("fund.Account", on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField("fund.Entry", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="banking_clearance_has_reason")
        ]

    def __str__(self) -> str:
        return f"Suspense cleared to {self.account}"


class Reconciliation(models.Model):
    """A manager's mark that the ledger and the statement agree at ``as_of``."""

    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField()
    ledger_balance = money_field()
    statement_balance = money_field()
    not_on_statement = money_field(help_text="Net of ledger items not yet on the statement.")
    difference = money_field()
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reconciled_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "as_of"], name="banking_reconciliation_once_per_date"
            ),
            models.CheckConstraint(
                condition=Q(difference=0), name="banking_reconciliation_difference_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_account} reconciled at {self.as_of:%d %b %Y}"
