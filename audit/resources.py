"""django-import-export resources: the admin's exports and the XLSX and ODS files.

Column names are the ones an accountant reads; dates are ISO 8601 and money is a decimal
string with two places, exactly as in the streamed CSV (``audit.exports``), which a test
keeps in step with these resources.
"""

from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from import_export import fields, resources

from donations.models import Collection, Deposit, GiftAidClaim, OnlinePayment
from fund.models import Entry, Transfer
from grants.models import Grant


def money_text(value) -> str:
    amount = getattr(value, "amount", value)
    return f"{Decimal(amount):.2f}"


def iso(value) -> str:
    return value.isoformat() if value else ""


class TransferResource(resources.ModelResource):
    """One row per transfer, carrying its entry's date, description and source."""

    entry_number = fields.Field(attribute="entry_id", column_name="Entry number")
    date = fields.Field(column_name="Date")
    transfer_number = fields.Field(attribute="sequence", column_name="Transfer number")
    fund_code = fields.Field(attribute="fund__code", column_name="Fund")
    debit_code = fields.Field(attribute="debit_account__code", column_name="Debit account")
    debit_name = fields.Field(attribute="debit_account__name", column_name="Debit account name")
    credit_code = fields.Field(attribute="credit_account__code", column_name="Credit account")
    credit_name = fields.Field(attribute="credit_account__name", column_name="Credit account name")
    amount_gbp = fields.Field(column_name="Amount (GBP)")
    description = fields.Field(attribute="entry__memo", column_name="Description")
    source = fields.Field(attribute="entry__source", column_name="Source")
    reverses = fields.Field(column_name="Reverses entry")
    transfer_hash = fields.Field(attribute="hash", column_name="Transfer hash")

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

    def dehydrate_date(self, transfer: Transfer) -> str:
        return iso(transfer.entry.effective_date)

    def dehydrate_amount_gbp(self, transfer: Transfer) -> str:
        return money_text(transfer.amount)

    def dehydrate_reverses(self, transfer: Transfer) -> str:
        return str(transfer.entry.reverses_id or "")


class EntryResource(resources.ModelResource):
    """One row per entry, with its total and how many transfers it holds."""

    entry_number = fields.Field(attribute="id", column_name="Entry number")
    date = fields.Field(column_name="Date")
    description = fields.Field(attribute="memo", column_name="Description")
    source = fields.Field(attribute="source", column_name="Source")
    reference = fields.Field(attribute="idempotency_key", column_name="Outside reference")
    reverses = fields.Field(column_name="Reverses entry")
    posted_at = fields.Field(column_name="Posted at")
    posted_by = fields.Field(attribute="created_by__username", column_name="Posted by")

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

    def dehydrate_date(self, entry: Entry) -> str:
        return iso(entry.effective_date)

    def dehydrate_reverses(self, entry: Entry) -> str:
        return str(entry.reverses_id or "")

    def dehydrate_posted_at(self, entry: Entry) -> str:
        return iso(entry.created_at)


def yes_no(value) -> str:
    return "yes" if value else "no"


def local_date(value) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


def local_time(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


class OnlinePaymentResource(resources.ModelResource):
    """Online gifts as Stripe took them: one row per payment (a monthly gift has many)."""

    payment_number = fields.Field(attribute="id", column_name="Payment number")
    donation_reference = fields.Field(column_name="Donation reference")
    paid_on = fields.Field(column_name="Date paid")
    fund_code = fields.Field(attribute="fund__code", column_name="Fund")
    frequency = fields.Field(attribute="donation__frequency", column_name="Frequency")
    amount_gbp = fields.Field(column_name="Amount (GBP)")
    fee_gbp = fields.Field(column_name="Stripe fee (GBP)")
    refunded_gbp = fields.Field(column_name="Refunded (GBP)")
    disputed_gbp = fields.Field(column_name="Disputed (GBP)")
    dispute = fields.Field(attribute="dispute", column_name="Dispute")
    gift_aid = fields.Field(column_name="Gift Aid declared")
    claim = fields.Field(column_name="Gift Aid claim")
    box = fields.Field(
        attribute="donation__collection_point__box_number", column_name="Collection box"
    )
    charge = fields.Field(attribute="charge_id", column_name="Stripe charge")

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

    def dehydrate_paid_on(self, payment) -> str:
        return iso(payment.paid_on)

    def dehydrate_amount_gbp(self, payment) -> str:
        return money_text(payment.amount)

    def dehydrate_fee_gbp(self, payment) -> str:
        return money_text(payment.fee)

    def dehydrate_refunded_gbp(self, payment) -> str:
        return money_text(payment.amount_refunded)

    def dehydrate_disputed_gbp(self, payment) -> str:
        return money_text(payment.amount_disputed)

    def dehydrate_gift_aid(self, payment) -> str:
        return yes_no(payment.donation.gift_aid_id)

    def dehydrate_claim(self, payment) -> str:
        return str(payment.gift_aid_claim_id or "")


class CollectionResource(resources.ModelResource):
    """Each emptying of a collection box: seals, the two-person count and where it went."""

    collection_number = fields.Field(attribute="id", column_name="Collection number")
    box = fields.Field(attribute="point__box_number", column_name="Box number")
    host = fields.Field(attribute="point__host_name", column_name="Host business")
    fund_code = fields.Field(attribute="point__fund__code", column_name="Fund")
    emptied_on = fields.Field(column_name="Emptied on")
    seal_expected = fields.Field(attribute="seal_expected", column_name="Seal on record")
    seal_removed = fields.Field(attribute="seal_removed", column_name="Seal removed")
    seal_fitted = fields.Field(attribute="seal_fitted", column_name="Seal fitted")
    seal_broken = fields.Field(column_name="Seal broken")
    amount_gbp = fields.Field(column_name="Counted (GBP)")
    status = fields.Field(attribute="status", column_name="Status")
    counted_by = fields.Field(attribute="counted_by__username", column_name="Counted by")
    confirmed_by = fields.Field(attribute="confirmed_by__username", column_name="Confirmed by")
    deposit = fields.Field(attribute="deposit__paying_in_reference", column_name="Deposit")
    entry = fields.Field(column_name="Ledger entry")

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

    def dehydrate_emptied_on(self, collection) -> str:
        return local_date(collection.emptied_at)

    def dehydrate_seal_broken(self, collection) -> str:
        return yes_no(collection.seal_broken)

    def dehydrate_amount_gbp(self, collection) -> str:
        return money_text(collection.amount)

    def dehydrate_entry(self, collection) -> str:
        return str(collection.entry_id or "")


class DepositResource(resources.ModelResource):
    """Each banking of counted cash, with any difference and who checked it."""

    reference = fields.Field(attribute="paying_in_reference", column_name="Paying-in reference")
    banked_on = fields.Field(column_name="Banked on")
    fund_code = fields.Field(attribute="fund__code", column_name="Fund")
    counted_gbp = fields.Field(column_name="Counted (GBP)")
    banked_gbp = fields.Field(column_name="Banked (GBP)")
    difference_gbp = fields.Field(column_name="Difference (GBP)")
    reason = fields.Field(attribute="difference_reason", column_name="Reason for difference")
    status = fields.Field(attribute="status", column_name="Status")
    recorded_by = fields.Field(attribute="recorded_by__username", column_name="Recorded by")
    checked_by = fields.Field(attribute="checked_by__username", column_name="Checked by")
    entry = fields.Field(column_name="Ledger entry")

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

    def dehydrate_banked_on(self, deposit) -> str:
        return iso(deposit.banked_on)

    def dehydrate_counted_gbp(self, deposit) -> str:
        return money_text(deposit.counted_total)

    def dehydrate_banked_gbp(self, deposit) -> str:
        return money_text(deposit.amount_banked)

    def dehydrate_difference_gbp(self, deposit) -> str:
        return money_text(deposit.amount_banked.amount - deposit.counted_total.amount)

    def dehydrate_entry(self, deposit) -> str:
        return str(deposit.entry_id or "")


class GiftAidClaimResource(resources.ModelResource):
    """Each Gift Aid claim run (the HMRC schedule itself is the donations app's export)."""

    claim_number = fields.Field(attribute="id", column_name="Claim number")
    gifts_from = fields.Field(column_name="Gifts from")
    gifts_to = fields.Field(column_name="Gifts to")
    total_gbp = fields.Field(column_name="Gifts claimed on (GBP)")
    payments = fields.Field(attribute="payment_count", column_name="Gifts")
    created_by = fields.Field(attribute="created_by__username", column_name="Made by")
    created_at = fields.Field(column_name="Made at")

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

    def dehydrate_gifts_from(self, claim) -> str:
        return iso(claim.date_from)

    def dehydrate_gifts_to(self, claim) -> str:
        return iso(claim.date_to)

    def dehydrate_total_gbp(self, claim) -> str:
        return money_text(claim.total)

    def dehydrate_created_at(self, claim) -> str:
        return local_time(claim.created_at)


def days_between(start, end) -> str:
    """Whole and tenths of days between two moments, e.g. "1.5"; blank if either is missing."""
    if not start or not end:
        return ""
    delta = end - start
    days = Decimal(delta.days) + Decimal(delta.seconds) / Decimal(86_400)
    return f"{days.quantize(Decimal('0.1'))}"


class GrantResource(resources.ModelResource):
    """The grant register: never the client's reference, only the grant's own."""

    reference = fields.Field(column_name="Grant reference")
    agency = fields.Field(attribute="agency__name", column_name="Agency")
    category = fields.Field(attribute="category__name", column_name="Category")
    category_account = fields.Field(attribute="category__code", column_name="Category account")
    fund_code = fields.Field(attribute="fund__code", column_name="Fund")
    status = fields.Field(attribute="status", column_name="Status")
    amount_gbp = fields.Field(column_name="Amount requested (GBP)")
    paid_gbp = fields.Field(column_name="Amount paid (GBP)")
    submitted_on = fields.Field(column_name="Submitted on")
    decided_on = fields.Field(column_name="Decided on")
    paid_on = fields.Field(column_name="Paid on")
    days_to_decision = fields.Field(column_name="Days to decision")
    days_to_payment = fields.Field(column_name="Days to payment")
    payout_method = fields.Field(attribute="payout__method", column_name="Paid by")
    approval_entry = fields.Field(column_name="Approval entry")

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

    def dehydrate_amount_gbp(self, grant) -> str:
        return money_text(grant.amount)

    def dehydrate_paid_gbp(self, grant) -> str:
        payout = getattr(grant, "payout", None)
        return money_text(payout.amount) if payout else ""

    def dehydrate_submitted_on(self, grant) -> str:
        return local_date(grant.submitted_at)

    def dehydrate_decided_on(self, grant) -> str:
        return local_date(grant.decided_at)

    def dehydrate_paid_on(self, grant) -> str:
        payout = getattr(grant, "payout", None)
        return iso(payout.paid_on) if payout else ""

    def dehydrate_days_to_decision(self, grant) -> str:
        return days_between(grant.submitted_at, grant.decided_at)

    def dehydrate_days_to_payment(self, grant) -> str:
        return days_between(grant.submitted_at, grant.paid_at)

    def dehydrate_approval_entry(self, grant) -> str:
        return str(grant.approval_entry_id or "")
