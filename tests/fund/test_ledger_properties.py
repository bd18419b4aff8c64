"""Any sequence of postings, reversals and refused postings keeps every invariant."""

from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import transaction
from django.db.models import Sum
from djmoney.money import Money
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fund.exceptions import AlreadyReversed, InsufficientFunds
from fund.models import Account, Balance, Entry, Fund, Transfer
from fund.selectors import available_in_fund, trial_balance
from fund.services.funds import fund_create
from fund.services.posting import Leg, entry_post
from fund.services.reversal import entry_reverse
from fund.verification import verify_ledger
from tests.conftest import make_user
from tests.fund.helpers import TODAY

pence = st.integers(min_value=1, max_value=500_000).map(lambda p: Money(Decimal(p) / 100, "GBP"))

INCOME = [
    ("assets:bank", "income:contributions"),
    ("assets:cash-in-transit", "income:donations:boxes"),
    ("assets:stripe", "income:donations:online"),
]
FACTS = [
    ("expenses:fees", "assets:stripe"),
    ("income:donations:online", "assets:stripe"),
    ("expenses:cash-differences", "assets:cash-in-transit"),
    ("assets:bank", "assets:cash-in-transit"),
]
GRANTS = ["expenses:grants:phone", "expenses:grants:furniture", "expenses:grants:other"]


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def set_up(self):
        # Each example runs in its own savepoint, rolled back at teardown.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.actor = make_user(f"prop-{uuid4().hex}")
        self.funds = [
            fund_create(
                actor=self.actor,
                code=f"f{i}-{uuid4().hex[:8]}",
                name=f"Fund {i}",
                kind=Fund.Kind.UNRESTRICTED,
            )
            for i in range(2)
        ]
        self.entries: list[Entry] = []
        self.committed = {f.pk: Decimal(0) for f in self.funds}

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _post(self, fund, debit, credit, amount, discretionary=False):
        entry = entry_post(
            actor=self.actor,
            effective_date=TODAY,
            memo="p",
            source="hypothesis",
            legs=[Leg(fund=fund, debit=debit, credit=credit, amount=amount)],
            discretionary=discretionary,
        )
        self.entries.append(entry)

    @rule(fund=st.integers(0, 1), pair=st.sampled_from(INCOME), amount=pence)
    def receive(self, fund, pair, amount):
        self._post(self.funds[fund], *pair, amount)

    @rule(fund=st.integers(0, 1), pair=st.sampled_from(FACTS), amount=pence)
    def outside_fact(self, fund, pair, amount):
        self._post(self.funds[fund], *pair, amount)

    @rule(fund=st.integers(0, 1), category=st.sampled_from(GRANTS), amount=pence)
    def approve_grant(self, fund, category, amount):
        fund = self.funds[fund]
        before = available_in_fund(fund)
        entries_before = Entry.objects.count()
        try:
            self._post(fund, category, "liabilities:grants-payable", amount, discretionary=True)
        except InsufficientFunds:
            assert before < amount
            assert Entry.objects.count() == entries_before
            assert available_in_fund(fund) == before
        else:
            assert before >= amount
            assert available_in_fund(fund).amount >= 0

    @rule(fund=st.integers(0, 1), amount=pence)
    def pay_supplier(self, fund, amount):
        self._post(
            self.funds[fund],
            "liabilities:grants-payable",
            "assets:bank",
            amount,
            discretionary=True,
        )

    @rule(data=st.data())
    def reverse(self, data):
        if not self.entries:
            return
        entry = data.draw(st.sampled_from(self.entries))
        try:
            self.entries.append(
                entry_reverse(actor=self.actor, entry=entry, effective_date=TODAY, memo="rev")
            )
        except AlreadyReversed:
            assert entry.reverses_id is not None or Entry.objects.filter(reverses=entry).exists()

    @invariant()
    def trial_balance_is_zero(self):
        rows = trial_balance()
        assert sum(r.debit.amount for r in rows) == sum(r.credit.amount for r in rows)

    @invariant()
    def cached_balances_equal_transfer_sums(self):
        sums: dict[tuple[int, int], list[Decimal]] = {}
        for side, field in ((0, "debit_account"), (1, "credit_account")):
            for row in Transfer.objects.values("fund", field).annotate(total=Sum("amount")):
                sums.setdefault((row["fund"], row[field]), [Decimal(0), Decimal(0)])[side] = row[
                    "total"
                ]
        for fund_id, account_id, debit, credit in Balance.objects.values_list(
            "fund", "account", "debit_total", "credit_total"
        ):
            assert [debit, credit] == sums.get((fund_id, account_id), [Decimal(0), Decimal(0)])


@pytest.mark.django_db
def test_any_sequence_of_postings_keeps_the_ledger_sound():
    class Machine(LedgerMachine):
        def teardown(self):
            result = verify_ledger()
            assert result.ok, result.problems
            super().teardown()

    Machine.TestCase.settings = settings(
        max_examples=30,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Machine.TestCase().runTest()
    assert Account.objects.exists()
