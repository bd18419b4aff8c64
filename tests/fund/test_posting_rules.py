"""Each ledger invariant, tried and refused."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from djmoney.money import Money

from fund.exceptions import AlreadyReversed, InsufficientFunds, InvalidPosting, PeriodLocked
from fund.models import Balance, ChainHead, Entry, Transfer
from fund.selectors import available_in_fund
from fund.services.period_locks import fund_lock_period
from fund.services.posting import Leg, entry_post
from fund.services.reversal import entry_reverse
from tests.fund.helpers import TODAY, balance, gbp, post


def _leg(fund, amount):
    return Leg(fund=fund, debit="assets:bank", credit="income:donations:boxes", amount=amount)


def _nothing_posted():
    return (
        Entry.objects.count() == 0
        and Transfer.objects.count() == 0
        and ChainHead.objects.get().sequence == 0
    )


@pytest.mark.parametrize(
    "amount",
    [
        1.5,  # a float is never money
        Decimal("1.50"),  # a bare number has no currency
        Money("0.00", "GBP"),
        Money("-5.00", "GBP"),
        Money("1.005", "GBP"),  # not a whole number of pence
        Money("10.00", "EUR"),
    ],
    ids=["float", "decimal", "zero", "negative", "fraction-of-penny", "euro"],
)
def test_amount_must_be_positive_whole_pence_in_gbp(officer, public_fund, amount):
    with pytest.raises(InvalidPosting):
        entry_post(
            actor=officer,
            effective_date=TODAY,
            memo="x",
            source="t",
            legs=[_leg(public_fund, amount)],
        )
    assert _nothing_posted()


def test_entry_needs_transfers_memo_and_distinct_accounts(officer, public_fund):
    with pytest.raises(InvalidPosting):
        entry_post(actor=officer, effective_date=TODAY, memo="x", source="t", legs=[])
    with pytest.raises(InvalidPosting):
        entry_post(
            actor=officer,
            effective_date=TODAY,
            memo="  ",
            source="t",
            legs=[_leg(public_fund, gbp("1.00"))],
        )
    with pytest.raises(InvalidPosting):
        post(officer, public_fund, "assets:bank", "assets:bank", "1.00")
    with pytest.raises(InvalidPosting):
        post(officer, public_fund, "assets:bank", "income:nonexistent", "1.00")
    assert _nothing_posted()


def test_database_refuses_non_positive_amount_even_without_the_service(officer, public_fund):
    entry = post(officer, public_fund, "assets:bank", "income:donations:boxes", "1.00")
    transfer = entry.transfers.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            sequence=99,
            entry=entry,
            fund=public_fund,
            debit_account=transfer.debit_account,
            credit_account=transfer.credit_account,
            amount=Money("-1.00", "GBP"),
            prev_hash="a" * 64,
            hash="b" * 64,
        )


def test_replayed_idempotency_key_returns_first_entry_and_posts_nothing(officer, public_fund):
    first = post(
        officer, public_fund, "assets:stripe", "income:donations:online", "10.00", key="evt_1"
    )
    again = post(
        officer, public_fund, "assets:stripe", "income:donations:online", "10.00", key="evt_1"
    )

    assert again.pk == first.pk
    assert Entry.objects.count() == 1
    assert Transfer.objects.count() == 1
    assert balance("income:donations:online", public_fund) == gbp("10.00")


def test_idempotency_key_is_unique_in_the_database(officer, public_fund):
    post(officer, public_fund, "assets:stripe", "income:donations:online", "10.00", key="evt_1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            effective_date=TODAY,
            memo="dup",
            source="t",
            idempotency_key="evt_1",
            created_by=officer,
        )


def test_discretionary_posting_cannot_overdraw_the_fund(officer, manager, public_fund):
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "100.00")
    post(
        manager,
        public_fund,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "70.00",
        discretionary=True,
    )

    with pytest.raises(InsufficientFunds) as refused:
        post(
            manager,
            public_fund,
            "expenses:grants:other",
            "liabilities:grants-payable",
            "30.01",
            discretionary=True,
        )

    assert "£30.01" in str(refused.value) or "30.01" in str(refused.value)
    assert Entry.objects.count() == 2
    assert available_in_fund(public_fund) == gbp("30.00")
    # Exactly the remainder is still allowed.
    post(
        manager,
        public_fund,
        "expenses:grants:other",
        "liabilities:grants-payable",
        "30.00",
        discretionary=True,
    )
    assert available_in_fund(public_fund) == gbp("0.00")


def test_facts_from_outside_post_even_when_they_overcommit_the_fund(officer, manager, public_fund):
    post(officer, public_fund, "assets:stripe", "income:donations:online", "50.00")
    post(
        manager,
        public_fund,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "50.00",
        discretionary=True,
    )
    assert available_in_fund(public_fund) == gbp("0.00")

    post(officer, public_fund, "income:donations:online", "assets:stripe", "50.00", key="refund")
    post(officer, public_fund, "expenses:cash-differences", "assets:cash-in-transit", "2.00")

    assert available_in_fund(public_fund) == gbp("-52.00")
    # No new grant can be approved until it is topped up.
    with pytest.raises(InsufficientFunds):
        post(
            manager,
            public_fund,
            "expenses:grants:phone",
            "liabilities:grants-payable",
            "0.01",
            discretionary=True,
        )
    # Paying what was already approved still goes through: it does not lower availability.
    post(
        officer,
        public_fund,
        "liabilities:grants-payable",
        "assets:bank",
        "50.00",
        discretionary=True,
    )


def test_no_entry_on_or_before_the_lock_date(officer, manager, public_fund):
    post(
        officer, public_fund, "assets:bank", "income:donations:boxes", "5.00", on=date(2026, 3, 31)
    )
    fund_lock_period(actor=manager, fund=public_fund, lock_date=date(2026, 4, 5))

    for day in (date(2026, 4, 5), date(2026, 1, 1)):
        with pytest.raises(PeriodLocked) as refused:
            post(officer, public_fund, "assets:bank", "income:donations:boxes", "1.00", on=day)
        assert "5 Apr 2026" in str(refused.value)
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "1.00", on=date(2026, 4, 6))
    assert balance("assets:bank", public_fund) == gbp("6.00")


def test_a_closed_period_cannot_be_reopened(manager, public_fund):
    fund_lock_period(actor=manager, fund=public_fund, lock_date=date(2026, 4, 5))
    with pytest.raises(InvalidPosting):
        fund_lock_period(
            actor=manager, fund=public_fund, lock_date=date(2026, 4, 5) - timedelta(days=1)
        )


def test_entry_is_reversed_once_and_a_reversal_is_not_reversed(officer, public_fund):
    entry = post(officer, public_fund, "assets:bank", "income:donations:boxes", "5.00")
    reversal = entry_reverse(actor=officer, entry=entry, effective_date=TODAY, memo="Mistake")

    with pytest.raises(AlreadyReversed):
        entry_reverse(actor=officer, entry=entry, effective_date=TODAY, memo="Again")
    with pytest.raises(AlreadyReversed):
        entry_reverse(actor=officer, entry=reversal, effective_date=TODAY, memo="Undo undo")
    assert balance("assets:bank", public_fund) == gbp("0.00")
    assert Entry.objects.count() == 2


def test_sequence_is_gapless_and_chained(officer, public_fund):
    for n in range(3):
        entry_post(
            actor=officer,
            effective_date=TODAY,
            memo=f"gift {n}",
            source="t",
            legs=[_leg(public_fund, gbp("1.00")), _leg(public_fund, gbp("2.00"))],
        )
    transfers = list(Transfer.objects.order_by("sequence"))
    assert [t.sequence for t in transfers] == [1, 2, 3, 4, 5, 6]
    assert transfers[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(transfers, transfers[1:], strict=False))
    head = ChainHead.objects.get()
    assert (head.sequence, head.hash) == (6, transfers[-1].hash)


def test_cached_balances_match_transfers(officer, public_fund):
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "5.00")
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "7.50")
    row = Balance.objects.get(fund=public_fund, account__code="assets:bank")
    assert row.debit_total == gbp("12.50")
    assert row.credit_total == gbp("0.00")


def test_each_side_of_a_posting_moves_its_own_balance_by_the_amount(officer, public_fund):
    """The credit side's cached balance moves by the amount, once: the trial balance of the
    cached balances stays level (the mutation check plants a doubled credit)."""
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "5.00")
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "7.50")
    income = Balance.objects.get(fund=public_fund, account__code="income:donations:boxes")
    assert income.credit_total == gbp("12.50")
    assert income.debit_total == gbp("0.00")
    rows = Balance.objects.all()
    assert sum((r.debit_total for r in rows), gbp("0.00")) == gbp("12.50")
    assert sum((r.credit_total for r in rows), gbp("0.00")) == gbp("12.50")
