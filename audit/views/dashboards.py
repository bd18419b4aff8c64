"""The staff dashboard, the partner view and their CSV downloads: thin views over
``audit.dashboards``."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from audit.dashboards.balances import (
    available_chart,
    cash_not_banked,
    fund_positions,
    restricted_funds,
)
from audit.dashboards.grant_counts import grants_per_quarter_by, outcomes_chart, receipts_missing
from audit.dashboards.money_by_month import grants_by_category, income_by_channel
from audit.dashboards.periods import Period, month_buckets, quarter_buckets
from audit.dashboards.small_numbers import SMALL_NUMBER
from audit.dashboards.waits import speed_chart, waiting_chart
from audit.forms.dashboards import DashboardFilterForm, PartnerFilterForm
from banking.selectors import suspense_open
from donations.selectors.online import latest_stripe_check
from grants.selectors import RECEIPT_DUE_DAYS, promise_hours, promise_share_last_12_months
from people.access import STAFF_ROLES, role_required
from people.roles import PARTNER_VIEW_ROLES

NOW_CHARTS = {"fund-balances", "requests-waiting"}


def _charts(period: Period, positions) -> dict:
    """Every chart on the dashboard, by slug, in the order they are shown."""
    return {
        "fund-balances": lambda: available_chart(positions),
        "requests-waiting": lambda: waiting_chart(timezone.now(), period.fund),
        "income-by-channel": lambda: income_by_channel(period),
        "grants-by-category": lambda: grants_by_category(period),
        "decision-speed": lambda: speed_chart(month_buckets(period), period.fund),
    }


@role_required(*STAFF_ROLES)
def dashboard(request):
    form = DashboardFilterForm(request.GET or None)
    today = timezone.localdate()
    period = form.period(today)
    positions = fund_positions(period.fund)
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
            "restricted": restricted_funds(today, period.fund),
            "cash": cash_not_banked(period.fund),
            "receipts": receipts_missing(timezone.now(), period.fund),
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
    builders = _charts(period, fund_positions(period.fund))
    if chart not in builders:
        raise Http404("No such chart.")
    return _csv_response(builders[chart](), chart, period)


def _csv_response(chart, name: str, period: Period) -> HttpResponse:
    response = HttpResponse(chart.as_csv(), content_type="text/csv; charset=utf-8")
    suffix = f"-{period.fund.code}" if period.fund else ""
    filename = f"{name}{suffix}-{period.start:%Y-%m-%d}-to-{period.end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


PARTNER_VIEWERS = PARTNER_VIEW_ROLES


def _partner_charts(period: Period) -> dict:
    quarters = quarter_buckets(period.start, period.end)
    return {
        "grants-by-category": lambda: grants_per_quarter_by(
            quarters,
            field="category",
            slug="grants-by-category",
            title="Grants by category, per quarter",
            other_label="Other",
        ),
        "grants-by-agency": lambda: grants_per_quarter_by(
            quarters,
            field="agency",
            slug="grants-by-agency",
            title="Grants by agency, per quarter",
            other_label="Other agencies",
        ),
        # Partners see no figure small enough to point to a person (SMALL_NUMBER, in
        # audit.dashboards.small_numbers), as on the public transparency page.
        "decision-speed": lambda: speed_chart(
            quarters, row_heading="Quarter", min_count=SMALL_NUMBER
        ),
        "outcomes": lambda: outcomes_chart(quarters),
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
