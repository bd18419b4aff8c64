"""The period-end checklist for one fund, and the lock that closes the period."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.forms.period_close import PeriodCloseForm
from fund.exceptions import InvalidPosting
from fund.models import Fund
from people.access import role_required
from people.roles import Role


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
