"""Staff pages for contributions from services and funders: pledges, the request letter and
money received. Managers record pledges; officers and managers record money received."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from djmoney.money import Money

from donations.access import HANDLERS, READERS, handles_money
from donations.exceptions import ContributionError
from donations.forms.contributions import PledgeForm, ReceiptForm
from donations.models.contributions import Pledge
from donations.selectors.contributions import funder_totals, pledge_received
from donations.services.contributions import (
    contribution_receipt_record,
    pledge_letter_pdf,
    pledge_record,
)
from fund.exceptions import LedgerError
from fund.selectors import fund_spending
from people.access import has_role, role_required
from people.roles import Role


@role_required(*READERS)
def pledges(request):
    can_pledge = has_role(request.user, Role.FUND_MANAGER)
    form = PledgeForm(request.POST or None)
    if request.method == "POST":
        if not can_pledge:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                pledge = pledge_record(
                    actor=request.user, **{**data, "amount": Money(data["amount"], "GBP")}
                )
            except ContributionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"The pledge from {pledge.funder} is recorded.")
                return redirect("donations:pledge", pk=pledge.pk)
    rows = [
        (pledge, pledge_received(pledge))
        for pledge in Pledge.objects.select_related("fund").order_by("funder", "period_start")
    ]
    return render(
        request,
        "donations/contributions/pledges.html",
        {"rows": rows, "totals": funder_totals(), "form": form, "can_pledge": can_pledge},
        status=400 if form.errors else 200,
    )


def _detail(request, pledge, form=None, status=200):
    return render(
        request,
        "donations/contributions/pledge.html",
        {
            "pledge": pledge,
            "received": pledge_received(pledge),
            "outstanding": pledge.amount - pledge_received(pledge),
            "receipts": pledge.receipts.select_related("recorded_by"),
            "form": form or ReceiptForm(),
            "can_record": handles_money(request.user),
            "spent": fund_spending(pledge.fund, pledge.period_start, pledge.period_end),
        },
        status=status,
    )


@role_required(*READERS)
def pledge_detail(request, pk: int):
    return _detail(request, get_object_or_404(Pledge.objects.select_related("fund"), pk=pk))


@role_required(*READERS)
def pledge_letter(request, pk: int):
    pledge = get_object_or_404(Pledge.objects.select_related("fund"), pk=pk)
    response = HttpResponse(pledge_letter_pdf(pledge), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="request-{pledge.pk}.pdf"'
    return response


@require_POST
@role_required(*HANDLERS)
def pledge_receipt(request, pk: int):
    pledge = get_object_or_404(Pledge.objects.select_related("fund"), pk=pk)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        try:
            contribution_receipt_record(
                actor=request.user,
                pledge=pledge,
                amount=Money(form.cleaned_data["amount"], "GBP"),
                received_on=form.cleaned_data["received_on"],
            )
        except (ContributionError, LedgerError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The money from {pledge.funder} is posted to the fund.")
            return redirect("donations:pledge", pk=pledge.pk)
    return _detail(request, pledge, form=form, status=400)
