"""The public transparency page: figures from the ledger, cached, and nothing personal."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from donations.services.cash import collection_point_create, collection_point_update
from fund.models import Account, Transfer
from fund.selectors import chain_head
from tests.audit.conftest import DONOR_NAME, HOST_CONTACT
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.fund.helpers import post

D = Decimal


def figure(html: str, block: str, name: str) -> str:
    section = html.split(f'data-testid="{block}"', 1)[1].split("</dl>", 1)[0]
    return re.search(rf'data-figure="{name}">([^<]*)<', section).group(1)


def ledger_sum(debit_q: dict, start=None) -> Decimal:
    transfers = Transfer.objects.filter(**debit_q)
    if start:
        transfers = transfers.filter(entry__effective_date__gte=start)
    return sum((t.amount.amount for t in transfers), D(0))


@pytest.fixture
def last_year(ledger_world, manager):
    """Gifts and a grant from the previous tax year (before 6 Apr 2026)."""
    post(
        manager,
        ledger_world.public,
        "assets:bank",
        "income:donations:boxes",
        "40.00",
        on=date(2026, 3, 1),
    )
    post(
        manager,
        ledger_world.public,
        "expenses:grants:travel",
        "liabilities:grants-payable",
        "15.00",
        discretionary=True,
        on=date(2026, 4, 5),
    )
    return ledger_world


def test_anyone_can_see_it_without_signing_in(client, db):
    response = client.get(reverse("transparency"))
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=600" in response["Cache-Control"]


def test_given_and_granted_to_date_and_this_tax_year_match_the_ledger(client, last_year):
    html = client.get("/transparency/").content.decode()

    # To date: boxes 40.00 + 120.50 + 30.00, online 25.00 - 5.00 + 10.00, funder 15,000.00.
    assert figure(html, "to-date", "given") == "£15,220.50"
    income = Account.objects.filter(type=Account.Type.INCOME)
    credits = ledger_sum({"credit_account__in": income})
    debits = ledger_sum({"debit_account__in": income})
    assert credits - debits == D("15220.50")
    # This tax year (from 6 Apr 2026) leaves out March's £40.00.
    assert figure(html, "this-year", "given") == "£15,180.50"
    assert "6 Apr 2026 to 5 Apr 2027" in html

    # Granted: phone 70.00 + clothing 100.00 this year, travel 15.00 on 5 Apr 2026.
    assert figure(html, "to-date", "granted") == "£185.00"
    categories = Account.objects.filter(is_grant_category=True)
    assert ledger_sum({"debit_account__in": categories}) == D("185.00")
    assert figure(html, "this-year", "granted") == "£170.00"
    assert ledger_sum({"debit_account__in": categories}, start=date(2026, 4, 6)) == D("170.00")

    table = html.split('data-testid="given-by-source"', 1)[1].split("</table>", 1)[0]
    assert "£220.50" in table and "£180.50" in table and "£15,000.00" in table


def test_a_withdrawn_grant_comes_off_what_was_granted(client, ledger_world, manager):
    from fund.models import Entry
    from fund.services.reversal import entry_reverse

    clothing = Entry.objects.get(transfers__debit_account__code="expenses:grants:clothing")
    entry_reverse(
        actor=manager, entry=clothing, effective_date=date(2026, 11, 25), memo="Withdrawn"
    )
    html = client.get("/transparency/").content.decode()
    assert figure(html, "to-date", "granted") == "£70.00"
    assert figure(html, "this-year", "granted") == "£70.00"


def test_figures_are_cached_until_the_cache_expires(client, ledger_world, manager):
    first = client.get("/transparency/").content.decode()
    assert figure(first, "to-date", "given") == "£15,180.50"

    post(manager, ledger_world.public, "assets:bank", "income:donations:boxes", "9.50")
    cached = client.get("/transparency/").content.decode()
    assert figure(cached, "to-date", "given") == "£15,180.50"
    assert figure(cached, "chain-head", "sequence") != str(chain_head().sequence)

    cache.clear()  # what the expiry does after ten minutes
    fresh = client.get("/transparency/").content.decode()
    assert figure(fresh, "to-date", "given") == "£15,190.00"


def test_chain_head_is_the_ledgers_latest_link_with_what_it_proves(client, ledger_world):
    html = client.get("/transparency/").content.decode()
    head = chain_head()
    assert head.sequence == Transfer.objects.order_by("-sequence").first().sequence
    assert figure(html, "chain-head", "sequence") == str(head.sequence)
    assert figure(html, "chain-head", "hash") == head.hash
    assert "changing or removing any earlier transfer would change this hash" in html


def test_collection_points_list_where_to_find_a_box_and_nothing_more(client, ledger_world, officer):
    closed = collection_point_create(
        actor=officer,
        host_name="Closed Corner Shop",
        address="9 Old Road, Newcastle",
        box_number="B009",
        seal="S-9001",
        opened_on=date(2026, 4, 1),
    )
    collection_point_update(actor=officer, point=closed, is_active=False)
    html = client.get("/transparency/").content.decode()
    points = html.split('data-testid="collection-points"', 1)[1].split("</ul>", 1)[0]
    assert "Corner Café" in points and "1 High Street, Newcastle" in points
    assert "Grainger Pharmacy" in points
    assert "Closed Corner Shop" not in points
    assert re.search(r'data-figure="collection-points">2<', html)
    for private in ("B001", "S-1001", "CAFE01", HOST_CONTACT, "0191 000 0000"):
        assert private not in html


def test_no_donor_or_host_detail_appears_on_the_public_page(client, ledger_world):
    html = client.get("/transparency/").content.decode()
    for private in (
        DONOR_NAME,
        "Donorsmith",
        "jane.donorsmith@example.org",
        "NE1 4XY",
        HOST_CONTACT,
        "OD-",
        "PI-0001",
    ):
        assert private not in html, private


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_transparency_page_in_chromium_is_accessible(browse, ledger_world, width):
    page = browse(width=width, path="/transparency/")
    assert page.get_by_role("heading", name="Where the money goes", exact=True).is_visible()
    assert "£15,180.50" in page.inner_text("main")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_contactless_taps_count_as_the_public_s_gifts(client, ledger_world, manager):
    post(
        manager,
        ledger_world.public,
        "assets:card-provider",
        "income:donations:contactless",
        "12.50",
        on=date(2026, 11, 20),
    )
    html = client.get("/transparency/").content.decode()
    # Boxes £150.50 and online £30.00 (as above, without last year's £40.00) and £12.50 tapped.
    table = html.split('data-testid="given-by-source"', 1)[1].split("</table>", 1)[0]
    assert "£193.00" in table
    assert figure(html, "to-date", "given") == "£15,193.00"
