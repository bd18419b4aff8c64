"""Online donations through Stripe, webhooks, refunds, payouts and Gift Aid.

* ``OnlineDonation`` is what a donor asked for on the donation page: an amount, one-off or
  monthly, and the Checkout Session created for it. The browser never decides what is
  recorded: money is recorded only from Stripe's signed webhooks.
* ``OnlinePayment`` is one payment Stripe took for a donation (the one-off gift, or one
  month of a monthly gift). It carries the gross amount, Stripe's fee, the cumulative
  amount refunded and any dispute, and posts to the ledger in the same transaction as the
  webhook event that told us about it.
* ``StripeEvent`` stores every webhook event once, by Stripe's event id.
* ``StripePayout`` and ``PayoutLine`` tie a payout to the balance transactions in it.
* ``GiftAidDeclaration`` and ``GiftAidClaim`` hold HMRC declarations and claim runs.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from donations.exceptions import InvalidDonationTransition
from fund.models import ZERO, money_field
from fund.workflow import StatusEvent

__all__ = [
    "GIFT_AID_STATEMENT",
    "GiftAidClaim",
    "GiftAidDeclaration",
    "OnlineDonation",
    "OnlineDonationEvent",
    "OnlinePayment",
    "PayoutLine",
    "RefundFailure",
    "StripeEvent",
    "StripePayout",
    "StaffRefund",
]

# HMRC's model wording for a declaration covering this gift, future gifts and those of the
# past four years. It is stored verbatim on every declaration.
GIFT_AID_STATEMENT = (
    "I want to Gift Aid my donation and any donations I make in the future or have made in "
    "the past 4 years to the Changing Lives Fund. I am a UK taxpayer and understand that if "
    "I pay less Income Tax and/or Capital Gains Tax than the amount of Gift Aid claimed on "
    "all my donations in that tax year it is my responsibility to pay any difference."
)


class GiftAidDeclaration(models.Model):
    """A donor's Gift Aid declaration, in the form HMRC's claim schedule needs."""

    title = models.CharField(max_length=4, blank=True)
    first_name = models.CharField(max_length=35)
    last_name = models.CharField(max_length=35)
    house_name_or_number = models.CharField(max_length=40)
    address = models.CharField("rest of the address", max_length=200, blank=True)
    postcode = models.CharField(max_length=8)
    outside_uk = models.BooleanField(
        "lives outside the UK",
        default=False,
        help_text="HMRC's schedule then takes X as the postcode.",
    )
    statement = models.TextField()
    declared_at = models.DateTimeField()
    covers_from = models.DateField(
        null=True,
        blank=True,
        help_text="The first gift date it covers when backdated (up to 4 years); blank: "
        "gifts from the day it was made.",
    )
    cancelled_on = models.DateField(
        null=True,
        blank=True,
        help_text="The donor cancelled: gifts after this day are not covered; earlier ones are.",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="")
                & ~Q(last_name="")
                & ~Q(house_name_or_number="")
                & ~Q(postcode="")
                & ~Q(statement=""),
                name="donations_giftaiddeclaration_required_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"Gift Aid declaration {self.pk}"


class OnlineDonation(models.Model):
    """A gift as the donor asked for it on the donation page, and its Checkout Session."""

    class Frequency(models.TextChoices):
        ONE_OFF = "one-off", "One-off"
        MONTHLY = "monthly", "Monthly"

    class Status(models.TextChoices):
        CREATED = "created", "Checkout started"
        AWAITING_PAYMENT = "awaiting-payment", "Awaiting payment"
        PAID = "paid", "Paid"
        FAILED = "failed", "Payment failed"
        ABANDONED = "abandoned", "Abandoned (checkout expired)"

    # Statuses move forward only; a webhook arriving late never drags one back. Money
    # Stripe says it took is always recorded, so even an abandoned gift can become paid.
    ALLOWED_TRANSITIONS = {
        Status.CREATED: {Status.AWAITING_PAYMENT, Status.PAID, Status.FAILED, Status.ABANDONED},
        Status.AWAITING_PAYMENT: {Status.PAID, Status.FAILED},
        Status.PAID: set(),
        Status.FAILED: set(),
        Status.ABANDONED: {Status.PAID},
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempt = models.UUIDField(
        unique=True, help_text="The donation form's one-time token: a resubmission reuses it."
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    amount = money_field()
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    donor_name = models.CharField(max_length=120, blank=True)
    donor_email = models.EmailField(blank=True)
    collection_point = models.ForeignKey(
        "donations.CollectionPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="online_donations",
        help_text="The collection point whose QR code the donor followed, if any.",
    )
    gift_aid = models.OneToOneField(
        GiftAidDeclaration, null=True, blank=True, on_delete=models.PROTECT, related_name="donation"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_customer_id = models.CharField(
        max_length=255, blank=True, help_text="Stripe's customer of a monthly gift (its portal)."
    )
    cancelled_at = models.DateTimeField(
        null=True, blank=True, help_text="When the monthly gift was stopped (no more payments)."
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    client_ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    test_mode = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="donations_onlinedonation_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_currency="GBP"), name="donations_onlinedonation_currency_gbp"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def transition_refused(self, to: str) -> InvalidDonationTransition:
        return InvalidDonationTransition(self, self.status, to)

    @property
    def reference(self) -> str:
        return f"OD-{self.pk:06d}" if self.pk else "OD-new"


class OnlineDonationEvent(StatusEvent):
    """One status change of an online donation: who, when, from, to and why."""

    donation = models.ForeignKey(OnlineDonation, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} to {self.to_status}"


class GiftAidClaim(models.Model):
    """One Gift Aid claim run: the gifts in it are never claimed again."""

    date_from = models.DateField()
    date_to = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    total = money_field(default=ZERO)
    tax = money_field(default=ZERO, help_text="Gift Aid claimed on the gifts: 25 % of each.")
    adjustment = money_field(
        default=ZERO, help_text="Earlier overclaims deducted (HMRC's adjustment box)."
    )
    entry = models.OneToOneField(
        "fund.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=F("date_from")),
                name="donations_giftaidclaim_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Gift Aid claim {self.pk}"

    @property
    def net(self):
        """What HMRC should pay: the Gift Aid claimed less the adjustment box."""
        return self.tax - self.adjustment


class StripePayout(models.Model):
    """A Stripe payout to the bank and the balance transactions it settled."""

    class Status(models.TextChoices):
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    stripe_id = models.CharField(max_length=255, unique=True)
    amount = money_field()
    arrival_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-arrival_date", "-id"]

    def __str__(self) -> str:
        return self.stripe_id


class OnlinePayment(models.Model):
    """One payment Stripe took for a donation: a one-off gift or one month of a monthly one."""

    class Dispute(models.TextChoices):
        """Stripe's dispute statuses; the ``warning_`` ones are inquiries (no money moves)."""

        NONE = "", "None"
        INQUIRY_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs a response"
        INQUIRY_UNDER_REVIEW = "warning_under_review", "Inquiry under review"
        INQUIRY_CLOSED = "warning_closed", "Inquiry closed"
        OPEN = "needs_response", "Disputed: needs a response"
        UNDER_REVIEW = "under_review", "Disputed: under review"
        WON = "won", "Dispute won"
        LOST = "lost", "Dispute lost"
        PREVENTED = "prevented", "Dispute prevented"
        APPEAL_NEEDS_RESPONSE = "appeal_needs_response", "Lost dispute appealed: needs a response"
        APPEAL_UNDER_REVIEW = "appeal_under_review", "Lost dispute appealed: under review"

    # How far a dispute has gone: an older event arriving late never moves it back.
    DISPUTE_RANK = {
        Dispute.NONE: 0,
        Dispute.INQUIRY_NEEDS_RESPONSE: 1,
        Dispute.INQUIRY_UNDER_REVIEW: 2,
        Dispute.INQUIRY_CLOSED: 3,
        Dispute.OPEN: 4,
        Dispute.UNDER_REVIEW: 5,
        Dispute.LOST: 6,
        Dispute.PREVENTED: 6,
        # A lost dispute may be appealed; won is the end, whether on appeal or not.
        Dispute.APPEAL_NEEDS_RESPONSE: 7,
        Dispute.APPEAL_UNDER_REVIEW: 8,
        Dispute.WON: 9,
    }
    DISPUTE_APPEALS = (Dispute.APPEAL_NEEDS_RESPONSE, Dispute.APPEAL_UNDER_REVIEW)
    # A gift is left out of Gift Aid while a real dispute is open, and for good once lost;
    # an inquiry is not a dispute.
    DISPUTES_BARRING_GIFT_AID = (
        Dispute.OPEN,
        Dispute.UNDER_REVIEW,
        Dispute.LOST,
        *DISPUTE_APPEALS,
    )

    donation = models.ForeignKey(OnlineDonation, on_delete=models.PROTECT, related_name="payments")
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    payment_intent_id = models.CharField(max_length=255, unique=True)
    charge_id = models.CharField(max_length=255, unique=True)
    invoice_id = models.CharField(max_length=255, blank=True)
    balance_transaction_id = models.CharField(max_length=255, blank=True)
    amount = money_field()
    fee = money_field(default=ZERO)
    amount_refunded = money_field(default=ZERO)
    amount_disputed = money_field(default=ZERO)
    dispute = models.CharField(max_length=30, choices=Dispute.choices, blank=True, default="")
    paid_on = models.DateField()
    frequency = models.CharField(
        max_length=10,
        choices=OnlineDonation.Frequency.choices,
        default=OnlineDonation.Frequency.ONE_OFF,
        help_text="The donation's frequency, kept on each payment so income splits by it.",
    )
    gift_aid_claim = models.ForeignKey(
        GiftAidClaim, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["frequency", "paid_on"], name="donations_payment_by_month")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="donations_onlinepayment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="donations_onlinepayment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(fee__gte=0), name="donations_onlinepayment_fee_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk} of {self.donation.reference}"

    @classmethod
    def dispute_after(cls, current: str, reported: str) -> str:
        """Where a dispute stands once an event reports ``reported``: only ever forward, so
        an older event arriving late never drags it back. An appeal reopens a lost dispute,
        and the appeal's outcome (won or lost) is the last word."""
        current, reported = cls.Dispute(current), cls.Dispute(reported)
        if current in cls.DISPUTE_APPEALS and reported == cls.Dispute.LOST:
            return reported  # the appeal is lost
        rank = cls.DISPUTE_RANK
        return reported if rank[reported] >= rank[current] else current

    @property
    def refundable(self):
        return self.amount - self.amount_refunded

    @property
    def fully_refunded(self) -> bool:
        return self.amount_refunded == self.amount


class StaffRefund(models.Model):
    """A refund a member of staff asked Stripe for; the ledger follows Stripe's answer."""

    payment = models.ForeignKey(
        OnlinePayment, on_delete=models.PROTECT, related_name="staff_refunds"
    )
    request_key = models.UUIDField(unique=True, help_text="The refund form's one-time token.")
    amount = money_field()
    reason = models.CharField(max_length=300)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="donations_staffrefund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} of payment {self.payment_id}"


class RefundFailure(models.Model):
    """A refund Stripe could not make: the money went back to the Stripe balance.

    ``reversal`` is the ledger entry that undid the refund's posting (pointing at it), or
    null when the refund had never been posted here (its failure arrived first).
    """

    payment = models.ForeignKey(
        OnlinePayment, on_delete=models.PROTECT, related_name="refund_failures"
    )
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount = money_field()
    failure_reason = models.CharField(max_length=100, blank=True)
    reversal = models.OneToOneField(
        "fund.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="donations_refundfailure_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Failed refund {self.stripe_refund_id}"


class PayoutLine(models.Model):
    """One balance transaction settled by a payout: a gift, its fee, a refund or a dispute."""

    payout = models.ForeignKey(StripePayout, on_delete=models.PROTECT, related_name="lines")
    balance_transaction_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=40)
    source_id = models.CharField(max_length=255, blank=True)
    payment = models.ForeignKey(
        OnlinePayment, null=True, blank=True, on_delete=models.PROTECT, related_name="payout_lines"
    )
    amount = money_field()
    fee = money_field()
    net = money_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payout", "balance_transaction_id"],
                name="donations_payoutline_once_per_payout",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.balance_transaction_id}"


class StripeEvent(models.Model):
    """Every webhook event, stored once by its id, then processed by the worker.

    The endpoint stores the event as ``received`` and queues its processing in the same
    transaction; the worker moves it to a final outcome (``processed`` or ``ignored``) in
    the transaction that posts what it causes. Until then it is retried with back-off:
    ``waiting`` and ``unmatched`` events until what they refer to arrives, ``failed`` ones
    until processing succeeds.
    """

    class Outcome(models.TextChoices):
        RECEIVED = "received", "Received; not yet processed"
        PROCESSED = "processed", "Processed"
        WAITING = "waiting", "Waiting for what it refers to"
        UNMATCHED = "unmatched", "Refers to nothing here yet"
        IGNORED = "ignored", "Type not handled; acknowledged"
        FAILED = "failed", "Processing failed"

    FINAL = (Outcome.PROCESSED, Outcome.IGNORED)

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    api_version = models.CharField(max_length=40, blank=True)
    created = models.DateTimeField(help_text="When Stripe created the event.")
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(
        max_length=20, choices=Outcome.choices, default=Outcome.RECEIVED, db_index=True
    )
    waiting_for = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text="The Stripe object (a charge, a subscription) the event waits for.",
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Empty once final or given up."
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"
