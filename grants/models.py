"""Micro-grants: agencies, key workers, pseudonymous clients and the request workflow.

A request moves through the states in ``Grant.ALLOWED_TRANSITIONS`` (``fund.workflow``);
every move writes a ``GrantEvent``. Money lives in the ledger (``fund``): approval commits
the grant (Dr the category's expense account, Cr grants payable) and payment settles it
(Dr grants payable, Cr bank). Clients are known only by their agency's own reference.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from fund.models import money_field
from fund.workflow import StatusEvent
from grants.exceptions import InvalidTransition


def category_label(account) -> str:
    """A grant category's name for people: "Grants: phone" reads as "Phone"."""
    name = account.name.removeprefix("Grants: ")
    return name[:1].upper() + name[1:]


class Agency(models.Model):
    name = models.CharField(max_length=160, unique=True)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class KeyWorker(models.Model):
    """Links a signed-in person to the one agency whose clients they support."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="key_worker"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="key_workers")
    job_title = models.CharField(max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.agency})"


class Client(models.Model):
    """A person supported, known here only by the referring agency's own reference."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="clients")
    reference = models.CharField(max_length=40)
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"], name="grants_client_one_reference_per_agency"
            ),
            models.CheckConstraint(
                condition=~Q(reference=""), name="grants_client_reference_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


# The decision queue's order, stored on each request (``Grant.queue_rank``): requests
# waiting on the fund or its key worker (ranks 0 and 1) come before every other request
# (2 and 3, out of the queue unless the queue is filtered to their status), and within
# each those needed today come first.
QUEUE_RANK_NOT_QUEUED = 2


class Grant(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        INFO_REQUESTED = "info_requested", "Information requested"
        SECOND_APPROVAL = "second_approval", "Awaiting second approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        PAID = "paid", "Paid"
        RECEIPT_RECEIVED = "receipt_received", "Receipt received"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        CANCELLED = "cancelled", "Cancelled"

    class Urgency(models.TextChoices):
        TODAY = "today", "Today"
        THIS_WEEK = "this_week", "This week"

    # The workflow: each status and the statuses it may move to (fund.workflow.transition).
    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {
            Status.INFO_REQUESTED,
            Status.SECOND_APPROVAL,
            Status.APPROVED,
            Status.DECLINED,
            Status.WITHDRAWN,
        },
        Status.INFO_REQUESTED: {Status.SUBMITTED, Status.DECLINED, Status.WITHDRAWN},
        Status.SECOND_APPROVAL: {
            Status.APPROVED,
            Status.INFO_REQUESTED,
            Status.DECLINED,
            Status.WITHDRAWN,
        },
        # After approval the commitment is in the ledger: leaving without payment reverses it.
        Status.APPROVED: {Status.PAID, Status.CANCELLED, Status.WITHDRAWN},
        Status.PAID: {Status.RECEIPT_RECEIVED},
        Status.RECEIPT_RECEIVED: {Status.CLOSED},
        Status.DECLINED: set(),
        Status.CLOSED: set(),
        Status.WITHDRAWN: set(),
        Status.CANCELLED: set(),
    }

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="grants")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="grants")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "fund.Account",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"is_grant_category": True},
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="grants")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    urgency = models.CharField(max_length=20, choices=Urgency.choices, default=Urgency.THIS_WEEK)
    own_words = models.TextField("In the person's own words, what will this help them do?")
    why_fund = models.TextField("Why is the fund the right source?")
    amount = money_field(help_text="The total of the line items.")
    form_token = models.UUIDField(
        unique=True,
        null=True,
        blank=True,
        help_text="Sent with the new-request form so a double-clicked submit makes one request.",
    )
    approval_entry = models.OneToOneField(
        "fund.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The decision queue's sort key, stored so an index serves the queue's order (a CASE
    # in ORDER BY cannot use one): see ``queue_rank_for``. Kept by ``save``.
    queue_rank = models.PositiveSmallIntegerField(default=QUEUE_RANK_NOT_QUEUED + 1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["queue_rank", "submitted_at"], name="grants_grant_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="grants_grant_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_currency="GBP"), name="grants_grant_currency_gbp"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid", "receipt_received", "closed"])
                | Q(approval_entry__isnull=False),
                name="grants_grant_approved_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs):
        """Every write of a request passes here (the services change status and urgency
        only through ``save``), so this is the one place the queue's sort key is set."""
        self.queue_rank = queue_rank_for(self.status, self.urgency)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"status", "urgency"} & set(update_fields):
            kwargs["update_fields"] = [*update_fields, "queue_rank"]
        super().save(*args, **kwargs)

    def transition_refused(self, to: str) -> InvalidTransition:
        return InvalidTransition(self, to)

    @property
    def reference(self) -> str:
        return f"G-{self.pk:05d}" if self.pk else "New request"

    @property
    def category_label(self) -> str:
        return category_label(self.category)


QUEUED_STATUSES = (
    Grant.Status.SUBMITTED,
    Grant.Status.SECOND_APPROVAL,
    Grant.Status.INFO_REQUESTED,
)


def queue_rank_for(status: str, urgency: str) -> int:
    """The queue's sort key for a request in ``status`` needed by ``urgency``."""
    base = 0 if status in QUEUED_STATUSES else QUEUE_RANK_NOT_QUEUED
    return base + (0 if urgency == Grant.Urgency.TODAY else 1)


class LineItem(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="line_items")
    description = models.CharField(max_length=200)
    supplier = models.CharField(max_length=120, blank=True)
    amount = money_field()
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="grants_lineitem_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class GrantEvent(StatusEvent):
    """One transition of a request: who, when, from, to and why. Never edited."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=Grant.Status.choices)
    to_status = models.CharField(max_length=20, choices=Grant.Status.choices)

    def __str__(self) -> str:
        return f"{self.grant}: {self.from_status} → {self.to_status}"


class Approval(models.Model):
    """One approver's yes. Above the fund's threshold a grant needs two, from different people."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    superseded = models.BooleanField(
        default=False, help_text="Set when more information was asked for after this approval."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "approver"],
                condition=Q(superseded=False),
                name="grants_approval_one_per_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} approved by {self.approver}"


def document_path(instance: "Document", filename: str) -> str:
    # The stored name never uses the uploader's file name: only a random one.
    return f"grants/{instance.grant_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class Document(models.Model):
    """A quote or receipt, stored privately and served only through a permission check."""

    class Kind(models.TextChoices):
        QUOTE = "quote", "Quote"
        RECEIPT = "receipt", "Receipt"

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=document_path, max_length=200)
    # Shown and offered as the download name. Generated, never the uploader's file name,
    # which could carry the person's name.
    display_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0) & Q(size__lte=10 * 1024 * 1024),
                name="grants_document_size_limit",
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="grants_document_allowed_type",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class Payout(models.Model):
    """How the approved grant was paid: to a supplier or by card or voucher, never cash."""

    class Method(models.TextChoices):
        SUPPLIER = "supplier", "Supplier paid directly"
        FUND_CARD = "fund_card", "Fund card"
        VOUCHER = "voucher", "Voucher"
        EGIFT = "egift", "E-gift card"

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="payout")
    payee = models.CharField(max_length=160)
    method = models.CharField(max_length=20, choices=Method.choices)
    reference = models.CharField(max_length=80)
    paid_on = models.DateField()
    amount = money_field()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("fund.Entry", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grants_payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(method__in=["supplier", "fund_card", "voucher", "egift"]),
                name="grants_payout_never_cash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} paid to {self.payee}"


class Outcome(models.Model):
    class BarrierRemoved(models.TextChoices):
        YES = "yes", "Yes"
        PARTLY = "partly", "Partly"
        NO = "no", "No"

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="outcome")
    barrier_removed = models.CharField(max_length=10, choices=BarrierRemoved.choices)
    note = models.TextField(blank=True)
    consent_to_share = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.grant}: {self.get_barrier_removed_display()}"
