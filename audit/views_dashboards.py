"""The staff dashboard, its CSV downloads and the public transparency page: thin views
over ``audit.dashboards`` and ``audit.transparency``."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from audit import dashboards
from audit.forms_dashboards import DashboardFilterForm
from audit.transparency import CACHE_SECONDS, cached_transparency_figures
from fund.access import STAFF_ROLES, role_required


def _charts(period: dashboards.Period, positions) -> dict:
    """Every chart on the dashboard, by slug, in the order they are shown."""
    return {
        "fund-balances": lambda: dashboards.available_chart(positions),
        "income-by-channel": lambda: dashboards.income_by_channel(period),
        "grants-by-category": lambda: dashboards.grants_by_category(period),
    }


@role_required(*STAFF_ROLES)
def dashboard(request):
    form = DashboardFilterForm(request.GET or None)
    today = timezone.localdate()
    period = form.period(today)
    positions = dashboards.fund_positions(period.fund)
    query = request.GET.urlencode() if form.is_valid() else ""
    charts = [
        (build(), reverse("audit:dashboard_csv", args=[slug]) + (f"?{query}" if query else ""))
        for slug, build in _charts(period, positions).items()
    ]
    return render(
        request,
        "audit/dashboards/staff.html",
        {
            "form": form,
            "period": period,
            "positions": positions,
            "charts": charts,
            "restricted": dashboards.restricted_funds(today, period.fund),
            "cash": dashboards.cash_not_banked(period.fund),
        },
    )


@role_required(*STAFF_ROLES)
def dashboard_csv(request, chart: str):
    form = DashboardFilterForm(request.GET or None)
    period = form.period(timezone.localdate())
    builders = _charts(period, dashboards.fund_positions(period.fund))
    if chart not in builders:
        raise Http404("No such chart.")
    built = builders[chart]()
    response = HttpResponse(built.as_csv(), content_type="text/csv; charset=utf-8")
    suffix = f"-{period.fund.code}" if period.fund else ""
    name = f"{chart}{suffix}-{period.start:%Y-%m-%d}-to-{period.end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def transparency(request):
    """The public page: no sign-in; figures from the cache, refreshed every few minutes."""
    response = render(
        request,
        "audit/transparency.html",
        {"figures": cached_transparency_figures(), "refresh_minutes": CACHE_SECONDS // 60},
    )
    if not request.user.is_authenticated:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response
