"""Ledger stories told as tests, with every balance checked after each step."""

from djmoney.money import Money

from fund.models import Entry
from fund.selectors import available_in_fund, trial_balance
from fund.services.posting import Leg, entry_post
from fund.services.reversal import entry_reverse
from tests.fund.helpers import TODAY, balance, gbp, post


def assert_trial_balance_zero():
    rows = trial_balance()
    assert sum((r.debit for r in rows), Money(0, "GBP")) == sum(
        (r.credit for r in rows), Money(0, "GBP")
    )


def test_box_counted_banked_grant_approved_and_paid_then_refund(officer, manager, public_fund):
    fund = public_fund

    # A box is counted: £84.37 of cash is now in transit.
    post(officer, fund, "assets:cash-in-transit", "income:donations:boxes", "84.37")
    assert balance("assets:cash-in-transit", fund) == gbp("84.37")
    assert balance("income:donations:boxes", fund) == gbp("84.37")
    assert available_in_fund(fund) == gbp("84.37")

    # It is banked.
    post(officer, fund, "assets:bank", "assets:cash-in-transit", "84.37")
    assert balance("assets:cash-in-transit", fund) == gbp("0.00")
    assert balance("assets:bank", fund) == gbp("84.37")
    assert available_in_fund(fund) == gbp("84.37")

    # An online gift of £25 arrives, with a 58p Stripe fee.
    entry_post(
        actor=officer,
        effective_date=TODAY,
        memo="Online gift",
        source="tests",
        idempotency_key="evt_gift_1",
        legs=[
            Leg(
                fund=fund,
                debit="assets:stripe",
                credit="income:donations:online",
                amount=gbp("25.00"),
            ),
            Leg(fund=fund, debit="expenses:fees", credit="assets:stripe", amount=gbp("0.58")),
        ],
    )
    assert balance("assets:stripe", fund) == gbp("24.42")
    assert balance("income:donations:online", fund) == gbp("25.00")
    assert balance("expenses:fees", fund) == gbp("0.58")
    assert available_in_fund(fund) == gbp("108.79")

    # A £70 phone grant is approved: committed, not yet paid.
    approval = post(
        manager,
        fund,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "70.00",
        discretionary=True,
    )
    assert balance("liabilities:grants-payable", fund) == gbp("70.00")
    assert balance("expenses:grants:phone", fund) == gbp("70.00")
    assert available_in_fund(fund) == gbp("38.79")

    # The supplier is paid.
    post(officer, fund, "liabilities:grants-payable", "assets:bank", "70.00")
    assert balance("liabilities:grants-payable", fund) == gbp("0.00")
    assert balance("assets:bank", fund) == gbp("14.37")
    assert available_in_fund(fund) == gbp("38.79")

    # The £25 gift is refunded in full: a fact, so it posts.
    post(officer, fund, "income:donations:online", "assets:stripe", "25.00", key="evt_refund_1")
    assert balance("income:donations:online", fund) == gbp("0.00")
    assert balance("assets:stripe", fund) == gbp("-0.58")
    assert available_in_fund(fund) == gbp("13.79")
    assert Entry.objects.filter(reverses=approval).count() == 0
    assert_trial_balance_zero()


def test_withdrawn_approval_is_reversed_and_frees_the_money(officer, manager, restricted_fund):
    fund = restricted_fund
    post(manager, fund, "assets:bank", "income:contributions", "15000.00")
    approval = post(
        manager,
        fund,
        "expenses:grants:furniture",
        "liabilities:grants-payable",
        "480.00",
        discretionary=True,
    )
    assert available_in_fund(fund) == gbp("14520.00")

    reversal = entry_reverse(
        actor=officer, entry=approval, effective_date=TODAY, memo="Request withdrawn"
    )

    assert reversal.reverses == approval
    assert balance("expenses:grants:furniture", fund) == gbp("0.00")
    assert balance("liabilities:grants-payable", fund) == gbp("0.00")
    assert available_in_fund(fund) == gbp("15000.00")
    assert Entry.objects.count() == 3
    assert_trial_balance_zero()


def test_funds_are_kept_apart(manager, public_fund, restricted_fund):
    post(manager, restricted_fund, "assets:bank", "income:contributions", "1000.00")
    post(manager, public_fund, "assets:bank", "income:donations:boxes", "10.00")

    assert balance("assets:bank", restricted_fund) == gbp("1000.00")
    assert balance("assets:bank", public_fund) == gbp("10.00")
    assert balance("assets:bank") == gbp("1010.00")
    assert available_in_fund(public_fund) == gbp("10.00")
