"""The partner view: aggregate grant figures per quarter for commissioners, no client data."""

import re

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


def csv_rows(client, slug, **params) -> list[list[str]]:
    import csv
    import io

    response = client.get(reverse("audit:partner_csv", args=[slug]), params)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


# In the world: Oct to Dec has five phone grants, all through the Complex Lives Team; Jul to
# Sep has one travel grant (Riverside Hostel; the other travel request was declined). As on
# the public transparency page, a category or agency with 1 to 4 grants in a quarter is
# counted in Other, and an Other of 1 to 4 reads "fewer than 5"; that quarter's total is
# then left empty, since it would give the Other away.


def test_grants_by_category_per_quarter_merge_small_numbers(
    client, partner, grants_world, at_noon_26_november
):
    client.force_login(partner)

    assert csv_rows(client, "grants-by-category") == [
        ["Quarter", "Phone", "Other", "Total"],
        ["Jan to Mar 2026", "0", "0", "0"],
        ["Apr to Jun 2026", "0", "0", "0"],
        [Q3, "0", "fewer than 5", ""],
        [Q4, "5", "0", "5"],
    ]


def test_grants_by_agency_per_quarter_merge_small_numbers(
    client, partner, grants_world, at_noon_26_november
):
    client.force_login(partner)

    assert csv_rows(client, "grants-by-agency") == [
        ["Quarter", "Complex Lives Team", "Other agencies", "Total"],
        ["Jan to Mar 2026", "0", "0", "0"],
        ["Apr to Jun 2026", "0", "0", "0"],
        [Q3, "0", "fewer than 5", ""],
        [Q4, "5", "0", "5"],
    ]


def test_speed_per_quarter_gives_no_figure_from_fewer_than_5(
    client, partner, grants_world, at_noon_26_november
):
    client.force_login(partner)

    # Oct to Dec: five decisions (2, 4, 6, 8 and 10 hours) but only two payments; Jul to
    # Sep: two decisions and one payment. The 90th percentile of 2, 4, 6, 8, 10 (inclusive
    # method) is 8 + 0.6 x (10 - 8) = 9.2.
    assert csv_rows(client, "decision-speed") == [
        [
            "Quarter",
            "Decision, median",
            "Decision, 90th percentile",
            "Payment, median",
            "Payment, 90th percentile",
        ],
        ["Jan to Mar 2026", "", "", "", ""],
        ["Apr to Jun 2026", "", "", "", ""],
        [Q3, "", "", "", ""],
        [Q4, "6.0", "9.2", "", ""],
    ]


def test_outcomes_per_quarter_show_small_numbers_as_fewer_than_5(
    client, partner, grants_world, at_noon_26_november
):
    client.force_login(partner)

    assert csv_rows(client, "outcomes") == [
        [
            "Quarter",
            "Barrier removed: yes",
            "Barrier removed: partly",
            "Barrier removed: no",
            "Total",
        ],
        ["Jan to Mar 2026", "0", "0", "0", "0"],
        ["Apr to Jun 2026", "0", "0", "0", "0"],
        ["Jul to Sep 2026", "0", "0", "0", "0"],
        [Q4, "fewer than 5", "fewer than 5", "fewer than 5", ""],
    ]
    assert Outcome.objects.filter(recorded_at__month__gte=10).count() == 3


def test_the_partner_page_shows_fewer_than_5_and_no_small_count(
    client, partner, grants_world, at_noon_26_november
):
    client.force_login(partner)
    page = client.get(reverse("audit:partner")).content.decode()

    categories = page.split('data-chart-table="grants-by-category"', 1)[1].split("</table>")[0]
    headings = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', categories)
    assert headings == ["Quarter", "Phone", "Other", "Total"]
    q3 = re.search(rf"<th scope=\"row\"[^>]*>{Q3}</th>(.*?)</tr>", categories, re.S).group(1)
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r">([^<]*)</td>", q3)]
    assert cells == ["0", "fewer than 5", "–"]
    assert "Travel" not in categories
    assert "Riverside Hostel" not in page


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
            # The last column is the total; a figure shown as "fewer than 5" has no bar.
            figures = [int(v) for v in cells[:-1] if v]
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


def test_the_small_numbers_rule_shared_with_the_public_page():
    from audit.dashboards.small_numbers import merge_small_counts

    merged = merge_small_counts(
        [("Travel", 4), ("Phone", 9), ("Other", 5), ("Clothing", 5), ("ID documents", 1)]
    )

    # Under 5 joins Other, and so does the "Other" category itself, whatever its size.
    assert [(c.label, c.count, c.suppressed) for c in merged] == [
        ("Phone", 9, False),
        ("Clothing", 5, False),
        ("Other", 10, False),
    ]
    merged = merge_small_counts([("Travel", 3), ("Phone", 1)], other_label="Other agencies")
    assert [(c.label, c.count, c.suppressed) for c in merged] == [("Other agencies", 4, True)]
    assert merge_small_counts([("Travel", 0)]) == []
