"""Fund staff decide: ask for information, approve, decline, cancel; the queue and the
decisions page."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fund.exceptions import LedgerError
from fund.models import Account
from grants import selectors
from grants.exceptions import GrantError
from grants.forms import ApproveForm, NoteForm, QueueFilterForm
from grants.models import Agency, Grant
from grants.services.decisions import grant_approve, grant_cancel, grant_decline, grant_request_info
from grants.views.requests import grant_for, request_page, run_action
from people.access import role_required
from people.pages import paged
from people.roles import HANDLER_ROLES, LIMIT_READER_ROLES, STAFF_ROLES

S = Grant.Status


def _note_action(request, pk, prefix, service, success, form_key):
    grant = grant_for(request, pk)
    form = NoteForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return request_page(request, grant, status=400, **{form_key: form})
    run_action(
        request,
        grant,
        lambda: service(grant, form.cleaned_data["note"]),
        success.format(grant.reference),
    )
    return redirect("grants:detail", grant.pk)


@require_POST
@role_required(*HANDLER_ROLES)
def request_info(request, pk: int):
    return _note_action(
        request,
        pk,
        "info",
        lambda grant, note: grant_request_info(actor=request.user, grant=grant, note=note),
        "{} is sent back to the key worker for more information.",
        "info_form",
    )


@require_POST
@role_required(*HANDLER_ROLES)
def request_decline(request, pk: int):
    return _note_action(
        request,
        pk,
        "decline",
        lambda grant, note: grant_decline(actor=request.user, grant=grant, reason=note),
        "{} is declined.",
        "decline_form",
    )


@require_POST
@role_required(*HANDLER_ROLES)
def request_cancel(request, pk: int):
    return _note_action(
        request,
        pk,
        "cancel",
        lambda grant, note: grant_cancel(actor=request.user, grant=grant, reason=note),
        "{} is cancelled and its commitment reversed.",
        "cancel_form",
    )


@require_POST
@role_required(*HANDLER_ROLES)
def request_approve(request, pk: int):
    grant = grant_for(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return request_page(request, grant, status=400, approve_form=form)
    result = {}

    def approve():
        result["grant"] = grant_approve(
            actor=request.user,
            grant=grant,
            fund=form.cleaned_data["fund"],
            note=form.cleaned_data["note"],
        )

    try:
        approve()
    except (GrantError, LedgerError) as error:
        messages.error(request, str(error))
    else:
        if result["grant"].status == S.SECOND_APPROVAL:
            messages.success(
                request, f"Your approval is recorded. {grant.reference} needs a second approver."
            )
        else:
            messages.success(request, f"{grant.reference} is approved.")
    return redirect("grants:detail", grant.pk)


@role_required(*STAFF_ROLES)
def queue(request):
    agencies = Agency.objects.order_by("name")
    categories = Account.objects.filter(is_grant_category=True).order_by("name")
    form = QueueFilterForm(request.GET or None, agencies=agencies, categories=categories)
    filters = form.cleaned_data if form.is_valid() else {}
    waiting = paged(
        request,
        selectors.decision_queue(
            status=filters.get("status", ""),
            agency_id=filters.get("agency", ""),
            category_id=filters.get("category", ""),
        ),
    )
    now = timezone.now()
    rows = [(g, selectors.age_of(g, now), selectors.promise_of(g, now)) for g in waiting["page"]]
    return render(
        request,
        "grants/queue.html",
        {
            "form": form,
            "rows": rows,
            "waiting": waiting,
            "promise_hours": selectors.promise_hours(),
        },
    )


@role_required(*LIMIT_READER_ROLES)
def decisions(request):
    """Decisions and times per officer over 90 days, and what is waiting on whom."""
    now = timezone.now()
    waiting = paged(request, selectors.decision_queue().select_related("requester"))
    return render(
        request,
        "grants/decisions.html",
        {
            "officers": selectors.decisions_by_officer(now - timedelta(days=90)),
            "waiting": selectors.waiting_on_whom(now, waiting["page"]),
            "waiting_pages": waiting,
            "promise_hours": selectors.promise_hours(),
        },
    )
