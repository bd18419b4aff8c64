import hashlib

from django.contrib import admin
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, ODS, XLSX

from audit.models import ExportManifest
from audit.resources import (
    CollectionResource,
    DepositResource,
    EntryResource,
    GiftAidClaimResource,
    GrantResource,
    OnlinePaymentResource,
    TransferResource,
)
from audit.services import manifest_record
from donations.admin import CollectionAdmin, DepositAdmin, GiftAidClaimAdmin, OnlinePaymentAdmin
from donations.models import Collection, Deposit, GiftAidClaim, OnlinePayment
from fund import spreadsheets
from fund.admin import EntryAdmin, TransferAdmin
from fund.models import Entry, Transfer
from fund.selectors import chain_head
from grants.admin import GrantAdmin
from grants.models import Grant


class SpreadsheetCSV(CSV):
    """CSV through the project's writer: formula-like text is quoted, as in every export."""

    def export_data(self, dataset, **kwargs):
        return spreadsheets.csv_text(dataset.headers, dataset)


class SpreadsheetXLSX(XLSX):
    """XLSX through the project's writer: text is a string cell, never a formula."""

    def export_data(self, dataset, **kwargs):
        return spreadsheets.xlsx_bytes(dataset.title or "Export", dataset.headers, dataset)


class SpreadsheetODS(ODS):
    """ODS through the project's writer: numbers, dates and string cells."""

    def export_data(self, dataset, **kwargs):
        return spreadsheets.ods_bytes(dataset.title or "Export", dataset.headers, dataset)

    def is_binary(self):
        return True


class ManifestedExportMixin(ExportMixin):
    """The admin's CSV/XLSX/ODS export, recording a manifest like every other export."""

    formats = [SpreadsheetCSV, SpreadsheetXLSX, SpreadsheetODS]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        head = chain_head()
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        raw = data if isinstance(data, bytes) else data.encode()
        opts = self.model._meta
        manifest_record(
            actor=request.user,
            actor_name=request.user.get_username(),
            kind=f"admin:{opts.app_label}.{opts.model_name}",
            file_format=file_format.get_title().lower(),
            parameters={"admin_filters": request.GET.urlencode(), "rows": queryset.count()},
            file_name=self.get_export_filename(request, queryset, file_format),
            sha256=hashlib.sha256(raw).hexdigest(),
            size_bytes=len(raw),
            row_count=queryset.count(),
            chain_head_sequence=head.sequence,
            chain_head_hash=head.hash,
        )
        return data


@admin.register(ExportManifest)
class ExportManifestAdmin(admin.ModelAdmin):
    """Manifests are the audit app's log: shown, never edited."""

    list_display = [
        "created_at",
        "actor_name",
        "kind",
        "file_format",
        "file_name",
        "chain_head_sequence",
        "sha256",
    ]
    list_filter = ["kind", "file_format"]
    search_fields = ["file_name", "sha256", "actor_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The lower apps register plain admins; the audit app adds its manifested export on top, so
# fund, donations and grants never import audit. Django imports each app's admin module in
# INSTALLED_APPS order and audit comes last, so the plain admins are registered by now.


class EntryExportAdmin(ManifestedExportMixin, EntryAdmin):
    resource_classes = [EntryResource]


class TransferExportAdmin(ManifestedExportMixin, TransferAdmin):
    resource_classes = [TransferResource]


class GrantExportAdmin(ManifestedExportMixin, GrantAdmin):
    resource_classes = [GrantResource]


class CollectionExportAdmin(ManifestedExportMixin, CollectionAdmin):
    resource_classes = [CollectionResource]


class DepositExportAdmin(ManifestedExportMixin, DepositAdmin):
    resource_classes = [DepositResource]


class OnlinePaymentExportAdmin(ManifestedExportMixin, OnlinePaymentAdmin):
    resource_classes = [OnlinePaymentResource]


class GiftAidClaimExportAdmin(ManifestedExportMixin, GiftAidClaimAdmin):
    resource_classes = [GiftAidClaimResource]


EXPORT_ADMINS = {
    Entry: EntryExportAdmin,
    Transfer: TransferExportAdmin,
    Grant: GrantExportAdmin,
    Collection: CollectionExportAdmin,
    Deposit: DepositExportAdmin,
    OnlinePayment: OnlinePaymentExportAdmin,
    GiftAidClaim: GiftAidClaimExportAdmin,
}
for model, model_admin in EXPORT_ADMINS.items():
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
