import json
import tempfile

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.exports import CONTENT_TYPES, EXPORT_KINDS, export_write
from audit.forms import ExportForm, SubjectAccessForm, export_choices
from audit.models import ExportManifest
from audit.navigation import navigation_for
from audit.subject_access import client_subject_access, donor_subject_access
from donations.selectors.contributions import funder_totals, restricted_spending
from fund.selectors import chain_head, fund_summaries
from people.access import STAFF_ROLES, role_required
from people.roles import Role

SPOOL_BYTES = 8 * 1024 * 1024


@role_required(*STAFF_ROLES)
def home(request):
    return render(
        request,
        "audit/home.html",
        {
            "summaries": fund_summaries(),
            "head": chain_head(),
            "funders": funder_totals(),
            "restricted": restricted_spending(),
        },
    )


@login_required
def start(request):
    """Where a person lands after signing in: the first page of the menu their role uses."""
    links = navigation_for(request.user)
    return redirect(links[0].url if links else "transparency")


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


@role_required(Role.FUND_OFFICER, Role.FUND_MANAGER)
@require_http_methods(["GET", "POST"])
def subject_access(request):
    """A subject-access request: everything held about one client reference or donor email,
    as a JSON file. Posted, so the reference or address never appears in a URL or a log."""
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
        found = client_subject_access(value) if kind == "client" else donor_subject_access(value)
        response = HttpResponse(
            json.dumps(found, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        name = f"subject-access-{kind}-{timezone.localdate():%Y-%m-%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "audit/subject_access.html", {"form": form})
