"""The staff dashboard: every figure against the ledger and the records behind it."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from fund.models import Account, Transfer
from fund.selectors import account_balance, available_in_fund
from tests.browser import assert_accessible, assert_no_horizontal_scroll

D = Decimal


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("audit:dashboard"), params)
    assert response.status_code == 200
    return response


def chart_csv(client, slug, **params) -> list[dict]:
    response = client.get(reverse("audit:dashboard_csv", args=[slug]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def table_cells(html: str, slug: str) -> dict[str, list[str]]:
    """The chart table's rows: row heading to the data-value of each cell."""
    table = html.split(f'data-chart-table="{slug}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S):
        heading = re.search(r'<th scope="row" class="govuk-table__header[^"]*">(.*?)</th>', row)
        if heading:
            rows[heading.group(1)] = re.findall(r'data-value="([^"]*)"', row)
    return rows


def bar_values(html: str, slug: str) -> dict[str, dict[str, str]]:
    """Each bar's segments, by row label: series key to the value it was drawn for."""
    section = html.split(f'data-chart="{slug}"', 1)[1].split("</section>", 1)[0]
    bars = {}
    for label, body in re.findall(r'data-row="([^"]*)">(.*?)</svg>', section, re.S):
        bars[label] = dict(re.findall(r'data-series="([^"]*)" data-value="([^"]*)"', body))
    return bars


def ledger_net(code: str, start, end, fund=None, credit_normal=True) -> Decimal:
    """An independent ledger query: an account's net movement over a date range."""
    transfers = Transfer.objects.filter(
        entry__effective_date__gte=start, entry__effective_date__lte=end
    )
    if fund is not None:
        transfers = transfers.filter(fund=fund)
    credits = sum((t.amount.amount for t in transfers.filter(credit_account__code=code)), D(0))
    debits = sum((t.amount.amount for t in transfers.filter(debit_account__code=code)), D(0))
    return credits - debits if credit_normal else debits - credits


def test_dashboard_needs_a_staff_role(client, key_worker, partner):
    response = client.get(reverse("audit:dashboard"))
    assert response.status_code == 302
    for user in (key_worker, partner):
        client.force_login(user)
        assert client.get(reverse("audit:dashboard")).status_code == 403
        assert (
            client.get(reverse("audit:dashboard_csv", args=["income-by-channel"])).status_code
            == 403
        )


def test_fund_positions_match_the_ledger(client, auditor, ledger_world):
    page = dashboard(client, auditor).content.decode()
    restricted, public = ledger_world.restricted, ledger_world.public
    payable = Account.objects.get(code="liabilities:grants-payable")
    in_transit = Account.objects.get(code="assets:cash-in-transit")

    row = page.split(f'data-fund="{restricted.code}"', 1)[1].split("</tr>", 1)[0]
    assert "£14,830.00" in row and available_in_fund(restricted).amount == D("14830.00")
    assert "£100.00" in row and account_balance(payable, restricted).amount == D("100.00")

    row = page.split(f'data-fund="{public.code}"', 1)[1].split("</tr>", 1)[0]
    # Box cash: 120.50 banked + 30.00 in transit; online: 25 - 5 refunded + 10, less fees.
    assert f"£{available_in_fund(public).amount:,.2f}" in row
    assert account_balance(in_transit, public).amount == D("30.00")
    assert 'data-figure="cash-in-transit">£30.00<' in row


def test_cash_not_banked_agrees_with_the_collections(client, officer, ledger_world):
    page = dashboard(client, officer).content.decode()
    cash = page.split('data-testid="cash"', 1)[1].split("</dl>", 1)[0]
    assert 'data-figure="ledger">£30.00<' in cash
    assert "1 (£30.00), oldest emptied 20 Nov 2026" in cash


def test_restricted_funds_show_what_is_left_and_when_they_end(client, manager, ledger_world):
    page = dashboard(client, manager).content.decode()
    table = page.split('data-testid="restricted"', 1)[1].split("</table>", 1)[0]
    assert "Rough sleepers grant 2026/27" in table
    assert "Public donations" not in table
    assert "£14,830.00" in table
    assert "31 Mar 2027" in table


def test_income_by_channel_by_month_matches_the_ledger(client, officer, ledger_world):
    dashboard(client, officer)  # signs in
    rows = {r["Month"]: r for r in chart_csv(client, "income-by-channel")}
    assert list(rows)[0] == "Dec 2025" and list(rows)[-1] == "Nov 2026"
    assert len(rows) == 12

    assert rows["Oct 2026"]["Collection boxes"] == "120.50"
    assert rows["Nov 2026"]["Collection boxes"] == "30.00"
    assert rows["Nov 2026"]["Online, one-off"] == "20.00"  # £25.00 less £5.00 refunded
    assert rows["Nov 2026"]["Online, monthly"] == "10.00"
    assert rows["Nov 2026"]["Contactless taps"] == "0.00"
    assert rows["Sep 2026"]["Contributions from services and funders"] == "15000.00"
    assert rows["Nov 2026"]["Total"] == "60.00"
    assert rows["Jan 2026"]["Total"] == "0.00"

    from datetime import date

    start, end = date(2025, 12, 1), date(2026, 11, 26)
    total = sum(D(r["Total"]) for r in rows.values())
    ledger = sum(
        ledger_net(code, start, end)
        for code in (
            "income:donations:boxes",
            "income:donations:online",
            "income:contributions",
            "income:gift-aid",
        )
    )
    assert total == ledger == D("15180.50")


def test_grants_by_category_by_month_matches_the_ledger(client, officer, ledger_world):
    dashboard(client, officer)
    rows = {r["Month"]: r for r in chart_csv(client, "grants-by-category")}
    assert rows["Nov 2026"]["Phone"] == "70.00"
    assert rows["Oct 2026"]["Clothing for work or interview"] == "100.00"
    assert rows["Oct 2026"]["Phone"] == "0.00"
    assert "White goods" not in rows["Nov 2026"]  # categories with no grants are left out
    from datetime import date

    assert sum(D(r["Total"]) for r in rows.values()) == ledger_net(
        "expenses:grants:phone", date(2025, 12, 1), date(2026, 11, 26), credit_normal=False
    ) + ledger_net(
        "expenses:grants:clothing", date(2025, 12, 1), date(2026, 11, 26), credit_normal=False
    )


def test_fund_and_date_filters_narrow_every_chart(client, officer, ledger_world):
    dashboard(client, officer)
    rows = chart_csv(
        client, "income-by-channel", date_from="2026-10-01", date_to="2026-11-30", fund="rsi"
    )
    assert [r["Month"] for r in rows] == ["Oct 2026", "Nov 2026"]
    assert all(r["Total"] == "0.00" for r in rows)  # no income to the restricted fund then

    rows = chart_csv(
        client, "grants-by-category", date_from="2026-11-01", date_to="2026-11-30", fund="rsi"
    )
    assert rows == [
        {
            "Month": "Nov 2026",
            "Phone": "70.00",
            "Total": "70.00",
        }
    ]

    page = dashboard(client, officer, fund="public").content.decode()
    assert 'data-fund="rsi"' not in page and 'data-fund="public"' in page
    assert "Public donations only" in page


def test_a_bad_date_range_is_explained_and_defaults_are_shown(client, officer, ledger_world):
    page = dashboard(client, officer, date_from="2026-11-01", date_to="2026-10-01").content.decode()
    assert "The start date must be on or before the end date." in page
    assert "Showing 1 Dec 2025 to 26 Nov 2026" in page


def test_unknown_chart_csv_is_not_found(client, officer, db):
    client.force_login(officer)
    assert client.get(reverse("audit:dashboard_csv", args=["nonsense"])).status_code == 404


def test_every_chart_table_carries_the_same_numbers_as_its_bars_and_csv(
    client, officer, ledger_world
):
    page = dashboard(client, officer).content.decode()
    for slug in ("fund-balances", "income-by-channel", "grants-by-category"):
        table = table_cells(page, slug)
        bars = bar_values(page, slug)
        csv_rows = chart_csv(client, slug)
        assert set(bars) == set(table) == {r[next(iter(r))] for r in csv_rows}
        for row in csv_rows:
            label = row[next(iter(row))]
            csv_values = [v for k, v in row.items() if k not in (next(iter(row)), "Total")]
            assert [D(v) for v in table[label][: len(csv_values)]] == [D(v) for v in csv_values]
            # Every bar segment is drawn for the figure in the table (empty ones are not drawn).
            drawn = {D(v) for v in bars[label].values()}
            assert drawn == {D(v) for v in csv_values if D(v) > 0}


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_dashboard_in_chromium_is_accessible(browse, manager, ledger_world, width):
    page = browse(manager, width=width, path="/audit/dashboard/")
    assert page.get_by_role("heading", name="Dashboard", exact=True).is_visible()
    assert page.get_by_role("table", name="Income by channel, by month: the figures").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_contactless_taps_are_a_channel_of_their_own(client, officer, manager, ledger_world):
    from datetime import date

    from tests.fund.helpers import post

    post(
        manager,
        ledger_world.public,
        "assets:card-provider",
        "income:donations:contactless",
        "7.25",
        on=date(2026, 11, 20),
    )
    dashboard(client, officer)  # signs in
    rows = {r["Month"]: r for r in chart_csv(client, "income-by-channel")}
    assert rows["Nov 2026"]["Contactless taps"] == "7.25"
    assert rows["Nov 2026"]["Collection boxes"] == "30.00"
    assert rows["Nov 2026"]["Total"] == "67.25"  # £60.00 as above, and the taps
