import hashlib

from django.contrib import admin
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, ODS, XLSX

from audit.models import ExportManifest
from audit.services import manifest_record
from fund import spreadsheets
from fund.selectors import chain_head


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
