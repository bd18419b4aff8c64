"""django-import-export resources: the admin's exports, and the column names of every export.

Column names are the ones an accountant reads. Values are plain and typed, exactly as in
the streamed rows of ``audit.exports`` (a test keeps the two in step): money a ``Decimal``
with two places, dates ``date`` objects, moments aware ``datetime``, a missing value
``None``, so XLSX and ODS carry numbers and dates and CSV shows ISO 8601 dates.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from import_export import fields, resources, widgets

from donations.models import Collection, Deposit, GiftAidClaim, OnlinePayment
from fund.models import Entry, Transfer
from grants.models import Grant

PENNY = Decimal("0.01")


class Plain(widgets.Widget):
    """Hand the value on as it is (text, number, date or None): the writers type the cells."""

    def render(self, value, obj=None, **kwargs):
        return value


def column(name: str, attribute: str | None = None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, widget=Plain())


def money(value) -> Decimal | None:
    """An amount (``Money`` or ``Decimal``) as a ``Decimal`` with exactly two places."""
    if value is None:
        return None
    return Decimal(getattr(value, "amount", value)).quantize(PENNY)


class TransferResource(resources.ModelResource):
    """One row per transfer, carrying its entry's date, description and source."""

    entry_number = column("Entry number", "entry_id")
    date = column("Date")
    transfer_number = column("Transfer number", "sequence")
    fund_code = column("Fund", "fund__code")
    debit_code = column("Debit account", "debit_account__code")
    debit_name = column("Debit account name", "debit_account__name")
    credit_code = column("Credit account", "credit_account__code")
    credit_name = column("Credit account name", "credit_account__name")
    amount_gbp = column("Amount (GBP)")
    description = column("Description", "entry__memo")
    source = column("Source", "entry__source")
    reverses = column("Reverses entry")
    transfer_hash = column("Transfer hash", "hash")

    class Meta:
        model = Transfer
        fields = (
            "entry_number",
            "date",
            "transfer_number",
            "fund_code",
            "debit_code",
            "debit_name",
            "credit_code",
            "credit_name",
            "amount_gbp",
            "description",
            "source",
            "reverses",
            "transfer_hash",
        )
        export_order = fields
        chunk_size = 5000

    def get_queryset(self):
        return Transfer.objects.select_related(
            "entry", "fund", "debit_account", "credit_account"
        ).order_by("sequence")

    def dehydrate_date(self, transfer: Transfer) -> date | None:
        return transfer.entry.effective_date

    def dehydrate_amount_gbp(self, transfer: Transfer) -> Decimal | None:
        return money(transfer.amount)

    def dehydrate_reverses(self, transfer: Transfer) -> int | None:
        return transfer.entry.reverses_id


class EntryResource(resources.ModelResource):
    """One row per entry, with its total and how many transfers it holds."""

    entry_number = column("Entry number", "id")
    date = column("Date")
    description = column("Description", "memo")
    source = column("Source", "source")
    reference = column("Outside reference", "idempotency_key")
    reverses = column("Reverses entry")
    posted_at = column("Posted at")
    posted_by = column("Posted by", "created_by__username")

    class Meta:
        model = Entry
        fields = (
            "entry_number",
            "date",
            "description",
            "source",
            "reference",
            "reverses",
            "posted_at",
            "posted_by",
        )
        export_order = fields

    def get_queryset(self):
        return Entry.objects.select_related("created_by").order_by("id")

    def dehydrate_date(self, entry: Entry) -> date | None:
        return entry.effective_date

    def dehydrate_reverses(self, entry: Entry) -> int | None:
        return entry.reverses_id

    def dehydrate_posted_at(self, entry: Entry) -> date | None:
        return entry.created_at


def yes_no(value) -> str:
    return "yes" if value else "no"


def local_date(value) -> date | None:
    """The local calendar day of a moment (a box emptied at 00:30 BST is that day)."""
    return timezone.localtime(value).date() if value else None


class OnlinePaymentResource(resources.ModelResource):
    """Online gifts as Stripe took them: one row per payment (a monthly gift has many)."""

    payment_number = column("Payment number", "id")
    donation_reference = column("Donation reference")
    paid_on = column("Date paid")
    fund_code = column("Fund", "fund__code")
    frequency = column("Frequency", "donation__frequency")
    amount_gbp = column("Amount (GBP)")
    fee_gbp = column("Stripe fee (GBP)")
    refunded_gbp = column("Refunded (GBP)")
    disputed_gbp = column("Disputed (GBP)")
    dispute = column("Dispute", "dispute")
    gift_aid = column("Gift Aid declared")
    claim = column("Gift Aid claim")
    box = column("Collection box", "donation__collection_point__box_number")
    charge = column("Stripe charge", "charge_id")

    class Meta:
        model = OnlinePayment
        fields = (
            "payment_number",
            "donation_reference",
            "paid_on",
            "fund_code",
            "frequency",
            "amount_gbp",
            "fee_gbp",
            "refunded_gbp",
            "disputed_gbp",
            "dispute",
            "gift_aid",
            "claim",
            "box",
            "charge",
        )
        export_order = fields

    def get_queryset(self):
        return OnlinePayment.objects.select_related(
            "fund", "donation", "donation__collection_point"
        ).order_by("paid_on", "id")

    def dehydrate_donation_reference(self, payment) -> str:
        return f"OD-{payment.donation_id:06d}"

    def dehydrate_paid_on(self, payment) -> date | None:
        return payment.paid_on

    def dehydrate_amount_gbp(self, payment) -> Decimal | None:
        return money(payment.amount)

    def dehydrate_fee_gbp(self, payment) -> Decimal | None:
        return money(payment.fee)

    def dehydrate_refunded_gbp(self, payment) -> Decimal | None:
        return money(payment.amount_refunded)

    def dehydrate_disputed_gbp(self, payment) -> Decimal | None:
        return money(payment.amount_disputed)

    def dehydrate_gift_aid(self, payment) -> str:
        return yes_no(payment.donation.gift_aid_id)

    def dehydrate_claim(self, payment) -> int | None:
        return payment.gift_aid_claim_id


class CollectionResource(resources.ModelResource):
    """Each emptying of a collection box: seals, the two-person count and where it went."""

    collection_number = column("Collection number", "id")
    box = column("Box number", "point__box_number")
    host = column("Host business", "point__host_name")
    fund_code = column("Fund", "point__fund__code")
    emptied_on = column("Emptied on")
    seal_expected = column("Seal on record", "seal_expected")
    seal_removed = column("Seal removed", "seal_removed")
    seal_fitted = column("Seal fitted", "seal_fitted")
    seal_broken = column("Seal broken")
    amount_gbp = column("Counted (GBP)")
    status = column("Status", "status")
    counted_by = column("Counted by", "counted_by__username")
    confirmed_by = column("Confirmed by", "confirmed_by__username")
    deposit = column("Deposit", "deposit__paying_in_reference")
    entry = column("Ledger entry")

    class Meta:
        model = Collection
        fields = (
            "collection_number",
            "box",
            "host",
            "fund_code",
            "emptied_on",
            "seal_expected",
            "seal_removed",
            "seal_fitted",
            "seal_broken",
            "amount_gbp",
            "status",
            "counted_by",
            "confirmed_by",
            "deposit",
            "entry",
        )
        export_order = fields

    def get_queryset(self):
        return Collection.objects.select_related(
            "point", "point__fund", "counted_by", "confirmed_by", "deposit"
        ).order_by("emptied_at", "id")

    def dehydrate_emptied_on(self, collection) -> date | None:
        return local_date(collection.emptied_at)

    def dehydrate_seal_broken(self, collection) -> str:
        return yes_no(collection.seal_broken)

    def dehydrate_amount_gbp(self, collection) -> Decimal | None:
        return money(collection.amount)

    def dehydrate_entry(self, collection) -> int | None:
        return collection.entry_id


class DepositResource(resources.ModelResource):
    """Each banking of counted cash, with any difference and who checked it."""

    reference = column("Paying-in reference", "paying_in_reference")
    banked_on = column("Banked on")
    fund_code = column("Fund", "fund__code")
    counted_gbp = column("Counted (GBP)")
    banked_gbp = column("Banked (GBP)")
    difference_gbp = column("Difference (GBP)")
    reason = column("Reason for difference", "difference_reason")
    status = column("Status", "status")
    recorded_by = column("Recorded by", "recorded_by__username")
    checked_by = column("Checked by", "checked_by__username")
    entry = column("Ledger entry")

    class Meta:
        model = Deposit
        fields = (
            "reference",
            "banked_on",
            "fund_code",
            "counted_gbp",
            "banked_gbp",
            "difference_gbp",
            "reason",
            "status",
            "recorded_by",
            "checked_by",
            "entry",
        )
        export_order = fields

    def get_queryset(self):
        return Deposit.objects.select_related("fund", "recorded_by", "checked_by").order_by(
            "banked_on", "id"
        )

    def dehydrate_banked_on(self, deposit) -> date | None:
        return deposit.banked_on

    def dehydrate_counted_gbp(self, deposit) -> Decimal | None:
        return money(deposit.counted_total)

    def dehydrate_banked_gbp(self, deposit) -> Decimal | None:
        return money(deposit.amount_banked)

    def dehydrate_difference_gbp(self, deposit) -> Decimal | None:
        return money(deposit.amount_banked.amount - deposit.counted_total.amount)

    def dehydrate_entry(self, deposit) -> int | None:
        return deposit.entry_id


class GiftAidClaimResource(resources.ModelResource):
    """Each Gift Aid claim run (the HMRC schedule itself is the donations app's export)."""

    claim_number = column("Claim number", "id")
    gifts_from = column("Gifts from")
    gifts_to = column("Gifts to")
    total_gbp = column("Gifts claimed on (GBP)")
    payments = column("Gifts", "payment_count")
    created_by = column("Made by", "created_by__username")
    created_at = column("Made at")

    class Meta:
        model = GiftAidClaim
        fields = (
            "claim_number",
            "gifts_from",
            "gifts_to",
            "total_gbp",
            "payments",
            "created_by",
            "created_at",
        )
        export_order = fields

    def get_queryset(self):
        return (
            GiftAidClaim.objects.select_related("created_by")
            .annotate(payment_count=Count("payments"))
            .order_by("created_at", "id")
        )

    def dehydrate_gifts_from(self, claim) -> date | None:
        return claim.date_from

    def dehydrate_gifts_to(self, claim) -> date | None:
        return claim.date_to

    def dehydrate_total_gbp(self, claim) -> Decimal | None:
        return money(claim.total)

    def dehydrate_created_at(self, claim):
        return claim.created_at


def days_between(start, end) -> Decimal | None:
    """Days between two moments to a tenth, e.g. ``Decimal("1.5")``; None if one is missing."""
    if not start or not end:
        return None
    delta = end - start
    days = Decimal(delta.days) + Decimal(delta.seconds) / Decimal(86_400)
    return days.quantize(Decimal("0.1"))


class GrantResource(resources.ModelResource):
    """The grant register: never the client's reference, only the grant's own."""

    reference = column("Grant reference")
    agency = column("Agency", "agency__name")
    category = column("Category", "category__name")
    category_account = column("Category account", "category__code")
    fund_code = column("Fund", "fund__code")
    status = column("Status", "status")
    amount_gbp = column("Amount requested (GBP)")
    paid_gbp = column("Amount paid (GBP)")
    submitted_on = column("Submitted on")
    decided_on = column("Decided on")
    paid_on = column("Paid on")
    days_to_decision = column("Days to decision")
    days_to_payment = column("Days to payment")
    payout_method = column("Paid by", "payout__method")
    approval_entry = column("Approval entry")

    class Meta:
        model = Grant
        fields = (
            "reference",
            "agency",
            "category",
            "category_account",
            "fund_code",
            "status",
            "amount_gbp",
            "paid_gbp",
            "submitted_on",
            "decided_on",
            "paid_on",
            "days_to_decision",
            "days_to_payment",
            "payout_method",
            "approval_entry",
        )
        export_order = fields

    def get_queryset(self):
        return (
            Grant.objects.exclude(status=Grant.Status.DRAFT)
            .select_related("agency", "category", "fund", "payout")
            .order_by("submitted_at", "id")
        )

    def dehydrate_reference(self, grant) -> str:
        return f"G-{grant.pk:05d}"

    def dehydrate_amount_gbp(self, grant) -> Decimal | None:
        return money(grant.amount)

    def dehydrate_paid_gbp(self, grant) -> str:
        payout = getattr(grant, "payout", None)
        return money(payout.amount) if payout else None

    def dehydrate_submitted_on(self, grant) -> date | None:
        return local_date(grant.submitted_at)

    def dehydrate_decided_on(self, grant) -> date | None:
        return local_date(grant.decided_at)

    def dehydrate_paid_on(self, grant) -> str:
        payout = getattr(grant, "payout", None)
        return payout.paid_on if payout else None

    def dehydrate_days_to_decision(self, grant) -> Decimal | None:
        return days_between(grant.submitted_at, grant.decided_at)

    def dehydrate_days_to_payment(self, grant) -> Decimal | None:
        return days_between(grant.submitted_at, grant.paid_at)

    def dehydrate_approval_entry(self, grant) -> int | None:
        return grant.approval_entry_id
