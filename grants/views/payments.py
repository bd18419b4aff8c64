"""After approval: the payout, closing, the key worker's outcome, and what is to follow up."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from djmoney.money import Money

from grants import selectors
from grants.forms import OutcomeForm, PayoutForm
from grants.services.payments import grant_close, grant_record_outcome, grant_record_payout
from grants.views.requests import grant_for, own_agency_grant, request_page, run_action
from people.access import role_required
from people.pages import paged
from people.roles import HANDLER_ROLES, STAFF_ROLES, Role


@require_POST
@role_required(*HANDLER_ROLES)
def request_payout(request, pk: int):
    grant = grant_for(request, pk)
    form = PayoutForm(request.POST)
    if not form.is_valid():
        return request_page(request, grant, status=400, payout_form=form)
    data = form.cleaned_data
    run_action(
        request,
        grant,
        lambda: grant_record_payout(
            actor=request.user,
            grant=grant,
            payee=data["payee"],
            method=data["method"],
            reference=data["reference"],
            paid_on=data["paid_on"],
            amount=Money(data["amount"], "GBP"),
        ),
        f"The payment for {grant.reference} is recorded.",
    )
    return redirect("grants:detail", grant.pk)


@require_POST
@role_required(*HANDLER_ROLES)
def request_close(request, pk: int):
    grant = grant_for(request, pk)
    run_action(
        request,
        grant,
        lambda: grant_close(actor=request.user, grant=grant),
        f"{grant.reference} is closed.",
    )
    return redirect("grants:detail", grant.pk)


@require_POST
@role_required(Role.KEY_WORKER)
def outcome_record(request, pk: int):
    grant = own_agency_grant(request, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return request_page(request, grant, status=400, outcome_form=form)
    data = form.cleaned_data
    run_action(
        request,
        grant,
        lambda: grant_record_outcome(
            actor=request.user,
            grant=grant,
            barrier_removed=data["barrier_removed"],
            note=data["note"],
            consent_to_share=data["consent_to_share"],
        ),
        "The outcome is recorded. Thank you.",
    )
    return redirect("grants:detail", grant.pk)


@role_required(*STAFF_ROLES)
def follow_up(request):
    return render(
        request,
        "grants/follow_up.html",
        {
            "missing_receipts": paged(request, selectors.missing_receipts(), "receipts"),
            "outcomes_due": paged(request, selectors.outcomes_due(), "outcomes"),
        },
    )
