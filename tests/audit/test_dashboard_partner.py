"""The partner view: aggregate grant figures per quarter for commissioners, no client data."""

import pytest
from django.urls import reverse

from grants.models import Client, Grant, Outcome
from tests.audit.conftest import CLIENT_NAME
from tests.audit.test_dashboard_staff import bar_values, table_cells
from tests.browser import assert_accessible, assert_no_horizontal_scroll

Q3, Q4 = "Jul to Sep 2026", "Oct to Dec 2026"


def partner_csv(client, slug, **params) -> dict[str, dict]:
    import csv
    import io

    response = client.get(reverse("audit:partner_csv", args=[slug]), params)
    assert response.status_code == 200
    return {r["Quarter"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}


def test_partner_view_is_for_partners_and_staff_only(client, partner, officer, key_worker, db):
    assert client.get(reverse("audit:partner")).status_code == 302
    client.force_login(key_worker)
    assert client.get(reverse("audit:partner")).status_code == 403
    for user in (partner, officer):
        client.force_login(user)
        assert client.get(reverse("audit:partner")).status_code == 200


def test_partners_cannot_open_the_staff_dashboard(client, partner, db):
    client.force_login(partner)
    assert client.get(reverse("audit:dashboard")).status_code == 403


def test_grants_by_category_and_agency_per_quarter(
    client, partner, grants_world, at_noon_26_november
):
    client.force_login(partner)
    categories = partner_csv(client, "grants-by-category")
    assert list(categories) == ["Jan to Mar 2026", "Apr to Jun 2026", Q3, Q4]
    assert categories[Q4]["Phone"] == "5"
    assert categories[Q3]["Travel"] == "1"  # the declined travel request is not a grant
    assert categories[Q4]["Travel"] == "0"

    agencies = partner_csv(client, "grants-by-agency")
    assert agencies[Q4]["Complex Lives Team"] == "5"
    assert agencies[Q3]["Riverside Hostel"] == "1"
    approved = Grant.objects.filter(approved_at__isnull=False)
    assert sum(int(r["Total"]) for r in agencies.values()) == approved.count() == 6


def test_speed_and_outcomes_per_quarter(client, partner, grants_world, at_noon_26_november):
    client.force_login(partner)
    speed = partner_csv(client, "decision-speed")
    assert speed[Q4]["Decision, median"] == "6.0"
    assert speed[Q4]["Payment, median"] == "28.0"
    assert speed[Q3]["Decision, median"] == "13.5"
    assert speed[Q3]["Decision, 90th percentile"] == "21.9"

    outcomes = partner_csv(client, "outcomes")
    assert outcomes[Q4] == {
        "Quarter": Q4,
        "Barrier removed: yes": "1",
        "Barrier removed: partly": "1",
        "Barrier removed: no": "1",
        "Total": "3",
    }
    assert Outcome.objects.filter(recorded_at__month__gte=10).count() == 3


def test_a_chosen_date_range_sets_the_quarters(client, partner, grants_world, at_noon_26_november):
    client.force_login(partner)
    rows = partner_csv(client, "grants-by-category", date_from="2026-07-01", date_to="2026-09-30")
    assert list(rows) == [Q3]


def test_partner_view_shows_no_client_data(client, partner, grants_world, at_noon_26_november):
    client.force_login(partner)
    page = client.get(reverse("audit:partner")).content.decode()
    for reference in Client.objects.values_list("reference", flat=True):
        assert reference not in page
    assert CLIENT_NAME not in page
    assert "Clientname" not in page
    assert "G-0" not in page  # grant references
    for grant in Grant.objects.all():
        assert grant.own_words not in page


def test_partner_chart_tables_match_their_bars(client, partner, grants_world, at_noon_26_november):
    client.force_login(partner)
    page = client.get(reverse("audit:partner")).content.decode()
    for slug in ("grants-by-category", "grants-by-agency", "outcomes"):
        table, bars = table_cells(page, slug), bar_values(page, slug)
        assert set(table) == set(bars)
        for label, cells in table.items():
            figures = [int(v) for v in cells[:-1]]  # the last column is the total
            assert sorted(int(v) for v in bars[label].values()) == sorted(v for v in figures if v)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_partner_view_in_chromium_is_accessible(
    browse, partner, grants_world, at_noon_26_november, width
):
    page = browse(partner, width=width, path="/audit/partner/")
    assert page.get_by_role("heading", name="What the fund did, per quarter").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
