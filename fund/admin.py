from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from fund.models import Account, Balance, CategoryCap, ChainHead, Entry, Fund, FundRules, Transfer


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows are written only by fund.services: the admin may look, never touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _EmptyLinkShownAsNone(HistoricalRecordContextHelper):
    """simple-history shows a link that was empty before (a grant's approval entry, set on
    approval) as "Deleted entry (pk=None)": it was never deleted, just not there yet."""

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, DeletedObject) and value.pk is None:
            return None
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, with its history form closed to anyone who may not change.

    simple-history's ``history_form_view`` saves a posted form for anyone allowed to view
    the history, so a view-only user (an auditor) could revert an object to an old version,
    e.g. reopen a fund's closed period. Every history admin in the project uses this class.
    """

    def get_historical_record_context_helper(self, request, historical_record):
        return _EmptyLinkShownAsNone(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(
            request, self.get_object(request, unquote(object_id))
        ):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class TransferInline(admin.TabularInline):
    model = Transfer
    fields = ["sequence", "fund", "debit_account", "credit_account", "amount", "hash"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CappedCountPaginator(Paginator):
    """Counts at most ``CAP`` + 1 rows (a bounded subquery), never the whole ledger table:
    the ledger lists page through the newest rows and search or filters find older ones."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.CAP + 1].count()


class LedgerListAdmin:
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(Entry)
class EntryAdmin(LedgerListAdmin, ReadOnlyAdmin):
    list_display = ["id", "effective_date", "memo", "source", "reverses", "created_by"]
    list_filter = ["effective_date"]
    search_fields = ["memo", "source", "idempotency_key"]
    inlines = [TransferInline]


@admin.register(Transfer)
class TransferAdmin(LedgerListAdmin, ReadOnlyAdmin):
    list_display = ["sequence", "entry", "fund", "debit_account", "credit_account", "amount"]
    list_filter = ["fund", "debit_account", "credit_account"]
    list_select_related = ["entry", "fund", "debit_account", "credit_account"]


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["account", "fund", "debit_total", "credit_total"]
    list_filter = ["fund"]


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "hash"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ["code", "name", "type", "liquid", "is_grant_category"]


@admin.register(Fund)
class FundAdmin(ReadOnlyAdmin, HistoryAdmin):
    """Funds are created and locked through fund.services (seed_demo, staff pages)."""

    list_display = ["name", "code", "kind", "funder", "period_start", "period_end", "lock_date"]


@admin.register(FundRules)
class FundRulesAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ["fund", "per_grant_cap", "per_client_12_month_cap", "two_approver_threshold"]


@admin.register(CategoryCap)
class CategoryCapAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ["fund", "account", "cap"]
