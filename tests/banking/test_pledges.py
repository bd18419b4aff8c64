"""A bank line worked as "contribution received" is tied to its pledge on the line's page,
so the funds page's pledged, received and outstanding figures move (issues 13 and 14)."""

import re
from datetime import date

import pytest
from djmoney.money import Money

from banking.models import Match
from donations.models.contributions import ContributionReceipt
from donations.services.contributions import pledge_record
from tests.banking.test_matching import load, verify
from tests.conftest import login
from tests.fund.helpers import balance, post


@pytest.fixture
def pledge(manager, restricted_fund):
    return pledge_record(
        actor=manager,
        funder="City of Doncaster Council",
        fund=restricted_fund,
        amount=Money("500.00", "GBP"),
        purpose="Practical help for people sleeping rough",
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
        reference="RSI-2026-01",
    )


def funders_row(client) -> list[str]:
    """The funds page's row for the council: pledged, received, outstanding."""
    page = client.get("/").content.decode()
    table = page[page.index('data-testid="home-funders"') :]
    start = table.index("City of Doncaster Council")
    row = table[start : table.index("</tr>", start)]
    return re.findall(r"-?£[\d,]+\.\d\d", row)


def work(client, line, **data):
    return client.post(
        f"/banking/lines/{line.pk}/work/",
        {"kind": "contribution_received", "fund": "", "account": "", "reason": "", **data},
    )


def test_a_contribution_is_tied_to_its_pledge_on_the_lines_page(
    client, officer, bank, pledge, restricted_fund
):
    [line] = load(officer, bank, ("2026-11-23", "DONCASTER COUNCIL RSI-2026-01", "300.00"))
    login(client, officer)
    assert funders_row(client) == ["£500.00", "£0.00", "£500.00"]
    page = client.get(f"/banking/lines/{line.pk}/").content.decode()
    assert (
        f'<option value="{pledge.pk}">City of Doncaster Council: RSI-2026-01, £500.00 to '
        "Rough sleepers grant 2026/27</option>"
    ) in page

    response = work(client, line, pledge=pledge.pk, reason="First instalment")
    assert response.status_code == 302

    receipt = ContributionReceipt.objects.get()
    assert (receipt.pledge, receipt.bank_line_id, str(receipt.amount.amount)) == (
        pledge,
        line.pk,
        "300.00",
    )
    assert receipt.received_on == date(2026, 11, 23)
    match = Match.objects.get(line=line)
    assert (match.kind, match.entry_id, match.worked, match.reason) == (
        "contribution_received",
        receipt.entry_id,
        True,
        "First instalment",
    )
    assert match.source == f"donations.Pledge:{pledge.pk}"
    assert str(balance("assets:bank", restricted_fund).amount) == "300.00"
    assert str(balance("income:contributions", restricted_fund).amount) == "300.00"
    assert funders_row(client) == ["£500.00", "£300.00", "£200.00"]

    # Undoing would leave the pledge counting money the ledger no longer holds: refused.
    response = client.post(f"/banking/matches/{match.pk}/undo/", {"reason": "Wrong pledge"})
    assert response.status_code == 400
    assert (
        "This line is recorded as money received on pledge RSI-2026-01; it cannot be undone here"
    ) in response.content.decode()
    assert Match.objects.get(line=line).undone_at is None
    assert funders_row(client) == ["£500.00", "£300.00", "£200.00"]
    verify()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"fund": "public", "reason": "Council"},
            "Pledge RSI-2026-01 is to the Rough sleepers grant 2026/27 fund, not Public "
            "donations: choose that fund, or leave the fund empty.",
        ),
        (
            {"kind": "interest", "reason": "Council"},
            "A pledge is chosen only for a contribution received.",
        ),
        ({"reason": ""}, "This field is required."),
    ],
)
def test_a_pledge_worked_wrongly_is_refused_and_nothing_posted(
    client, officer, bank, pledge, public_fund, data, message
):
    [line] = load(officer, bank, ("2026-11-23", "DONCASTER COUNCIL", "300.00"))
    login(client, officer)
    if data.get("fund") == "public":
        data = {**data, "fund": public_fund.pk}
    response = work(client, line, pledge=pledge.pk, **data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert (ContributionReceipt.objects.count(), Match.objects.count()) == (0, 0)
    assert str(balance("income:contributions").amount) == "0.00"


def test_a_contribution_without_a_pledge_still_needs_its_fund(
    client, manager, officer, bank, public_fund
):
    post(manager, public_fund, "assets:bank", "income:donations:online", "10.00")
    [line] = load(officer, bank, ("2026-11-23", "ST LEGER HOMES DONATION", "75.00"))
    login(client, officer)
    response = work(client, line, reason="One-off gift from a partner")
    assert response.status_code == 400
    assert "Choose the fund the entry is for." in response.content.decode()
    response = work(client, line, fund=public_fund.pk, reason="One-off gift from a partner")
    assert response.status_code == 302
    assert str(balance("income:contributions", public_fund).amount) == "75.00"
    assert ContributionReceipt.objects.count() == 0
    verify()
