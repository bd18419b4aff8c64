"""Gift Aid claims in the ledger: receivable against income, in the fund of each gift.

HMRC's rule (gov.uk "Claiming Gift Aid as a charity"): the charity claims basic-rate tax
on each donation, 25p for every £1 given. The app takes the amount kept of each gift
(less any refund) × 25/100, rounded to the nearest penny (halves up), gift by gift.
"""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from djmoney.money import Money

from donations.services.cash import collection_point_create
from donations.services.giftaid import gift_aid_claim_create, gift_aid_tax
from fund.selectors import trial_balance
from fund.verification import verify_ledger
from tests.donations.stripe_helpers import gbp_balance

DECLARATION = {
    "gift_aid": "on",
    "title": "Dr",
    "first_name": "Grace",
    "last_name": "Hopper",
    "house_name_or_number": "10",
    "postcode": "NE1 6AE",
}
RANGE = {"date_from": date(2026, 4, 6), "date_to": date(2027, 4, 5)}


def ledger_is_sound():
    result = verify_ledger()
    assert result.ok, result.problems
    call_command("verify_ledger", stdout=StringIO())


def give(stripe_world, amount, **extra):
    with time_machine.travel("2026-11-03 10:00 +0000", tick=False):
        donation = stripe_world.give(amount, **{**DECLARATION, **extra})
        stripe_world.pay(donation)
    return donation


@pytest.mark.parametrize(
    ("donation", "tax"),
    [
        ("10.00", "2.50"),
        ("210.00", "52.50"),
        ("10.01", "2.50"),  # 2.5025
        ("3.33", "0.83"),  # 0.8325
        ("0.10", "0.03"),  # 0.025: a half penny rounds up
        ("1.02", "0.26"),  # 0.255
    ],
)
def test_gift_aid_is_a_quarter_of_the_donation_to_the_penny(donation, tax):
    assert gift_aid_tax(Money(donation, "GBP")) == Money(tax, "GBP")


def test_a_claim_posts_receivable_against_income(stripe_world, officer):
    give(stripe_world, "200.00")
    give(stripe_world, "10")
    assert gbp_balance("assets:gift-aid-receivable") == "0.00"

    claim = gift_aid_claim_create(actor=officer, **RANGE)

    assert str(claim.total.amount) == "210.00"
    assert str(claim.tax.amount) == "52.50"
    assert str(claim.adjustment.amount) == "0.00"
    fund = stripe_world.fund
    assert gbp_balance("assets:gift-aid-receivable", fund) == "52.50"
    assert gbp_balance("income:gift-aid", fund) == "52.50"
    assert [(line.amount, line.tax) for line in claim.lines.order_by("amount")] == [
        (Money("10.00", "GBP"), Money("2.50", "GBP")),
        (Money("200.00", "GBP"), Money("50.00", "GBP")),
    ]
    ledger_is_sound()


def test_each_gift_aid_posting_is_in_the_fund_of_its_gift(
    stripe_world, officer, manager, restricted_fund
):
    collection_point_create(
        actor=manager,
        host_name="Hostel shop",
        address="2 Low Street, Newcastle",
        box_number="B009",
        seal="S-9001",
        opened_on=date(2026, 4, 1),
        fund=restricted_fund,
        public_code="HOSTEL",
    )
    give(stripe_world, "10")
    give(stripe_world, "25", point="HOSTEL")

    gift_aid_claim_create(actor=officer, **RANGE)

    assert gbp_balance("assets:gift-aid-receivable", stripe_world.fund) == "2.50"
    assert gbp_balance("income:gift-aid", stripe_world.fund) == "2.50"
    assert gbp_balance("assets:gift-aid-receivable", restricted_fund) == "6.25"
    assert gbp_balance("income:gift-aid", restricted_fund) == "6.25"
    ledger_is_sound()


def test_a_partly_refunded_gift_is_claimed_on_the_amount_kept(stripe_world, officer):
    donation = give(stripe_world, "25")
    # £5.00 of the £25.00 refunded (500 pence): £20.00 kept.
    stripe_world.send_all(
        stripe_world.double.dashboard_refund(stripe_world.charge_id(donation), 500)
    )

    claim = gift_aid_claim_create(actor=officer, **RANGE)

    line = claim.lines.get()
    assert line.amount == Money("20.00", "GBP")
    assert line.tax == Money("5.00", "GBP")
    assert str(claim.total.amount) == "20.00"
    assert gbp_balance("assets:gift-aid-receivable") == "5.00"
    ledger_is_sound()


def test_dashboard_transparency_and_trial_balance_show_the_gift_aid(stripe_world, officer, client):
    give(stripe_world, "200.00")
    give(stripe_world, "10")
    gift_aid_claim_create(actor=officer, **RANGE)

    rows = {row.account.code: row for row in trial_balance()}
    assert rows["income:gift-aid"].credit == Money("52.50", "GBP")
    assert rows["assets:gift-aid-receivable"].debit == Money("52.50", "GBP")

    client.logout()
    transparency = client.get(reverse("transparency")).content.decode()
    gift_aid_row = transparency.split(">Gift Aid</th>", 1)[1].split("</tr>", 1)[0]
    assert gift_aid_row.count("£52.50") == 2  # to date and this tax year

    client.force_login(officer)
    dashboard = client.get(reverse("audit:dashboard")).content.decode()
    assert "£52.50" in dashboard
    ledger_is_sound()
