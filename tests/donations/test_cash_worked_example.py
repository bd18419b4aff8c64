"""A box round told as a ledger story, with every balance checked after each step."""

from datetime import date

from djmoney.money import Money

from donations.services.cash import collection_confirm, deposit_check, deposit_record
from fund.selectors import available_in_fund, trial_balance
from fund.verification import verify_ledger
from tests.donations.conftest import at, gbp, record
from tests.fund.helpers import balance


def assert_books_balance():
    rows = trial_balance()
    zero = Money("0.00", "GBP")
    assert sum((r.debit for r in rows), zero) == sum((r.credit for r in rows), zero)
    result = verify_ledger()
    assert result.ok, result.problems


def assert_balances(fund, *, in_transit, boxes, bank, differences):
    assert balance("assets:cash-in-transit", fund) == gbp(in_transit)
    assert balance("income:donations:boxes", fund) == gbp(boxes)
    assert balance("assets:bank", fund) == gbp(bank)
    assert balance("expenses:cash-differences", fund) == gbp(differences)
    assert_books_balance()


def test_two_boxes_emptied_counted_and_banked_with_a_shortfall(
    officer, officer2, officer3, cafe, pharmacy, public_fund
):
    fund = public_fund

    # Both boxes are emptied and counted by the first officer: nothing posts yet.
    cafe_count = record(officer, cafe, "84.37", when=at(2026, 11, 16))
    pharmacy_count = record(officer, pharmacy, "41.13", when=at(2026, 11, 17))
    assert_balances(fund, in_transit="0.00", boxes="0.00", bank="0.00", differences="0.00")

    # A second officer confirms each count: the cash is now in transit.
    collection_confirm(actor=officer2, collection=cafe_count)
    assert_balances(fund, in_transit="84.37", boxes="84.37", bank="0.00", differences="0.00")
    collection_confirm(actor=officer2, collection=pharmacy_count)
    assert_balances(fund, in_transit="125.50", boxes="125.50", bank="0.00", differences="0.00")
    assert available_in_fund(fund) == gbp("125.50")

    # Both are paid in together; the bank credits £2.50 less than was counted.
    deposit = deposit_record(
        actor=officer,
        collections=[cafe_count, pharmacy_count],
        paying_in_reference="PI-20261118",
        banked_on=date(2026, 11, 18),
        amount_banked=gbp("123.00"),
        difference_reason="Bank rejected a counterfeit £2 coin and 50p of foreign coins",
    )
    assert deposit.counted_total == gbp("125.50")
    assert_balances(fund, in_transit="125.50", boxes="125.50", bank="0.00", differences="0.00")

    # A third officer, who counted neither box, checks the deposit against the bank.
    deposit_check(actor=officer3, deposit=deposit)
    assert_balances(fund, in_transit="0.00", boxes="125.50", bank="123.00", differences="2.50")
    assert available_in_fund(fund) == gbp("123.00")
