"""HMRC's Gift Aid repayment and GASDS payment matched on the bank statement, end to end.

Each claim is made through the donations services (gifts given through the real donation
page against the Stripe double), HMRC's payment arrives as a statement line, the line's
page suggests the claim, an officer confirms it there, and the receivable is cleared. A
payment that differs from the claim is shown with the difference and refused until the
officer gives the reason, which is posted with it (issue 16).
"""

from datetime import date

import pytest
from django.utils import timezone

from banking.matching import candidates_for
from banking.models import Match
from donations.models.giftaid import GasdsClaim, GiftAidRepayment
from donations.services.gasds import gasds_claim_record
from tests.banking.test_matching import load
from tests.conftest import login
from tests.donations.conftest import at, cafe, stripe_double, stripe_world  # noqa: F401
from tests.donations.stripe_helpers import gbp_balance
from tests.donations.test_gasds import box, gift_aid_claimed
from tests.donations.test_giftaid_ledger import ledger_is_sound


def html(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


@pytest.fixture
def gift_aid_claim(stripe_world, officer):  # noqa: F811
    """£200.00 and £10.00 given with declarations on 3 Nov 2026: £52.50 claimed today."""
    claim = gift_aid_claimed(stripe_world, officer, ["200.00", "10.00"])
    assert (str(claim.tax.amount), str(claim.net.amount)) == ("52.50", "52.50")
    assert gbp_balance("assets:gift-aid-receivable") == "52.50"
    assert gbp_balance("income:gift-aid") == "52.50"
    return claim


@pytest.fixture
def gasds_claim(officer, officer2, cafe, stripe_world):  # noqa: F811
    """£307.50 of box cash and £20.00 of Gift Aid donations claimed (£5.00 of Gift Aid):
    the GASDS top-up is 25 % of 10 × £20.00 = £50.00, claimed today."""
    box(officer, officer2, cafe, "307.50", at(2026, 10, 1))
    gift_aid_claimed(stripe_world, officer, ["20.00"])
    claim = gasds_claim_record(
        actor=officer,
        tax_year_start=date(2026, 4, 6),
        hmrc_reference="GASDS-2026-1",
        claimed_on=timezone.localdate(),
    )
    assert str(claim.top_up.amount) == "50.00"
    assert gbp_balance("assets:gasds-receivable") == "50.00"
    assert gbp_balance("income:gasds") == "50.00"
    return claim


def hmrc_line(officer, bank, description, amount, opening="1000.00"):
    [line] = load(
        officer, bank, (timezone.localdate().isoformat(), description, amount), opening=opening
    )
    return line


def test_a_gift_aid_repayment_as_claimed_is_suggested_confirmed_and_clears_the_receivable(
    client, officer, bank, gift_aid_claim
):
    line = hmrc_line(officer, bank, "HMRC GIFT AID REPAYMENT CHY", "52.50")
    login(client, officer)
    page = html(client.get(f"/banking/lines/{line.pk}/"))
    assert f"Gift Aid claim {gift_aid_claim.pk} awaiting HMRC, £52.50" in page
    assert "Why HMRC paid" not in page

    response = client.post(
        f"/banking/lines/{line.pk}/match/", {"candidate": f"gift_aid_claim:{gift_aid_claim.pk}"}
    )
    assert response.status_code == 302
    repayment = GiftAidRepayment.objects.get(claim=gift_aid_claim)
    assert (str(repayment.amount.amount), repayment.received_on) == (
        "52.50",
        timezone.localdate(),
    )
    match = Match.objects.get(line=line)
    assert (match.kind, match.entry_id, match.automatic) == ("gift_aid", repayment.entry_id, False)
    assert gbp_balance("assets:gift-aid-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "52.50"
    assert gbp_balance("income:gift-aid") == "52.50"
    # Matched once: the claim is no longer offered to another line.
    other = hmrc_line(officer, bank, "HMRC GIFT AID REPAYMENT CHY", "52.50", opening="1052.50")
    assert candidates_for(bank, [other])[other.pk] == []
    ledger_is_sound()


def test_a_gift_aid_shortfall_is_shown_refused_without_a_reason_then_posted_with_it(
    client, officer, bank, gift_aid_claim
):
    line = hmrc_line(officer, bank, "HMRC GIFT AID REPAYMENT CHY", "50.00")
    login(client, officer)
    page = html(client.get(f"/banking/lines/{line.pk}/"))
    assert (
        f"Gift Aid claim {gift_aid_claim.pk} awaiting HMRC, £52.50 (confirming records the "
        "repayment); HMRC paid £50.00, £2.50 short of the claim: give the reason"
    ) in page
    assert "Why HMRC paid less than claimed" in page

    key = f"gift_aid_claim:{gift_aid_claim.pk}"
    response = client.post(f"/banking/lines/{line.pk}/match/", {"candidate": key}, follow=True)
    assert "HMRC paid £50.00, £2.50 short of the claim: give the reason for the difference" in html(
        response
    )
    assert not Match.objects.exists() and not GiftAidRepayment.objects.exists()
    assert gbp_balance("assets:gift-aid-receivable") == "52.50"
    assert gbp_balance("assets:bank") == "0.00"

    reason = "HMRC disallowed the £10.00 gift: no house number"
    response = client.post(f"/banking/lines/{line.pk}/match/", {"candidate": key, "reason": reason})
    assert response.status_code == 302
    repayment = GiftAidRepayment.objects.get(claim=gift_aid_claim)
    assert (str(repayment.shortfall.amount), repayment.reason) == ("2.50", reason)
    assert repayment.entry.memo.endswith(f"£2.50 short of the claim ({reason})")
    assert Match.objects.get(line=line).reason == reason
    # The receivable is cleared in full; £2.50 less Gift Aid income than claimed.
    assert gbp_balance("assets:gift-aid-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "50.00"
    assert gbp_balance("income:gift-aid") == "50.00"
    page = html(client.get(f"/banking/lines/{line.pk}/"))
    assert f"HMRC Gift Aid repayment by {officer} ({reason})" in page
    ledger_is_sound()


def test_a_shortfall_is_never_matched_automatically(officer, manager, bank, gift_aid_claim):
    from banking.services.matching import match_rule_set

    match_rule_set(actor=manager, kind="gift_aid", automatic=True)
    short = hmrc_line(officer, bank, "HMRC GIFT AID", "50.00")
    assert not Match.objects.filter(line=short).exists()
    assert gbp_balance("assets:gift-aid-receivable") == "52.50"


def test_a_gasds_payment_as_claimed_is_suggested_confirmed_and_clears_the_receivable(
    client, officer, bank, gasds_claim
):
    line = hmrc_line(officer, bank, "HMRC GASDS TOP UP", "50.00")
    assert [c.key for c in candidates_for(bank, [line])[line.pk]] == [f"gasds:{gasds_claim.pk}"]
    login(client, officer)
    response = client.post(
        f"/banking/lines/{line.pk}/match/", {"candidate": f"gasds:{gasds_claim.pk}"}
    )
    assert response.status_code == 302
    gasds_claim.refresh_from_db()
    assert (str(gasds_claim.paid_amount.amount), gasds_claim.paid_on) == (
        "50.00",
        timezone.localdate(),
    )
    assert Match.objects.get(line=line).entry_id == gasds_claim.payment_entry_id
    assert gbp_balance("assets:gasds-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "50.00"
    assert gbp_balance("income:gasds") == "50.00"
    # The £5.00 of Gift Aid on the £20.00 is still awaiting HMRC.
    assert gbp_balance("assets:gift-aid-receivable") == "5.00"
    ledger_is_sound()


def test_a_gasds_shortfall_is_shown_and_posted_with_the_reason(client, officer, bank, gasds_claim):
    line = hmrc_line(officer, bank, "HMRC GASDS TOP UP", "45.00")
    offered = {c.key: c.label for c in candidates_for(bank, [line])[line.pk]}
    assert offered[f"gasds:{gasds_claim.pk}"].endswith(
        "HMRC paid £45.00, £5.00 short of the claim: give the reason"
    )
    login(client, officer)
    reason = "HMRC reduced the top-up: one collection counted twice"
    response = client.post(
        f"/banking/lines/{line.pk}/match/",
        {"candidate": f"gasds:{gasds_claim.pk}", "reason": reason},
    )
    assert response.status_code == 302
    gasds_claim = GasdsClaim.objects.get(pk=gasds_claim.pk)
    assert (str(gasds_claim.paid_amount.amount), gasds_claim.payment_reason) == ("45.00", reason)
    assert gasds_claim.payment_entry.memo == f"HMRC payment of GASDS claim GASDS-2026-1: {reason}"
    assert gbp_balance("assets:gasds-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "45.00"
    assert gbp_balance("income:gasds") == "45.00"
    ledger_is_sound()
