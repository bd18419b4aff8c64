"""A fund's share of the shared bank account never goes below zero silently (issue 13)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from fund.bank_share import bank_share
from fund.models import Balance, Entry, Transfer
from fund.selectors import available_in_fund
from grants.exceptions import BankShareShort
from grants.models import Grant
from grants.services.decisions import grant_approve
from grants.services.payments import grant_record_payout
from tests.fund.helpers import balance, post
from tests.grants.conftest import gbp, make_grant

S = Grant.Status


@pytest.fixture
def part_banked(public_fund, manager):
    """The public fund: £210.88 in the bank and £50 of cash collected but not banked."""
    post(manager, public_fund, "assets:bank", "income:donations:online", "210.88")
    post(manager, public_fund, "assets:cash-in-transit", "income:donations:boxes", "50.00")
    return public_fund


def _approved(kw, officer, officer2, amount):
    grant = make_grant(kw, items=[("Furniture pack", amount)], code="furniture")
    grant = grant_approve(actor=officer, grant=grant)
    if grant.status == S.SECOND_APPROVAL:
        grant = grant_approve(actor=officer2, grant=grant)
    assert grant.status == S.APPROVED
    return grant


def _ledger_state():
    return (
        Transfer.objects.count(),
        Entry.objects.count(),
        sorted(
            Balance.objects.values_list("account__code", "fund_id", "debit_total", "credit_total")
        ),
    )


def _pay(actor, grant, amount):
    return grant_record_payout(
        actor=actor,
        grant=grant,
        payee="Furniture Now",
        method="supplier",
        reference="BACS-230",
        paid_on=timezone.localdate(),
        amount=gbp(amount),
    )


def test_the_bank_share_splits_available_money_by_where_it_is(part_banked):
    share = bank_share(part_banked)
    assert share.bank == gbp("210.88")
    assert share.cash_in_transit == gbp("50.00")
    assert share.stripe == gbp("0.00")
    assert share.not_banked == gbp("50.00")
    assert share.shortfall(gbp("230.00")) == gbp("19.12")
    assert share.shortfall(gbp("200.00")) == gbp("0.00")
    assert available_in_fund(part_banked) == gbp("260.88")


def test_a_payment_beyond_the_funds_bank_share_is_refused_and_nothing_posted(
    kw, officer, officer2, manager, part_banked
):
    # Approval may count the cash not yet banked: £260.88 is available.
    grant = _approved(kw, officer, officer2, "230.00")
    before = _ledger_state()

    with pytest.raises(BankShareShort) as refused:
        _pay(manager, grant, "230.00")

    message = str(refused.value)
    assert "£19.12 short" in message
    assert "£50.00 in cash not banked" in message
    assert "£210.88 in the bank" in message
    assert "Bank the cash, wait for the Stripe payout, or pay from another fund" in message
    assert _ledger_state() == before
    assert balance("assets:bank", part_banked) == gbp("210.88")
    grant.refresh_from_db()
    assert grant.status == S.APPROVED
    assert not hasattr(grant, "payout")
    call_command("verify_ledger", stdout=StringIO())


def test_a_payment_within_the_bank_share_goes_through(kw, officer, officer2, manager, part_banked):
    grant = _approved(kw, officer, officer2, "230.00")
    _pay(manager, grant, "200.00")
    grant.refresh_from_db()
    assert grant.status == S.PAID
    assert balance("assets:bank", part_banked) == gbp("10.88")
    assert balance("assets:cash-in-transit", part_banked) == gbp("50.00")
    call_command("verify_ledger", stdout=StringIO())


def test_the_payout_page_shows_the_refusal_and_the_approval_page_the_unbanked_part(
    client, kw, officer, officer2, manager, part_banked
):
    grant = make_grant(kw, items=[("Furniture pack", "230.00")], code="furniture")
    client.force_login(officer)
    page = client.get(reverse("grants:detail", args=[grant.pk])).content.decode()
    assert "Of that, £50.00 is not yet in the bank" in page
    assert "£50.00 in cash not banked, £0.00 in Stripe" in page

    grant = grant_approve(actor=officer, grant=grant)
    if grant.status == S.SECOND_APPROVAL:
        grant_approve(actor=officer2, grant=grant)
    before = _ledger_state()
    client.force_login(manager)
    response = client.post(
        reverse("grants:payout", args=[grant.pk]),
        {
            "payee": "Furniture Now",
            "method": "supplier",
            "reference": "BACS-230",
            "paid_on": timezone.localdate().isoformat(),
            "amount": "230.00",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "£19.12 short" in page
    assert "£50.00 in cash not banked" in page
    assert _ledger_state() == before
    grant.refresh_from_db()
    assert grant.status == S.APPROVED


def test_a_restricted_funds_share_cannot_borrow_from_the_others(
    kw, officer, officer2, manager, funded, restricted_fund
):
    """The bank holds £1,100.00, but only £100.00 of it is the restricted fund's: a £230.00
    payment from that fund is refused (a restricted fund cannot lend or borrow), with the
    £150.00 of its cash not yet banked named, and nothing is posted."""
    post(manager, restricted_fund, "assets:bank", "income:contributions", "100.00")
    post(manager, restricted_fund, "assets:cash-in-transit", "income:donations:boxes", "150.00")
    grant = make_grant(kw, items=[("Furniture pack", "230.00")], code="furniture")
    grant = grant_approve(actor=officer, grant=grant, fund=restricted_fund)
    if grant.status == S.SECOND_APPROVAL:
        grant = grant_approve(actor=officer2, grant=grant)
    assert (grant.status, grant.fund_id) == (S.APPROVED, restricted_fund.pk)
    assert balance("assets:bank") == gbp("1100.00")
    before = _ledger_state()

    with pytest.raises(BankShareShort) as refused:
        _pay(manager, grant, "230.00")

    assert str(refused.value) == (
        "Paying £230.00 would take Rough sleepers grant 2026/27's share of the bank £130.00 "
        "short: it has £100.00 in the bank. Rough sleepers grant 2026/27 still has £150.00 in "
        "cash not banked. Bank the cash, wait for the Stripe payout, or pay from another "
        "fund. Nothing was recorded."
    )
    assert _ledger_state() == before
    assert balance("assets:bank", restricted_fund) == gbp("100.00")
    assert balance("assets:bank", funded) == gbp("1000.00")
    grant.refresh_from_db()
    assert grant.status == S.APPROVED
    call_command("verify_ledger", stdout=StringIO())
