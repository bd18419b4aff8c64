from django.contrib import admin

from fund.admin import HistoryAdmin
from grants.models import Agency, Grant, GrantEvent, KeyWorker
from grants.services.agencies import agency_create, agency_update, key_worker_set


@admin.register(Agency)
class AgencyAdmin(HistoryAdmin):
    list_display = ["name", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            agency_update(actor=request.user, agency=obj, name=obj.name, is_active=obj.is_active)
        else:
            obj.pk = agency_create(actor=request.user, name=obj.name).pk


@admin.register(KeyWorker)
class KeyWorkerAdmin(HistoryAdmin):
    list_display = ["user", "agency", "job_title"]
    list_select_related = ["user", "agency"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        profile = key_worker_set(
            actor=request.user, user=obj.user, agency=obj.agency, job_title=obj.job_title
        )
        obj.pk = profile.pk


class ReadOnlyGrantAdmin(HistoryAdmin):
    """Requests change only through grants.services, so the admin shows them read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Grant)
class GrantAdmin(ReadOnlyGrantAdmin):
    list_display = ["reference", "agency", "client", "category", "amount", "status", "submitted_at"]
    list_filter = ["status", "agency", "urgency"]
    list_select_related = ["agency", "client", "category"]


@admin.register(GrantEvent)
class GrantEventAdmin(ReadOnlyGrantAdmin):
    list_display = ["grant", "from_status", "to_status", "actor", "at"]
