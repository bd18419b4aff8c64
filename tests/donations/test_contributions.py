"""Contributions from services and funders: pledges, the request letter, money received."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from djmoney.money import Money

from donations.models.contributions import ContributionReceipt, Pledge
from donations.services.contributions import contribution_receipt_record
from fund.models import Transfer
from tests.fund.helpers import balance, post

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


PLEDGE = {
    "funder": "City of Doncaster Council",
    "amount": "15,000.00",
    "purpose": "Practical help for people sleeping rough in the town centre",
    "period_start": "2026-04-01",
    "period_end": "2027-03-31",
    "reference": "RSI-2026-01",
}


def pledge_through_page(manager, fund, **changes):
    data = {**PLEDGE, "amount": "15000.00", "fund": fund.pk, **changes}
    response = signed_in(manager).post("/donations/contributions/", data)
    assert response.status_code == 302, response.content.decode()
    return Pledge.objects.get(reference=data["reference"])


def test_a_manager_records_a_restricted_pledge_and_downloads_the_letter(manager, restricted_fund):
    pledge = pledge_through_page(manager, restricted_fund)
    assert pledge.amount == Money("15000.00", "GBP")
    assert (pledge.period_start, pledge.period_end) == (date(2026, 4, 1), date(2027, 3, 31))

    response = signed_in(manager).get(f"/donations/contributions/{pledge.pk}/letter/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    # A pledge posts nothing: money is in the fund only once it arrives.
    assert Transfer.objects.count() == 0


def test_money_received_by_hand_posts_to_the_fund(manager, officer, restricted_fund, public_fund):
    pledge = pledge_through_page(manager, restricted_fund)
    pledge_through_page(
        manager, public_fund, funder="Aspire", reference="ASP-1", amount="1200.00", purpose=""
    )
    client = signed_in(officer)
    response = client.post(
        f"/donations/contributions/{pledge.pk}/received/",
        {"amount": "6000.00", "received_on": "2026-11-20"},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.debit_account.code, transfer.credit_account.code) == (
        "assets:bank",
        "income:contributions",
    )
    assert transfer.amount == Money("6000.00", "GBP")
    assert transfer.entry.effective_date == date(2026, 11, 20)
    assert balance("income:contributions", restricted_fund) == Money("6000.00", "GBP")

    page = client.get("/donations/contributions/").content.decode()
    totals = page[page.index('data-testid="funder-totals"') :]
    aspire, council = totals.index("Aspire"), totals.index("City of Doncaster Council")
    assert aspire < council
    assert "£1,200.00" in totals[aspire:council] and "£0.00" in totals[aspire:council]
    council_row = totals[council : totals.index("</tr>", council)]
    assert ["£15,000.00", "£6,000.00", "£9,000.00"] == [
        cell.split("<")[0] for cell in council_row.split('app-balance-figure">')[1:]
    ]


def test_a_restricted_fund_shows_its_spending_in_the_period(manager, restricted_fund):
    pledge = pledge_through_page(manager, restricted_fund)
    post(
        manager,
        restricted_fund,
        "assets:bank",
        "income:contributions",
        "500.00",
        on=date(2026, 4, 2),
    )
    post(
        manager,
        restricted_fund,
        "expenses:grants:phone",
        "assets:bank",
        "70.00",
        on=date(2026, 5, 1),
    )
    post(
        manager,
        restricted_fund,
        "expenses:grants:travel",
        "assets:bank",
        "12.50",
        on=date(2026, 6, 1),
    )
    # Before the period: not counted.
    post(
        manager,
        restricted_fund,
        "expenses:grants:phone",
        "assets:bank",
        "40.00",
        on=date(2026, 3, 31),
    )
    page = signed_in(manager).get(f"/donations/contributions/{pledge.pk}/").content.decode()
    assert 'data-figure="spent">£82.50<' in page
    assert 'data-figure="outstanding">£15,000.00<' in page
    assert "Practical help for people sleeping rough in the town centre" in page


def test_only_a_manager_records_a_pledge(officer, public_fund):
    response = signed_in(officer).post(
        "/donations/contributions/", {**PLEDGE, "fund": public_fund.pk}
    )
    assert response.status_code == 403
    assert Pledge.objects.count() == 0


def test_a_pledge_period_must_end_after_it_starts(manager, public_fund):
    response = signed_in(manager).post(
        "/donations/contributions/",
        {**PLEDGE, "amount": "10.00", "fund": public_fund.pk, "period_end": "2026-03-31"},
    )
    assert response.status_code == 400
    assert "The period must end on or after its start" in response.content.decode()
    assert Pledge.objects.count() == 0


@dataclass
class StatementLine:
    pk: int


def test_a_bank_line_records_one_receipt_however_often_it_is_matched(manager, public_fund):
    pledge = pledge_through_page(manager, public_fund, purpose="")
    line = StatementLine(pk=41)
    first = contribution_receipt_record(
        actor=manager,
        pledge=pledge,
        amount=Money("250.00", "GBP"),
        received_on=date(2026, 11, 3),
        bank_line=line,
    )
    again = contribution_receipt_record(
        actor=manager,
        pledge=pledge,
        amount=Money("250.00", "GBP"),
        received_on=date(2026, 11, 3),
        bank_line=line,
    )
    assert again.pk == first.pk
    assert ContributionReceipt.objects.count() == 1
    assert first.bank_line_id == 41
    assert balance("income:contributions", public_fund) == Money("250.00", "GBP")


def test_the_funds_page_shows_funders_and_restricted_spending(manager, public_fund):
    from fund.services.funds import fund_create

    rsi = fund_create(
        actor=manager,
        code="rsi-home",
        name="Rough sleepers 2026/27",
        kind="restricted",
        funder="City of Doncaster Council",
        purpose="practical help for people sleeping rough",
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    pledge = pledge_through_page(manager, rsi)
    contribution_receipt_record(
        actor=manager, pledge=pledge, amount=Money("5000.00", "GBP"), received_on=date(2026, 5, 1)
    )
    post(manager, rsi, "expenses:grants:phone", "assets:bank", "70.00", on=date(2026, 6, 1))
    page = signed_in(manager).get("/").content.decode()
    funders = page[page.index('data-testid="home-funders"') :]
    row = funders[funders.index("City of Doncaster Council") :]
    row = row[: row.index("</tr>")]
    assert ["£15,000.00", "£5,000.00", "£10,000.00"] == [
        cell.split("<")[0] for cell in row.split('app-balance-figure">')[1:]
    ]
    spending = page[page.index('data-testid="restricted-spending"') :]
    assert (
        "£70.00 spent 1 Apr 2026 to 31 Mar 2027, for practical help for people sleeping rough"
        in spending
    )
