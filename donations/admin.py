from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from donations.models import (
    Collection,
    CollectionDenomination,
    CollectionEvent,
    CollectionPoint,
    Deposit,
    DepositEvent,
)

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
class CollectionPointAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
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
class CollectionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
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
class DepositAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
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
