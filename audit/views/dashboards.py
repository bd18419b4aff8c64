"""The staff dashboard, the partner view and their CSV downloads: thin views over
``audit.dashboards``."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from audit import dashboards
from audit.forms.dashboards import DashboardFilterForm, PartnerFilterForm
from banking.selectors import suspense_open
from donations.selectors.online import latest_stripe_check
from grants.selectors import RECEIPT_DUE_DAYS, promise_hours, promise_share_last_12_months
from people.access import STAFF_ROLES, role_required
from people.roles import PARTNER_VIEW_ROLES

NOW_CHARTS = {"fund-balances", "requests-waiting"}


def _charts(period: dashboards.Period, positions) -> dict:
    """Every chart on the dashboard, by slug, in the order they are shown."""
    return {
        "fund-balances": lambda: dashboards.available_chart(positions),
        "requests-waiting": lambda: dashboards.waiting_chart(timezone.now(), period.fund),
        "income-by-channel": lambda: dashboards.income_by_channel(period),
        "grants-by-category": lambda: dashboards.grants_by_category(period),
        "decision-speed": lambda: dashboards.speed_chart(
            dashboards.month_buckets(period), period.fund
        ),
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
            "now_charts": [c for c in charts if c[0].slug in NOW_CHARTS],
            "period_charts": [c for c in charts if c[0].slug not in NOW_CHARTS],
            "restricted": dashboards.restricted_funds(today, period.fund),
            "cash": dashboards.cash_not_banked(period.fund),
            "receipts": dashboards.receipts_missing(timezone.now(), period.fund),
            "receipt_due_days": RECEIPT_DUE_DAYS,
            "promise_hours": promise_hours(),
            "promise_months": promise_share_last_12_months(today),
            "suspense": suspense_open(),
            "stripe_check": latest_stripe_check(),
        },
    )


@role_required(*STAFF_ROLES)
def dashboard_csv(request, chart: str):
    form = DashboardFilterForm(request.GET or None)
    period = form.period(timezone.localdate())
    builders = _charts(period, dashboards.fund_positions(period.fund))
    if chart not in builders:
        raise Http404("No such chart.")
    return _csv_response(builders[chart](), chart, period)


def _csv_response(chart, name: str, period: dashboards.Period) -> HttpResponse:
    response = HttpResponse(chart.as_csv(), content_type="text/csv; charset=utf-8")
    suffix = f"-{period.fund.code}" if period.fund else ""
    filename = f"{name}{suffix}-{period.start:%Y-%m-%d}-to-{period.end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


PARTNER_VIEWERS = PARTNER_VIEW_ROLES


def _partner_charts(period: dashboards.Period) -> dict:
    quarters = dashboards.quarter_buckets(period.start, period.end)
    return {
        "grants-by-category": lambda: dashboards.grants_per_quarter_by(
            quarters,
            field="category",
            slug="grants-by-category",
            title="Grants by category, per quarter",
            other_label="Other",
        ),
        "grants-by-agency": lambda: dashboards.grants_per_quarter_by(
            quarters,
            field="agency",
            slug="grants-by-agency",
            title="Grants by agency, per quarter",
            other_label="Other agencies",
        ),
        # Partners see no figure small enough to point to a person (audit.dashboards,
        # SMALL_NUMBER), as on the public transparency page.
        "decision-speed": lambda: dashboards.speed_chart(
            quarters, row_heading="Quarter", min_count=dashboards.SMALL_NUMBER
        ),
        "outcomes": lambda: dashboards.outcomes_chart(quarters),
    }


@role_required(*PARTNER_VIEWERS)
def partner(request):
    """What the alliance's commissioners see: aggregate figures only, never a client."""
    form = PartnerFilterForm(request.GET or None)
    period = form.period(timezone.localdate())
    query = request.GET.urlencode() if form.is_valid() else ""
    charts = [
        (build(), reverse("audit:partner_csv", args=[slug]) + (f"?{query}" if query else ""))
        for slug, build in _partner_charts(period).items()
    ]
    return render(
        request, "audit/dashboards/partner.html", {"form": form, "period": period, "charts": charts}
    )


@role_required(*PARTNER_VIEWERS)
def partner_csv(request, chart: str):
    form = PartnerFilterForm(request.GET or None)
    period = form.period(timezone.localdate())
    builders = _partner_charts(period)
    if chart not in builders:
        raise Http404("No such chart.")
    return _csv_response(builders[chart](), f"partner-{chart}", period)
