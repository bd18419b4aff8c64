import json
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.exports import CONTENT_TYPES, EXPORT_KINDS, export_write
from audit.forms import (
    ExportForm,
    PeriodCloseForm,
    SubjectAccessForm,
    YearEndPackForm,
    export_choices,
)
from audit.models import ExportManifest
from audit.navigation import navigation_for
from audit.subject_access import client_subject_access, donor_subject_access
from donations.selectors.contributions import funder_totals, restricted_spending
from fund.exceptions import InvalidPosting
from fund.models import Fund
from fund.selectors import chain_head, fund_summaries
from people.access import STAFF_ROLES, role_required
from people.roles import HANDLER_ROLES, Role

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


@role_required(*HANDLER_ROLES)
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


def _period_close_page(request, form, fund, period_end, status=200, error=""):
    from audit.period_close import lock_history, period_checklist

    checks = period_checklist(fund, period_end) if fund and period_end else []
    return render(
        request,
        "audit/period_close.html",
        {
            "form": form,
            "fund": fund,
            "period_end": period_end,
            "checks": checks,
            "open_items": [c for c in checks if not c.ok],
            "history": lock_history(fund) if fund else [],
            "funds": Fund.objects.order_by("name"),
            "error": error,
        },
        status=status,
    )


@role_required(Role.FUND_MANAGER)
@require_http_methods(["GET", "POST"])
def period_close(request):
    """The month-end (or any period-end) checklist for one fund, then the lock."""
    from audit.period_close import ChecklistOpen
    from audit.period_close import period_close as close

    data = request.POST if request.method == "POST" else (request.GET or None)
    form = PeriodCloseForm(data)
    if data is None or not form.is_valid():
        return _period_close_page(request, form, None, None, status=400 if data else 200)
    fund, period_end = form.cleaned_data["fund"], form.cleaned_data["period_end"]
    if request.method == "POST":
        try:
            close(
                actor=request.user,
                fund=fund,
                period_end=period_end,
                reason=form.cleaned_data["reason"],
            )
        except InvalidPosting as exc:
            status = 400
            error = str(exc)
            if isinstance(exc, ChecklistOpen):
                form.add_error("reason", "Put the open items right, or say why you are closing.")
            return _period_close_page(request, form, fund, period_end, status, error)
        messages.success(request, f"{fund.name} is closed up to {period_end:%-d %b %Y}.")
        return redirect(
            f"{reverse('audit:period_close')}?fund={fund.code}&period_end={period_end:%Y-%m-%d}"
        )
    return _period_close_page(request, form, fund, period_end)


def _year_end_page(request, form, status=200):
    return render(request, "audit/year_end.html", {"form": form}, status=status)


@require_GET
@role_required(*STAFF_ROLES)
def year_end(request):
    from audit.yearend import year_choices

    return _year_end_page(request, YearEndPackForm(choices=year_choices()))


@require_GET
@role_required(*STAFF_ROLES)
def year_end_download(request):
    """The year's accounts as one ZIP (PDF and ODS of each) with its own manifest."""
    from audit.yearend import year_choices, year_end_pack_write

    form = YearEndPackForm(request.GET, choices=year_choices())
    if not form.is_valid():
        return _year_end_page(request, form, status=400)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    file_name, _ = year_end_pack_write(
        actor=request.user,
        actor_name=request.user.get_username(),
        year_end=form.cleaned_data["year_end"],
        stream=spool,
    )
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=file_name, content_type="application/zip"
    )
