"""Bank statement pages: import, lines and their matches, suspense, the reconciliation.

Thin views: every write is a service in ``banking.services``. Staff read; officers and
managers import, match and work lines; managers mark a period reconciled and set rules.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from banking.exceptions import BankingError, StatementRefused
from banking.forms import (
    ClearForm,
    CsvLayoutForm,
    ImportForm,
    ReconciliationForm,
    UndoForm,
    WorkForm,
)
from banking.matching import candidates_for
from banking.models import (
    MATCH_KINDS,
    BankAccount,
    CsvLayout,
    Match,
    MatchKind,
    MatchRule,
    Statement,
    StatementLine,
)
from banking.selectors import lines_to_work, live_match, reconciliation_statement, suspense_open
from banking.services.layouts import csv_layout_create
from banking.services.matching import match_confirm, match_rule_set, match_undo
from banking.services.reconciliation import reconciliation_mark
from banking.services.statements import statement_import
from banking.services.suspense import suspense_clear
from banking.services.worked_lines import line_work
from fund.money import format_gbp
from people.access import has_role, role_required
from people.pages import paged
from people.roles import BANK_MANAGER_ROLES, HANDLER_ROLES, STAFF_ROLES, Role


def _account() -> BankAccount:
    return BankAccount.objects.order_by("pk").first()


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def statements(request):
    account = _account()
    form = ImportForm()
    status = 200
    if request.method == "POST":
        if not has_role(request.user, *HANDLER_ROLES):
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = statement_import(
                    actor=request.user,
                    bank_account=account,
                    content=upload.read(),
                    file_name=upload.name,
                    layout=form.cleaned_data["layout"] or None,
                )
            except StatementRefused as exc:
                form.add_error("file", f"{upload.name} was refused and nothing was imported. {exc}")
            except BankingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"{upload.name}: {result.added} new lines, {result.already_held} already held, "
                    f"{result.auto_matched} matched automatically.",
                )
                for note in result.left_unmatched_notes():
                    messages.warning(request, note)
                if result.gap is not None:
                    messages.warning(
                        request,
                        f"Balance gap of {format_gbp(result.gap)}: the new lines do not follow on "
                        "from the last closing balance "
                        f"{format_gbp(result.statement.previous_closing)}.",
                    )
                return redirect("banking:statements")
        status = 400
    return render(
        request,
        "banking/statements.html",
        {
            "form": form,
            "account": account,
            "statements": Statement.objects.select_related("imported_by")[:50],
            "may_import": has_role(request.user, *HANDLER_ROLES),
        },
        status=status,
    )


@role_required(*STAFF_ROLES)
def lines(request):
    account = _account()
    open_lines = list(lines_to_work(account)[:200])
    found = candidates_for(account, open_lines)
    return render(
        request,
        "banking/lines.html",
        {"rows": [(line, found[line.pk]) for line in open_lines], "account": account},
    )


def _line_page(request, line, *, work_form=None, undo_form=None, status=200):
    match = live_match(line)
    return render(
        request,
        "banking/line.html",
        {
            "line": line,
            "match": match,
            "history": line.matches.select_related("confirmed_by", "undone_by").order_by("pk"),
            "candidates": [] if match else candidates_for(line.bank_account, [line])[line.pk],
            "work_form": work_form or WorkForm(),
            "undo_form": undo_form or UndoForm(),
            "may_act": has_role(request.user, *HANDLER_ROLES),
        },
        status=status,
    )


@role_required(*STAFF_ROLES)
def line_detail(request, pk: int):
    return _line_page(request, get_object_or_404(StatementLine, pk=pk))


@role_required(*HANDLER_ROLES)
@require_POST
def line_match(request, pk: int):
    line = get_object_or_404(StatementLine, pk=pk)
    try:
        match_confirm(
            actor=request.user,
            line=line,
            key=request.POST.get("candidate", ""),
            reason=request.POST.get("reason", "")[:300],
        )
    except BankingError as exc:
        messages.error(request, str(exc))
        return redirect("banking:line", pk=line.pk)
    messages.success(request, "Match confirmed.")
    return redirect("banking:lines")


@role_required(*HANDLER_ROLES)
@require_POST
def line_work_view(request, pk: int):
    line = get_object_or_404(StatementLine, pk=pk)
    form = WorkForm(request.POST)
    if form.is_valid():
        try:
            line_work(actor=request.user, line=line, **form.cleaned_data)
        except BankingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Line worked into the ledger.")
            return redirect("banking:lines")
    return _line_page(request, line, work_form=form, status=400)


@role_required(*HANDLER_ROLES)
@require_POST
def match_undo_view(request, pk: int):
    match = get_object_or_404(Match, pk=pk, undone_at__isnull=True)
    form = UndoForm(request.POST)
    if form.is_valid():
        try:
            match_undo(actor=request.user, match=match, reason=form.cleaned_data["reason"])
        except BankingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Match undone; it stays in the line's history.")
            return redirect("banking:line", pk=match.line_id)
    return _line_page(request, match.line, undo_form=form, status=400)


@role_required(*STAFF_ROLES)
def suspense(request):
    return render(request, "banking/suspense.html", {"items": suspense_open()})


@role_required(*HANDLER_ROLES)
@require_http_methods(["GET", "POST"])
def suspense_clear_view(request, pk: int):
    match = get_object_or_404(Match, pk=pk, kind="unknown_receipt", undone_at__isnull=True)
    form = ClearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suspense_clear(actor=request.user, match=match, **form.cleaned_data)
        except BankingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Cleared from suspense.")
            return redirect("banking:suspense")
    return render(
        request,
        "banking/suspense_clear.html",
        {"form": form, "match": match},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.FUND_MANAGER)
@require_http_methods(["GET", "POST"])
def rules(request):
    if request.method == "POST":
        for kind in MATCH_KINDS:
            match_rule_set(actor=request.user, kind=kind, automatic=request.POST.get(kind) == "on")
        messages.success(request, "Automatic matching rules saved.")
        return redirect("banking:rules")
    on = set(MatchRule.objects.filter(automatic=True).values_list("kind", flat=True))
    return render(
        request,
        "banking/rules.html",
        {"kinds": [(k, MatchKind(k).label, k in on) for k in MATCH_KINDS]},
    )


@role_required(*BANK_MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def layouts(request):
    """A manager defines a bank's CSV layout (which column is what) without code."""
    form = CsvLayoutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            layout = csv_layout_create(actor=request.user, **form.layout_fields())
        except BankingError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"Layout {layout.name} saved: choose it on the import page, or give "
                f"--layout {layout.name} to import_bank_statement.",
            )
            return redirect("banking:layouts")
    return render(
        request,
        "banking/layouts.html",
        {"form": form, "layouts": CsvLayout.objects.select_related("created_by")},
        status=400 if request.method == "POST" else 200,
    )


@role_required(*STAFF_ROLES)
def reconciliation(request):
    account = _account()
    form = ReconciliationForm(request.GET or {"as_of": timezone.localdate().isoformat()})
    as_of = form.cleaned_data["as_of"] if form.is_valid() else timezone.localdate()
    figures = reconciliation_statement(account, as_of)
    return render(
        request,
        "banking/reconciliation.html",
        {
            "form": form,
            "figures": figures,
            # Both lists paged (the exports carry them whole): months of payments not yet
            # on an imported statement would otherwise be one page of thousands of rows.
            "items": paged(request, figures.not_on_statement, param="items"),
            "lines": paged(request, figures.not_in_ledger, param="lines"),
            "may_mark": has_role(request.user, Role.FUND_MANAGER),
        },
    )


@role_required(Role.FUND_MANAGER)
@require_POST
def reconciliation_mark_view(request):
    form = ReconciliationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the statement date.")
        return redirect("banking:reconciliation")
    as_of: date = form.cleaned_data["as_of"]
    try:
        reconciliation_mark(actor=request.user, bank_account=_account(), as_of=as_of)
    except BankingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Marked reconciled at {as_of:%d %b %Y}.")
    return redirect(f"{reverse('banking:reconciliation')}?as_of={as_of.isoformat()}")
