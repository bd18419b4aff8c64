"""Thin views over grants.services: forms in, services called, messages out.

Objects outside a user's scope are a 404, never a 403, so nobody learns they exist.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from djmoney.money import Money

from fund.bank_share import bank_share
from fund.exceptions import LedgerError
from fund.models import Account, CategoryCap, Fund, FundRules
from fund.money import format_gbp
from fund.selectors import available_in_fund
from fund.services import category_cap_set, fund_rules_update
from grants import selectors
from grants.access import GrantPermissions
from grants.exceptions import GrantError
from grants.forms import (
    AgencyForm,
    ApproveForm,
    CapForm,
    DeactivateForm,
    GrantForm,
    InviteForm,
    NoteForm,
    OutcomeForm,
    PayoutForm,
    QueueFilterForm,
    RoleForm,
    RulesForm,
    UploadForm,
    line_item_formset,
)
from grants.models import Agency, Document, Grant, KeyWorker, category_label
from grants.services.agencies import (
    agency_create,
    agency_update,
    key_worker_deactivate,
    key_worker_set,
)
from grants.services.checks import CLOSED_STATES, EDITABLE, agency_of
from grants.services.decisions import (
    approvals_needed,
    grant_approve,
    grant_cancel,
    grant_decline,
    grant_request_info,
)
from grants.services.documents import document_upload
from grants.services.payments import grant_close, grant_record_outcome, grant_record_payout
from grants.services.requests import (
    default_fund,
    grant_create,
    grant_submit,
    grant_update,
    grant_withdraw,
)
from people import services as people_services
from people.access import has_role, role_required
from people.exceptions import PeopleError
from people.models import INVITATION_DAYS, PersonChange
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
    agency = agency_of(request.user)
    if agency is None:
        raise Http404
    return get_object_or_404(Grant, pk=pk, agency=agency)


# --- key workers: their agency's requests --------------------------------------------


@role_required(*ANYONE_WITH_GRANTS)
def request_list(request):
    if selectors.sees_all_grants(request.user) and agency_of(request.user) is None:
        return redirect("grants:queue")
    grants = selectors.grants_visible_to(request.user).order_by("-created_at")
    return render(
        request,
        "grants/request_list.html",
        {
            "grants": grants,
            "agency": agency_of(request.user),
            "can_request": agency_of(request.user) is not None,
        },
    )


@role_required(*ANYONE_WITH_GRANTS)
def client_list(request):
    return render(
        request,
        "grants/client_list.html",
        {
            "clients": selectors.clients_with_totals(request.user),
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
    grant = _own_agency_grant(request, pk)
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
        lambda: grant_submit(actor=request.user, grant=grant),
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
        lambda: grant_withdraw(actor=request.user, grant=grant, note=form.cleaned_data["note"]),
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
        lambda grant, note: grant_request_info(actor=request.user, grant=grant, note=note),
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
        lambda grant, note: grant_decline(actor=request.user, grant=grant, reason=note),
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
        lambda grant, note: grant_cancel(actor=request.user, grant=grant, reason=note),
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
@role_required(*DECIDERS)
def request_close(request, pk: int):
    grant = _grant_for(request, pk)
    _run(
        request,
        grant,
        lambda: grant_close(actor=request.user, grant=grant),
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
        lambda: document_upload(
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
    now = timezone.now()
    rows = [(g, selectors.age_of(g, now), selectors.promise_of(g, now)) for g in grants]
    return render(
        request,
        "grants/queue.html",
        {"form": form, "rows": rows, "promise_hours": selectors.promise_hours()},
    )


@role_required(*LIMIT_READER_ROLES)
def decisions(request):
    """Decisions and times per officer over 90 days, and what is waiting on whom."""
    now = timezone.now()
    return render(
        request,
        "grants/decisions.html",
        {
            "officers": selectors.decisions_by_officer(now - timedelta(days=90)),
            "waiting": selectors.waiting_on_whom(now),
            "promise_hours": selectors.promise_hours(),
        },
    )


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


# --- agencies and people (fund manager) -------------------------------------------------


@role_required(Role.FUND_MANAGER)
def agencies(request):
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = agency_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", " ".join(error.messages))
        else:
            messages.success(request, f"{agency.name} is added.")
            return redirect("grants:agencies")
    return render(
        request,
        "grants/agencies.html",
        {"agencies": Agency.objects.annotate(workers=Count("key_workers")), "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.FUND_MANAGER)
def agency_edit(request, pk: int):
    agency = get_object_or_404(Agency, pk=pk)
    form = AgencyForm(
        request.POST or None, initial={"name": agency.name, "is_active": agency.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            agency = agency_update(actor=request.user, agency=agency, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("name", " ".join(error.messages))
        else:
            messages.success(request, f"{agency.name} is saved.")
            return redirect("grants:agency_edit", pk=agency.pk)
    return render(
        request,
        "grants/agency_edit.html",
        {
            "agency": agency,
            "form": form,
            "history": agency.history.select_related("history_user")[:10],
        },
        status=400 if form.errors else 200,
    )


def _people_rows():
    User = get_user_model()
    agencies_by_user = dict(KeyWorker.objects.values_list("user_id", "agency__name"))
    rows = []
    for person in User.objects.prefetch_related("groups").order_by("-is_active", "username"):
        role = next((r.value for r in Role if r.value in {g.name for g in person.groups.all()}), "")
        if not role:
            continue
        rows.append({"person": person, "role": role, "agency": agencies_by_user.get(person.pk)})
    return rows


def _invite_link(request):
    return lambda token: request.build_absolute_uri(
        reverse("people:invitation_accept", args=[token])
    )


@role_required(Role.FUND_MANAGER)
def people_list(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                invitation = people_services.invitation_create(
                    actor=request.user,
                    email=data["email"],
                    role=Role(data["role"]),
                    link_for=_invite_link(request),
                )
                if data["role"] == Role.KEY_WORKER.value:
                    key_worker_set(actor=request.user, user=invitation.user, agency=data["agency"])
        except PeopleError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                f"An invitation is on its way to {invitation.email}. The link works once, "
                f"for {INVITATION_DAYS} days.",
            )
            return redirect("grants:people")
    return render(
        request,
        "grants/people.html",
        {"rows": _people_rows(), "form": form},
        status=400 if form.errors else 200,
    )


def _person_context(request, person, role_form=None, deactivate_form=None):
    profile = KeyWorker.objects.filter(user=person).select_related("agency").first()
    successors = get_user_model().objects.none()
    if profile is not None:
        successors = (
            get_user_model()
            .objects.filter(key_worker__agency=profile.agency, is_active=True)
            .exclude(pk=person.pk)
            .order_by("username")
        )
    return {
        "person": person,
        "role": people_services.role_of(person),
        "profile": profile,
        "is_self": person.pk == request.user.pk,
        "open_requests": Grant.objects.filter(requester=person)
        .exclude(status__in=CLOSED_STATES)
        .count(),
        "role_form": role_form
        or RoleForm(
            initial={
                "role": people_services.role_of(person),
                "agency": profile.agency_id if profile else None,
            }
        ),
        "deactivate_form": deactivate_form or DeactivateForm(successors=successors),
        "successors": successors,
        "changes": PersonChange.objects.filter(person=person).select_related("actor")[:20],
        "invitation": person.invitations.first(),
    }


def _person(pk):
    person = get_object_or_404(get_user_model(), pk=pk)
    if not people_services.role_of(person):
        raise Http404
    return person


@role_required(Role.FUND_MANAGER)
def person_detail(request, pk: int):
    return render(request, "grants/person.html", _person_context(request, _person(pk)))


@require_POST
@role_required(Role.FUND_MANAGER)
def person_role(request, pk: int):
    person = _person(pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        role = Role(form.cleaned_data["role"])
        try:
            with transaction.atomic():
                people_services.role_change(actor=request.user, person=person, role=role)
                agency = form.cleaned_data["agency"]
                profile = KeyWorker.objects.filter(user=person).first()
                if role == Role.KEY_WORKER and (profile is None or profile.agency != agency):
                    key_worker_set(actor=request.user, user=person, agency=agency)
                    people_services.change_record(
                        actor=request.user,
                        person=person,
                        kind=PersonChange.Kind.AGENCY_CHANGED,
                        detail=f"to {agency}",
                    )
        except PeopleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{person.get_username()} is now a {role.value.lower()}.")
            return redirect("grants:person", pk=person.pk)
    context = _person_context(request, person, role_form=form)
    return render(request, "grants/person.html", context, status=400)


@require_POST
@role_required(Role.FUND_MANAGER)
def person_deactivate(request, pk: int):
    person = _person(pk)
    context = _person_context(request, person)
    form = DeactivateForm(request.POST, successors=context["successors"])
    if form.is_valid():
        try:
            moved = key_worker_deactivate(
                actor=request.user, person=person, successor=form.cleaned_data["successor"]
            )
        except (PeopleError, GrantError) as error:
            form.add_error(None, str(error))
        else:
            passed = f" {moved} open request(s) passed on." if moved else ""
            messages.success(
                request, f"{person.get_username()} is deactivated and signed out.{passed}"
            )
            return redirect("grants:person", pk=person.pk)
    context["deactivate_form"] = form
    return render(request, "grants/person.html", context, status=400)
