"""The exports page, the download it sends, and the manifests of what left the system."""

import tempfile

from django.core.paginator import Paginator
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from audit.exports.kinds import CONTENT_TYPES, EXPORT_KINDS, export_write
from audit.forms.exports import ExportForm, export_choices
from audit.models import ExportManifest
from fund.selectors import chain_head
from people.access import STAFF_ROLES, role_required

SPOOL_BYTES = 8 * 1024 * 1024


def _page(request, form, status=200):
    return render(
        request,
        "audit/exports.html",
        {
            "form": form,
            "choices": export_choices(),
            "recent": ExportManifest.objects.select_related("created_by")[:5],
            "head": chain_head(),
        },
        status=status,
    )


@require_GET
@role_required(*STAFF_ROLES)
def exports(request):
    return _page(request, ExportForm(initial={"export": "ledger:csv"}))


@require_GET
@role_required(*STAFF_ROLES)
def export_download(request):
    """Write the export to a spooled temporary file, record its manifest, then send it.

    Reading the request is all this does to the business data; the manifest is the
    audit app's own log of what left the system.
    """
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, form, status=400)
    file_format = form.cleaned_data["file_format"]
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    manifest = export_write(
        actor=request.user,
        actor_name=request.user.get_username(),
        kind=form.cleaned_data["kind"],
        file_format=file_format,
        params=form.params(),
        stream=spool,
    )
    spool.seek(0)
    response = FileResponse(
        spool,
        as_attachment=True,
        filename=manifest.file_name,
        content_type=CONTENT_TYPES[file_format],
    )
    response["X-Export-Manifest"] = str(manifest.pk)
    response["X-Export-SHA256"] = manifest.sha256
    return response


@require_GET
@role_required(*STAFF_ROLES)
def manifests(request):
    page = Paginator(ExportManifest.objects.select_related("created_by"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "audit/manifests.html",
        {"page": page, "labels": EXPORT_KINDS, "head": chain_head()},
    )


@require_GET
@role_required(*STAFF_ROLES)
def manifest_json(request, pk: int):
    manifest = get_object_or_404(ExportManifest, pk=pk)
    response = JsonResponse(manifest.as_json(), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{manifest.file_name}.manifest.json"'
    return response
