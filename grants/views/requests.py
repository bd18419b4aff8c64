"""A key worker's requests and the request page: list, new, edit, submit, withdraw.

Objects outside a user's scope are a 404, never a 403, so nobody learns they exist:
``grant_for`` and ``own_agency_grant`` are the lookups every grant view uses.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fund.bank_share import bank_share
from fund.exceptions import LedgerError
from fund.models import Account, CategoryCap, Fund, FundRules
from fund.money import format_gbp
from fund.selectors import available_in_fund
from grants import selectors
from grants.access import GrantPermissions
from grants.exceptions import GrantError
from grants.forms import (
    ApproveForm,
    GrantForm,
    NoteForm,
    OutcomeForm,
    PayoutForm,
    UploadForm,
    line_item_formset,
)
from grants.models import Document, Grant, category_label
from grants.services.checks import EDITABLE, agency_of
from grants.services.decisions import approvals_needed
from grants.services.requests import (
    default_fund,
    grant_create,
    grant_submit,
    grant_update,
    grant_withdraw,
)
from people.access import role_required
from people.pages import paged
from people.roles import GRANT_ROLES, Role

S = Grant.Status


def grant_for(request, pk: int) -> Grant:
    return get_object_or_404(selectors.grants_visible_to(request.user), pk=pk)


def own_agency_grant(request, pk: int) -> Grant:
    """A request of the signed-in key worker's own agency, else 404."""
    agency = agency_of(request.user)
    if agency is None:
        raise Http404
    return get_object_or_404(Grant, pk=pk, agency=agency)


@role_required(*GRANT_ROLES)
def request_list(request):
    if selectors.sees_all_grants(request.user) and agency_of(request.user) is None:
        return redirect("grants:queue")
    grants = selectors.grants_visible_to(request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "grants/request_list.html",
        {
            "grants": paged(request, grants),
            "agency": agency_of(request.user),
            "can_request": agency_of(request.user) is not None,
        },
    )


@role_required(*GRANT_ROLES)
def client_list(request):
    clients = paged(request, selectors.clients_listed(request.user))
    clients["page"].object_list = selectors.with_grant_totals(clients["page"].object_list)
    return render(
        request,
        "grants/client_list.html",
        {
            "clients": clients,
            "agency": agency_of(request.user),
        },
    )


def _request_form_context(request, form, formset, grant=None) -> dict:
    caps = {}
    fund = grant.fund if grant else default_fund()
    if fund is not None:
        caps = {c.account_id: c.cap for c in CategoryCap.objects.filter(fund=fund)}
    categories = [
        (category_label(c), caps.get(c.pk))
        for c in Account.objects.filter(is_grant_category=True).order_by("name")
    ]
    rules = FundRules.objects.filter(fund=fund).first() if fund else None
    return {
        "form": form,
        "formset": formset,
        "grant": grant,
        "categories": categories,
        "rules": rules,
    }


def _errors_from_service(form, error: GrantError) -> None:
    form.add_error(None, str(error))


@role_required(Role.KEY_WORKER)
def request_new(request):
    if agency_of(request.user) is None:
        raise Http404
    if request.method == "POST":
        form = GrantForm(request.POST)
        formset = line_item_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            submit = request.POST.get("action") == "submit"
            try:
                grant = grant_create(
                    actor=request.user,
                    client_reference=data["client_reference"],
                    category=data["category"],
                    urgency=data["urgency"],
                    own_words=data["own_words"],
                    why_fund=data["why_fund"],
                    line_items=formset.line_items(),
                    form_token=data["form_token"],
                    submit=submit,
                )
            except GrantError as error:
                _errors_from_service(form, error)
            else:
                if grant.status == S.DRAFT:
                    messages.success(request, f"{grant.reference} is saved as a draft.")
                else:
                    messages.success(request, f"{grant.reference} is sent to the fund.")
                return redirect("grants:detail", grant.pk)
    else:
        form = GrantForm()
        formset = line_item_formset()
    return render(
        request, "grants/request_form.html", _request_form_context(request, form, formset)
    )


@role_required(Role.KEY_WORKER)
def request_edit(request, pk: int):
    grant = own_agency_grant(request, pk)
    if grant.status not in EDITABLE:
        messages.error(
            request,
            f"{grant.reference} is {grant.get_status_display().lower()} "
            "and can no longer be changed.",
        )
        return redirect("grants:detail", grant.pk)
    if request.method == "POST":
        form = GrantForm(request.POST)
        formset = line_item_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                grant = grant_update(
                    actor=request.user,
                    grant=grant,
                    client_reference=data["client_reference"],
                    category=data["category"],
                    urgency=data["urgency"],
                    own_words=data["own_words"],
                    why_fund=data["why_fund"],
                    line_items=formset.line_items(),
                )
                if request.POST.get("action") == "submit":
                    grant = grant_submit(actor=request.user, grant=grant)
            except GrantError as error:
                _errors_from_service(form, error)
            else:
                messages.success(
                    request, f"{grant.reference} is {grant.get_status_display().lower()}."
                )
                return redirect("grants:detail", grant.pk)
    else:
        form = GrantForm(
            initial={
                "client_reference": grant.client.reference,
                "category": grant.category,
                "own_words": grant.own_words,
                "why_fund": grant.why_fund,
                "urgency": grant.urgency,
            }
        )
        formset = line_item_formset(
            initial=[
                {"description": i.description, "amount": i.amount.amount, "supplier": i.supplier}
                for i in grant.line_items.all()
            ],
            blank_rows=len(grant.line_items.all()) + 1,
        )
    return render(
        request, "grants/request_form.html", _request_form_context(request, form, formset, grant)
    )


def _fund_choices(grant: Grant):
    funds = list(Fund.objects.filter(is_active=True).order_by("kind", "name"))
    return [(f, available_in_fund(f)) for f in funds]


def _file_labelled(form: UploadForm, label: str) -> UploadForm:
    form.fields["file"].label = label
    return form


def _labelled(form: NoteForm, label: str) -> NoteForm:
    form.fields["note"].label = label
    return form


def request_page(request, grant: Grant, status: int = 200, **forms):
    permissions = GrantPermissions.for_user(grant, request.user)
    can_decide = permissions.can_decide
    funds = _fund_choices(grant) if can_decide else []
    approve_form = forms.get("approve_form") or ApproveForm(initial={"fund": grant.fund})
    approve_form.fields["fund"].label_from_instance = lambda f: (
        f"{f.name} ({format_gbp(available_in_fund(f))} available)"
    )
    context = {
        "grant": grant,
        "line_items": grant.line_items.all(),
        "quotes": grant.documents.filter(kind=Document.Kind.QUOTE),
        "receipts": grant.documents.filter(kind=Document.Kind.RECEIPT),
        "events": _timeline(grant),
        "question": _question(grant),
        "approvals": grant.approvals.filter(superseded=False).select_related("approver"),
        "approvals_needed": approvals_needed(grant),
        "age": selectors.age_of(grant),
        "payout": getattr(grant, "payout", None),
        "outcome": getattr(grant, "outcome", None),
        "permissions": permissions,
        "funds": funds,
        "available": available_in_fund(grant.fund),
        "bank_share": bank_share(grant.fund) if can_decide else None,
        "approve_form": approve_form,
        "decline_form": _labelled(
            forms.get("decline_form") or NoteForm(prefix="decline"), "Why is it declined?"
        ),
        "info_form": _labelled(
            forms.get("info_form") or NoteForm(prefix="info"), "What do you need to know?"
        ),
        "cancel_form": _labelled(
            forms.get("cancel_form") or NoteForm(prefix="cancel"), "Why will it not be paid?"
        ),
        "withdraw_form": _labelled(
            forms.get("withdraw_form") or NoteForm(prefix="withdraw"), "Why? (optional)"
        ),
        "payout_form": forms.get("payout_form") or PayoutForm(grant=grant),
        "quote_form": _file_labelled(
            forms.get("quote_form") or UploadForm(prefix="quote"), "Upload a quote"
        ),
        "receipt_form": _file_labelled(
            forms.get("receipt_form") or UploadForm(prefix="receipt"), "Upload a receipt"
        ),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(),
    }
    return render(request, "grants/request_detail.html", context, status=status)


def _timeline(grant: Grant) -> list[dict]:
    """The request's moves and its uploads, oldest first."""
    items = [
        {
            "at": e.at,
            "title": e.get_to_status_display(),
            "actor": e.actor,
            "note": e.note,
            "was": e.get_from_status_display(),
        }
        for e in grant.events.select_related("actor")
    ]
    items += [
        {
            "at": d.uploaded_at,
            "title": f"{d.get_kind_display()} uploaded",
            "actor": d.uploaded_by,
            "note": d.display_name,
            "was": "",
        }
        for d in grant.documents.select_related("uploaded_by")
    ]
    return sorted(items, key=lambda item: item["at"])


def _question(grant: Grant):
    """The officer's question, while a request is sent back for more information."""
    if grant.status != S.INFO_REQUESTED:
        return None
    return (
        grant.events.filter(to_status=S.INFO_REQUESTED)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )


@role_required(*GRANT_ROLES)
def request_detail(request, pk: int):
    return request_page(request, grant_for(request, pk))


def run_action(request, grant: Grant, action, success: str):
    """Call a service; on a refusal show its message. Returns True when it went through."""
    try:
        action()
    except (GrantError, LedgerError) as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


@require_POST
@role_required(Role.KEY_WORKER)
def request_submit(request, pk: int):
    grant = own_agency_grant(request, pk)
    run_action(
        request,
        grant,
        lambda: grant_submit(actor=request.user, grant=grant),
        f"{grant.reference} is sent to the fund.",
    )
    return redirect("grants:detail", grant.pk)


@require_POST
@role_required(Role.KEY_WORKER)
def request_withdraw(request, pk: int):
    grant = own_agency_grant(request, pk)
    form = NoteForm(request.POST, prefix="withdraw")
    form.fields["note"].required = False
    if not form.is_valid():
        return request_page(request, grant, status=400, withdraw_form=form)
    run_action(
        request,
        grant,
        lambda: grant_withdraw(actor=request.user, grant=grant, note=form.cleaned_data["note"]),
        f"{grant.reference} is withdrawn.",
    )
    return redirect("grants:detail", grant.pk)
