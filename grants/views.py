"""Thin views over grants.services: forms in, services called, messages out.

Objects outside a user's scope are a 404, never a 403, so nobody learns they exist.
"""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from djmoney.money import Money

from fund.bank_share import bank_share
from fund.exceptions import LedgerError
from fund.models import Account, CategoryCap, Fund, FundRules
from fund.money import format_gbp
from fund.selectors import available_in_fund
from fund.services import category_cap_set, fund_rules_update
from grants import selectors, services
from grants.exceptions import GrantError
from grants.forms import (
    ApproveForm,
    CapForm,
    GrantForm,
    NoteForm,
    OutcomeForm,
    PayoutForm,
    QueueFilterForm,
    RulesForm,
    UploadForm,
    line_item_formset,
)
from grants.models import Agency, Document, Grant, category_label
from people.access import has_role, role_required
from people.roles import GRANT_ROLES, HANDLER_ROLES, LIMIT_READER_ROLES, STAFF_ROLES, Role

S = Grant.Status
# This module's names for the role sets of people.roles.
ANYONE_WITH_GRANTS = GRANT_ROLES
DECIDERS = HANDLER_ROLES
STAFF = STAFF_ROLES


def _grant_for(request, pk: int) -> Grant:
    return get_object_or_404(selectors.grants_visible_to(request.user), pk=pk)


def _own_agency_grant(request, pk: int) -> Grant:
    """A request of the signed-in key worker's own agency, else 404."""
    agency = services.agency_of(request.user)
    if agency is None:
        raise Http404
    return get_object_or_404(Grant, pk=pk, agency=agency)


# --- key workers: their agency's requests --------------------------------------------


@role_required(*ANYONE_WITH_GRANTS)
def request_list(request):
    if selectors.sees_all_grants(request.user) and services.agency_of(request.user) is None:
        return redirect("grants:queue")
    grants = selectors.grants_visible_to(request.user).order_by("-created_at")
    return render(
        request,
        "grants/request_list.html",
        {
            "grants": grants,
            "agency": services.agency_of(request.user),
            "can_request": services.agency_of(request.user) is not None,
        },
    )


@role_required(*ANYONE_WITH_GRANTS)
def client_list(request):
    return render(
        request,
        "grants/client_list.html",
        {
            "clients": selectors.clients_with_totals(request.user),
            "agency": services.agency_of(request.user),
        },
    )


def _request_form_context(request, form, formset, grant=None) -> dict:
    caps = {}
    fund = grant.fund if grant else services.default_fund()
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
    if services.agency_of(request.user) is None:
        raise Http404
    if request.method == "POST":
        form = GrantForm(request.POST)
        formset = line_item_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            submit = request.POST.get("action") == "submit"
            try:
                grant = services.grant_create(
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
    grant = _own_agency_grant(request, pk)
    if grant.status not in services.EDITABLE:
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
                grant = services.grant_update(
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
                    grant = services.grant_submit(actor=request.user, grant=grant)
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


# --- the request page ----------------------------------------------------------------


def _fund_choices(grant: Grant):
    funds = list(Fund.objects.filter(is_active=True).order_by("kind", "name"))
    return [(f, available_in_fund(f)) for f in funds]


def _file_labelled(form: UploadForm, label: str) -> UploadForm:
    form.fields["file"].label = label
    return form


def _labelled(form: NoteForm, label: str) -> NoteForm:
    form.fields["note"].label = label
    return form


def _detail(request, grant: Grant, status: int = 200, **forms):
    user = request.user
    is_own_agency = (
        agency := services.agency_of(user)
    ) is not None and agency.pk == grant.agency_id
    can_decide = has_role(user, *DECIDERS)
    funds = _fund_choices(grant) if can_decide else []
    approve_form = forms.get("approve_form") or ApproveForm(initial={"fund": grant.fund})
    approve_form.fields["fund"].label_from_instance = lambda f: (
        f"{f.name} ({format_gbp(available_in_fund(f))} available)"
    )
    approvers = services.current_approvers(grant)
    context = {
        "grant": grant,
        "line_items": grant.line_items.all(),
        "quotes": grant.documents.filter(kind=Document.Kind.QUOTE),
        "receipts": grant.documents.filter(kind=Document.Kind.RECEIPT),
        "events": grant.events.select_related("actor"),
        "approvals": grant.approvals.filter(superseded=False).select_related("approver"),
        "approvals_needed": services.approvals_needed(grant),
        "age": selectors.age_of(grant),
        "payout": getattr(grant, "payout", None),
        "outcome": getattr(grant, "outcome", None),
        "is_own_agency": is_own_agency,
        "can_decide": can_decide,
        "can_edit": is_own_agency and grant.status in services.EDITABLE,
        "can_withdraw": is_own_agency and S.WITHDRAWN in services.ALLOWED_TRANSITIONS[grant.status],
        "can_upload_quote": (is_own_agency or can_decide) and grant.status in services.QUOTE_STATES,
        "can_upload_receipt": (is_own_agency or can_decide)
        and grant.status in services.RECEIPT_STATES,
        "can_record_outcome": is_own_agency
        and grant.status in services.OUTCOME_STATES
        and not hasattr(grant, "outcome"),
        "awaiting_decision": can_decide and grant.status in services.AWAITING_DECISION,
        "already_approved": user.pk in approvers,
        "is_requester": grant.requester_id == user.pk,
        "can_pay": can_decide and grant.status == S.APPROVED,
        "sole_approver": set(approvers) == {user.pk},
        "can_close": can_decide and grant.status == S.RECEIPT_RECEIVED,
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


@role_required(*ANYONE_WITH_GRANTS)
def request_detail(request, pk: int):
    return _detail(request, _grant_for(request, pk))


def _run(request, grant: Grant, action, success: str):
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
    grant = _own_agency_grant(request, pk)
    _run(
        request,
        grant,
        lambda: services.grant_submit(actor=request.user, grant=grant),
        f"{grant.reference} is sent to the fund.",
    )
    return redirect("grants:detail", grant.pk)


@require_POST
@role_required(Role.KEY_WORKER)
def request_withdraw(request, pk: int):
    grant = _own_agency_grant(request, pk)
    form = NoteForm(request.POST, prefix="withdraw")
    form.fields["note"].required = False
    if not form.is_valid():
        return _detail(request, grant, status=400, withdraw_form=form)
    _run(
        request,
        grant,
        lambda: services.grant_withdraw(
            actor=request.user, grant=grant, note=form.cleaned_data["note"]
        ),
        f"{grant.reference} is withdrawn.",
    )
    return redirect("grants:detail", grant.pk)


def _note_action(request, pk, prefix, service, success, form_key):
    grant = _grant_for(request, pk)
    form = NoteForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _detail(request, grant, status=400, **{form_key: form})
    _run(
        request,
        grant,
        lambda: service(grant, form.cleaned_data["note"]),
        success.format(grant.reference),
    )
    return redirect("grants:detail", grant.pk)


@require_POST
@role_required(*DECIDERS)
def request_info(request, pk: int):
    return _note_action(
        request,
        pk,
        "info",
        lambda grant, note: services.grant_request_info(actor=request.user, grant=grant, note=note),
        "{} is sent back to the key worker for more information.",
        "info_form",
    )


@require_POST
@role_required(*DECIDERS)
def request_decline(request, pk: int):
    return _note_action(
        request,
        pk,
        "decline",
        lambda grant, note: services.grant_decline(actor=request.user, grant=grant, reason=note),
        "{} is declined.",
        "decline_form",
    )


@require_POST
@role_required(*DECIDERS)
def request_cancel(request, pk: int):
    return _note_action(
        request,
        pk,
        "cancel",
        lambda grant, note: services.grant_cancel(actor=request.user, grant=grant, reason=note),
        "{} is cancelled and its commitment reversed.",
        "cancel_form",
    )


@require_POST
@role_required(*DECIDERS)
def request_approve(request, pk: int):
    grant = _grant_for(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _detail(request, grant, status=400, approve_form=form)
    result = {}

    def approve():
        result["grant"] = services.grant_approve(
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


@require_POST
@role_required(*DECIDERS)
def request_payout(request, pk: int):
    grant = _grant_for(request, pk)
    form = PayoutForm(request.POST)
    if not form.is_valid():
        return _detail(request, grant, status=400, payout_form=form)
    data = form.cleaned_data
    _run(
        request,
        grant,
        lambda: services.grant_record_payout(
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
@role_required(*DECIDERS)
def request_close(request, pk: int):
    grant = _grant_for(request, pk)
    _run(
        request,
        grant,
        lambda: services.grant_close(actor=request.user, grant=grant),
        f"{grant.reference} is closed.",
    )
    return redirect("grants:detail", grant.pk)


def _upload(request, pk: int, kind: str):
    grant = _grant_for(request, pk)
    # The request is already known to be at most settings.MAX_UPLOAD_REQUEST_BYTES
    # (people.middleware.RequestSizeLimitMiddleware); the form refuses a file over the limit
    # for each file, with the message beside the field.
    form = UploadForm(request.POST, request.FILES, prefix=kind)
    if not form.is_valid():
        return _detail(request, grant, status=400, **{f"{kind}_form": form})
    _run(
        request,
        grant,
        lambda: services.document_upload(
            actor=request.user, grant=grant, kind=kind, upload=form.cleaned_data["file"]
        ),
        f"The {kind} is uploaded.",
    )
    return redirect("grants:detail", grant.pk)


@require_POST
@role_required(Role.KEY_WORKER, *DECIDERS)
def quote_upload(request, pk: int):
    return _upload(request, pk, Document.Kind.QUOTE)


@require_POST
@role_required(Role.KEY_WORKER, *DECIDERS)
def receipt_upload(request, pk: int):
    return _upload(request, pk, Document.Kind.RECEIPT)


@require_POST
@role_required(Role.KEY_WORKER)
def outcome_record(request, pk: int):
    grant = _own_agency_grant(request, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _detail(request, grant, status=400, outcome_form=form)
    data = form.cleaned_data
    _run(
        request,
        grant,
        lambda: services.grant_record_outcome(
            actor=request.user,
            grant=grant,
            barrier_removed=data["barrier_removed"],
            note=data["note"],
            consent_to_share=data["consent_to_share"],
        ),
        "The outcome is recorded. Thank you.",
    )
    return redirect("grants:detail", grant.pk)


@role_required(*ANYONE_WITH_GRANTS)
def document_download(request, pk: int, document_id: int):
    grant = _grant_for(request, pk)
    document = get_object_or_404(Document, pk=document_id, grant=grant)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.display_name,
        content_type=document.content_type,
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- fund staff ----------------------------------------------------------------------


@role_required(*STAFF)
def queue(request):
    agencies = Agency.objects.order_by("name")
    categories = Account.objects.filter(is_grant_category=True).order_by("name")
    form = QueueFilterForm(request.GET or None, agencies=agencies, categories=categories)
    filters = form.cleaned_data if form.is_valid() else {}
    grants = list(
        selectors.decision_queue(
            status=filters.get("status", ""),
            agency_id=filters.get("agency", ""),
            category_id=filters.get("category", ""),
        )[:200]
    )
    rows = [(g, selectors.age_of(g)) for g in grants]
    return render(request, "grants/queue.html", {"form": form, "rows": rows})


@role_required(*STAFF)
def follow_up(request):
    return render(
        request,
        "grants/follow_up.html",
        {
            "missing_receipts": selectors.missing_receipts(),
            "outcomes_due": selectors.outcomes_due(),
        },
    )


@role_required(*LIMIT_READER_ROLES)
def limits(request):
    return render(request, "grants/limits.html", _limits_context(request))


def _limits_context(request):
    funds = []
    for fund in Fund.objects.filter(is_active=True).order_by("kind", "name"):
        rules = FundRules.objects.get(fund=fund)
        rules_form = RulesForm(
            prefix=f"rules-{fund.pk}",
            initial={
                "per_grant_cap": rules.per_grant_cap.amount,
                "per_client_12_month_cap": rules.per_client_12_month_cap.amount,
                "two_approver_threshold": rules.two_approver_threshold.amount,
            },
        )
        caps = [
            (cap, CapForm(prefix=f"cap-{cap.pk}", initial={"cap": cap.cap.amount}))
            for cap in CategoryCap.objects.filter(fund=fund)
            .select_related("account")
            .order_by("account__name")
        ]
        funds.append(
            {
                "fund": fund,
                "rules": rules,
                "rules_form": rules_form,
                "caps": caps,
                "history": rules.history.select_related("history_user")[:5],
            }
        )
    return {"funds": funds, "can_edit": has_role(request.user, Role.FUND_MANAGER)}


@require_POST
@role_required(Role.FUND_MANAGER)
def limits_rules(request, fund_id: int):
    fund = get_object_or_404(Fund, pk=fund_id, is_active=True)
    form = RulesForm(request.POST, prefix=f"rules-{fund.pk}")
    if not form.is_valid():
        return _limits_invalid(request, ("rules", fund.pk), form)
    fund_rules_update(
        actor=request.user,
        fund=fund,
        **{name: Money(value, "GBP") for name, value in form.cleaned_data.items()},
    )
    messages.success(request, f"The limits for {fund.name} are saved.")
    return redirect("grants:limits")


def _limits_invalid(request, key, form):
    context = _limits_context(request)
    for entry in context["funds"]:
        if key[0] == "rules" and entry["fund"].pk == key[1]:
            entry["rules_form"] = form
        entry["caps"] = [(cap, form if key == ("cap", cap.pk) else f) for cap, f in entry["caps"]]
    return render(request, "grants/limits.html", context, status=400)


@require_POST
@role_required(Role.FUND_MANAGER)
def limits_cap(request, cap_id: int):
    cap = get_object_or_404(CategoryCap.objects.select_related("fund", "account"), pk=cap_id)
    form = CapForm(request.POST, prefix=f"cap-{cap.pk}")
    if not form.is_valid():
        return _limits_invalid(request, ("cap", cap.pk), form)
    category_cap_set(
        actor=request.user,
        fund=cap.fund,
        account=cap.account,
        cap=Money(form.cleaned_data["cap"], "GBP"),
    )
    messages.success(
        request,
        f"The cap for {cap.account.name} in {cap.fund.name} is now "
        f"{format_gbp(Money(form.cleaned_data['cap'], 'GBP'))}.",
    )
    return redirect("grants:limits")
