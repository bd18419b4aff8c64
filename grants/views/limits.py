"""The fund's limits (per-grant, per-client and two-approver) and category caps."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from djmoney.money import Money

from fund.models import CategoryCap, Fund, FundRules
from fund.money import format_gbp
from fund.services.funds import category_cap_set, fund_rules_update
from grants.forms import CapForm, RulesForm
from people.access import has_role, role_required
from people.roles import LIMIT_READER_ROLES, Role


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
