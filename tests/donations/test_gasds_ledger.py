"""GASDS claims in the ledger: GASDS receivable against GASDS income, cleared when paid.

HMRC (gov.uk "Claiming a top-up payment on small donations"): the top-up is 25 % of the
small donations claimed on, the least of the eligible total, £8,000 and 10 times the Gift
Aid donations claimed in the same tax year; nothing in a year with no Gift Aid claim; a
claim is due within two years of the end of the tax year.
"""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import GasdsClaimInvalid
from donations.models.giftaid import GasdsClaim
from donations.services.gasds import gasds_claim_record, gasds_payment_record
from tests.donations.conftest import at
from tests.donations.stripe_helpers import gbp_balance
from tests.donations.test_gasds import box, gift_aid_claimed
from tests.donations.test_giftaid_ledger import ledger_is_sound

TAX_YEAR_2026 = date(2026, 4, 6)


@pytest.fixture
def demo_year(officer, officer2, cafe, stripe_world):
    """£307.50 of box cash and £20.00 of Gift Aid donations claimed: a £50.00 top-up."""
    box(officer, officer2, cafe, "307.50", at(2026, 10, 1))
    gift_aid_claimed(stripe_world, officer, ["20.00"])


def test_a_gasds_claim_posts_receivable_against_income_and_hmrc_clears_it(
    demo_year, officer, stripe_world
):
    claim = gasds_claim_record(
        actor=officer,
        tax_year_start=TAX_YEAR_2026,
        hmrc_reference="GASDS-2026-1",
        claimed_on=timezone.localdate(),
    )

    assert claim.small_donations == Money("200.00", "GBP")  # 10 × £20.00 of Gift Aid
    assert claim.top_up == Money("50.00", "GBP")
    fund = stripe_world.fund
    assert gbp_balance("assets:gasds-receivable", fund) == "50.00"
    assert gbp_balance("income:gasds", fund) == "50.00"
    ledger_is_sound()

    gasds_payment_record(
        actor=officer, claim=claim, amount=Money("50.00", "GBP"), paid_on=timezone.localdate()
    )

    assert gbp_balance("assets:gasds-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "50.00"
    assert gbp_balance("income:gasds") == "50.00"
    ledger_is_sound()


def test_a_gasds_payment_short_of_the_claim_needs_a_reason(demo_year, officer):
    claim = gasds_claim_record(
        actor=officer,
        tax_year_start=TAX_YEAR_2026,
        hmrc_reference="GASDS-2026-2",
        claimed_on=timezone.localdate(),
    )
    with pytest.raises(GasdsClaimInvalid, match="give the reason"):
        gasds_payment_record(
            actor=officer, claim=claim, amount=Money("45.00", "GBP"), paid_on=timezone.localdate()
        )

    gasds_payment_record(
        actor=officer,
        claim=claim,
        amount=Money("45.00", "GBP"),
        paid_on=timezone.localdate(),
        reason="HMRC reduced the claim",
    )

    assert gbp_balance("assets:gasds-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "45.00"
    assert gbp_balance("income:gasds") == "45.00"
    ledger_is_sound()


def test_a_year_is_claimed_once(demo_year, officer):
    details = {"tax_year_start": TAX_YEAR_2026, "claimed_on": timezone.localdate()}
    gasds_claim_record(actor=officer, hmrc_reference="G1", **details)
    with pytest.raises(GasdsClaimInvalid, match="already recorded"):
        gasds_claim_record(actor=officer, hmrc_reference="G2", **details)
    assert gbp_balance("income:gasds") == "50.00"


def test_a_year_without_gift_aid_or_out_of_time_cannot_be_claimed(
    officer, officer2, cafe, stripe_world
):
    box(officer, officer2, cafe, "307.50", at(2026, 10, 1))
    with pytest.raises(GasdsClaimInvalid, match="No Gift Aid was claimed in 2026–27"):
        gasds_claim_record(
            actor=officer,
            tax_year_start=TAX_YEAR_2026,
            hmrc_reference="G3",
            claimed_on=timezone.localdate(),
        )

    box(officer, officer2, cafe, "100.00", at(2023, 10, 1))
    # 2023–24 ended 5 Apr 2024: its claim was due by 5 Apr 2026.
    with pytest.raises(GasdsClaimInvalid, match="No Gift Aid|Out of time"):
        gasds_claim_record(
            actor=officer,
            tax_year_start=date(2023, 4, 6),
            hmrc_reference="G4",
            claimed_on=timezone.localdate(),
        )
    assert not GasdsClaim.objects.exists()
    assert gbp_balance("income:gasds") == "0.00"


def test_the_gasds_page_records_the_claim_and_shows_it(demo_year, client, officer):
    client.force_login(officer)
    page = client.get(reverse("donations:cash_gasds")).content.decode()
    assert "community buildings" in page and "connected charities" in page
    assert "This limit applies" in page

    response = client.post(
        reverse("donations:gasds-claim", args=[2026]),
        {"hmrc_reference": "GASDS-PAGE", "claimed_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302

    page = client.get(reverse("donations:cash_gasds")).content.decode()
    shown = page.split('data-figure="gasds-claim-2026">', 1)[1].split("</dd>", 1)[0]
    assert "£50.00 claimed on" in shown and "HMRC reference GASDS-PAGE" in shown
    assert "Awaiting HMRC" in shown
    claim = GasdsClaim.objects.get()
    response = client.post(
        reverse("donations:gasds-payment", args=[claim.pk]),
        {"paid_on": timezone.localdate().isoformat(), "amount": "50.00"},
    )
    assert response.status_code == 302
    page = client.get(reverse("donations:cash_gasds")).content.decode()
    assert "HMRC paid £50.00 on" in page

    client.logout()
    transparency = client.get(reverse("transparency")).content.decode()
    gift_aid_row = transparency.split(">Gift Aid</th>", 1)[1].split("</tr>", 1)[0]
    # £5.00 Gift Aid on the £20.00 gift and the £50.00 GASDS top-up.
    assert "£55.00" in gift_aid_row
    ledger_is_sound()
