"""Staff pages for contactless collection points: a terminal at a point, report imports.

Thin views: reads through ``donations.selectors.taps``, writes through
``donations.services.taps``; a refused action becomes a form error.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from donations.access import HANDLERS
from donations.exceptions import TapError, TapReportRefused
from donations.forms.taps import TapImportForm, TapTerminalForm
from donations.models import CollectionPoint
from donations.selectors import taps as tap_selectors
from donations.services import taps as services
from fund.money import format_gbp
from people.access import role_required


@role_required(*HANDLERS)
@require_http_methods(["GET", "POST"])
def tap_import(request):
    form = TapImportForm()
    status = 200
    if request.method == "POST":
        form = TapImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.tap_report_import(
                    actor=request.user,
                    content=upload.read(),
                    file_name=upload.name,
                    layout=form.cleaned_data["layout"],
                )
            except TapReportRefused as exc:
                form.add_error("file", f"{upload.name} was refused and nothing was imported. {exc}")
            except TapError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"{upload.name}: {result.taps_added} new taps of {result.taps_in_file} "
                    f"({format_gbp(result.total_added)}, fees {format_gbp(result.fees_added)}); "
                    f"{result.already_held} already held.",
                )
                return redirect("donations:taps")
        status = 400
    return render(
        request,
        "donations/taps/import.html",
        {
            "form": form,
            "imports": tap_selectors.recent_imports(),
            "awaiting": tap_selectors.payouts_awaiting_bank(),
            "paid": tap_selectors.payouts_paid(),
        },
        status=status,
    )


@role_required(*HANDLERS)
@require_http_methods(["GET", "POST"])
def tap_terminal_create(request, pk: int):
    point = get_object_or_404(CollectionPoint, pk=pk)
    form = TapTerminalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                terminal = services.tap_terminal_create(
                    actor=request.user, point=point, **form.cleaned_data
                )
            except TapError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{terminal} added at {point.host_name}.")
                return redirect("donations:cash_points")
        status = 400
    return render(
        request, "donations/taps/terminal_form.html", {"form": form, "point": point}, status=status
    )
