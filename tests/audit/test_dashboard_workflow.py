"""The staff dashboard's grant-workflow figures: speed, requests waiting, receipts missing."""

from decimal import Decimal
from statistics import median, quantiles

import pytest
from django.urls import reverse

from grants.models import Grant
from tests.audit.test_dashboard_staff import bar_values, chart_csv, table_cells
from tests.browser import assert_accessible, assert_no_horizontal_scroll

D = Decimal


def hours(start, end) -> Decimal:
    return D(int((end - start).total_seconds())) / 3600


def test_speed_per_month_is_the_median_and_90th_percentile_of_the_requests(
    client, officer, grants_world, at_noon_26_november
):
    client.force_login(officer)
    rows = {r["Month"]: r for r in chart_csv(client, "decision-speed")}

    assert rows["Nov 2026"]["Decision, median"] == "6.0"  # 2, 4, 6, 8, 10 hours
    assert rows["Nov 2026"]["Decision, 90th percentile"] == "9.2"
    assert rows["Nov 2026"]["Payment, median"] == "28.0"  # 26 and 30 hours
    assert rows["Nov 2026"]["Payment, 90th percentile"] == "29.6"
    assert rows["Sep 2026"]["Decision, median"] == "13.5"  # 3 (declined) and 24 hours
    assert rows["Sep 2026"]["Decision, 90th percentile"] == "21.9"
    assert rows["Sep 2026"]["Payment, median"] == "48.0"
    assert rows["Sep 2026"]["Payment, 90th percentile"] == "48.0"
    assert rows["Oct 2026"]["Decision, median"] == ""  # no decisions: no figure, not zero

    # The same figures straight from the requests.
    november = [
        hours(g.submitted_at, g.decided_at)
        for g in Grant.objects.filter(decided_at__month=11, decided_at__year=2026)
    ]
    assert sorted(november) == [2, 4, 6, 8, 10]
    assert median(november) == D("6")
    assert quantiles(november, n=10, method="inclusive")[8] == D("9.2")


def test_requests_waiting_are_grouped_by_age_with_urgent_ones_apart(
    client, officer, grants_world, at_noon_26_november
):
    client.force_login(officer)
    rows = {r["Waiting"]: r for r in chart_csv(client, "requests-waiting")}
    assert rows["Under 1 day"] == {
        "Waiting": "Under 1 day",
        "Needed today": "0",
        "Needed this week": "1",
        "Total": "1",
    }
    assert rows["1 to 2 days"]["Needed today"] == "1"
    assert rows["2 to 5 days"]["Total"] == "0"
    assert rows["5 days or more"]["Needed this week"] == "1"
    waiting = Grant.objects.filter(status__in=["submitted", "second_approval"]).count()
    assert sum(int(r["Total"]) for r in rows.values()) == waiting == 3


def test_receipts_missing_counts_grants_paid_two_weeks_ago_without_one(
    client, officer, grants_world, at_noon_26_november
):
    client.force_login(officer)
    page = client.get(reverse("audit:dashboard")).content.decode()
    receipts = page.split('data-testid="receipts"', 1)[1].split("</dl>", 1)[0]
    # phone2 (paid 3 Nov) and travel2 (paid 17 Sep); phone1 has its receipt.
    assert 'data-figure="receipts-missing">2 (£90.00), oldest paid 17 Sep 2026<' in receipts
    assert Grant.objects.filter(status="paid", documents__isnull=True).count() == 2


def test_workflow_figures_follow_the_fund_filter(
    client, officer, grants_world, rsi_fund, at_noon_26_november
):
    client.force_login(officer)
    rows = chart_csv(client, "requests-waiting", fund="rsi")
    assert all(r["Total"] == "0" for r in rows)
    rows = {r["Month"]: r for r in chart_csv(client, "decision-speed", fund="public")}
    assert rows["Nov 2026"]["Decision, median"] == "6.0"


def test_workflow_chart_tables_match_their_bars(client, officer, grants_world, at_noon_26_november):
    client.force_login(officer)
    page = client.get(reverse("audit:dashboard")).content.decode()
    for slug in ("decision-speed", "requests-waiting"):
        table, bars = table_cells(page, slug), bar_values(page, slug)
        assert set(table) == set(bars)
        for label, cells in table.items():
            drawn = sorted(D(v) for v in bars[label].values())
            figures = [D(v) for v in cells if v not in ("", None)]
            if slug == "requests-waiting":
                figures = figures[:-1]  # the total column is not a bar of its own
            assert drawn == sorted(v for v in figures if v > 0)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_dashboard_with_grants_in_chromium_is_accessible(
    browse, manager, grants_world, at_noon_26_november, width
):
    page = browse(manager, width=width, path="/audit/dashboard/")
    assert page.get_by_role(
        "table", name="Hours to a decision and to payment: the figures (hours)"
    ).is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_category_labels_keep_their_capitals(client, officer, grants_world, at_noon_26_november):
    from grants.services.decisions import grant_approve

    grant_approve(actor=officer, grant=grants_world.grants["id"])
    client.force_login(officer)
    rows = {r["Month"]: r for r in chart_csv(client, "grants-by-category")}
    assert rows["Nov 2026"]["ID documents"] == "45.00"


def test_a_speed_chart_of_instant_decisions_is_not_empty():
    """A decision made the moment it was asked for is still a figure (0.0 hours)."""
    from audit.charts import BarRow, Chart, Series

    series = [Series("decision-median", "Decision, median", "#1d70b8")]
    no_figures = Chart(
        slug="s", title="t", series=series, rows=[BarRow("Nov 2026", [None])], unit="hours"
    )
    assert no_figures.is_empty
    instant = Chart(
        slug="s",
        title="t",
        series=series,
        rows=[BarRow("Nov 2026", [Decimal("0.0")])],
        unit="hours",
        stacked=False,
    )
    assert not instant.is_empty
