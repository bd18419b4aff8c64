from django.contrib import admin

from donations.models import (
    Collection,
    CollectionDenomination,
    CollectionEvent,
    CollectionPoint,
    Deposit,
    DepositEvent,
    GiftAidClaim,
    GiftAidDeclaration,
    OnlineDonation,
    OnlineDonationEvent,
    OnlinePayment,
    PayoutLine,
    StaffRefund,
    StripeEvent,
    StripePayout,
)
from fund.admin import HistoryAdmin

# --- Cash -----------------------------------------------------------------------------------
# Collections and deposits move only through donations.services.cash (the two-person count
# and the independent check post to the ledger), so the admin shows them read-only.


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CollectionPoint)
class CollectionPointAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["host_name", "box_number", "public_code", "current_seal", "fund", "is_active"]
    list_filter = ["is_active", "fund"]
    search_fields = ["host_name", "box_number", "public_code"]


class DenominationInline(ReadOnlyMixin, admin.TabularInline):
    model = CollectionDenomination
    extra = 0


class CollectionEventInline(ReadOnlyMixin, admin.TabularInline):
    model = CollectionEvent
    extra = 0
    fields = ["at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


@admin.register(Collection)
class CollectionAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = [
        "pk",
        "point",
        "emptied_at",
        "amount",
        "status",
        "seal_broken",
        "counted_by",
        "confirmed_by",
    ]
    list_filter = ["status", "seal_broken"]
    list_select_related = ["point", "counted_by", "confirmed_by"]
    inlines = [DenominationInline, CollectionEventInline]


class DepositEventInline(ReadOnlyMixin, admin.TabularInline):
    model = DepositEvent
    extra = 0
    fields = ["at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


@admin.register(Deposit)
class DepositAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = [
        "paying_in_reference",
        "banked_on",
        "counted_total",
        "amount_banked",
        "status",
        "checked_by",
    ]
    list_filter = ["status", "fund"]
    inlines = [DepositEventInline]


# --- end of cash ---------------------------------------------------------------------------


# --- Online ---------------------------------------------------------------------------------
# Online gifts, payments, payouts and claims come only from Stripe's webhooks and the
# services; the admin shows them, with their history, and changes nothing.


class OnlineDonationEventInline(ReadOnlyMixin, admin.TabularInline):
    model = OnlineDonationEvent
    extra = 0


class OnlinePaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = OnlinePayment
    extra = 0
    fields = ["paid_on", "amount", "fee", "amount_refunded", "dispute", "gift_aid_claim"]
    show_change_link = True


@admin.register(OnlineDonation)
class OnlineDonationAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = [
        "reference",
        "created_at",
        "amount",
        "frequency",
        "status",
        "collection_point",
        "fund",
    ]
    list_filter = ["status", "frequency", "fund", "test_mode"]
    search_fields = ["stripe_session_id", "stripe_subscription_id"]
    inlines = [OnlinePaymentInline, OnlineDonationEventInline]


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["id", "donation", "paid_on", "amount", "fee", "amount_refunded", "dispute"]
    list_filter = ["dispute", "fund"]
    search_fields = ["payment_intent_id", "charge_id", "invoice_id"]


@admin.register(GiftAidDeclaration)
class GiftAidDeclarationAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["id", "declared_at", "postcode"]


@admin.register(GiftAidClaim)
class GiftAidClaimAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["id", "date_from", "date_to", "total", "created_by", "created_at"]


class PayoutLineInline(ReadOnlyMixin, admin.TabularInline):
    model = PayoutLine
    extra = 0


@admin.register(StripePayout)
class StripePayoutAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["stripe_id", "arrival_date", "amount", "status"]
    inlines = [PayoutLineInline]


@admin.register(StaffRefund)
class StaffRefundAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["id", "payment", "amount", "requested_by", "requested_at"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["stripe_id", "type", "outcome", "created", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["stripe_id"]
