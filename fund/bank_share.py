"""A fund's share of the one bank account the funds share.

Funds share one bank account, so a fund's share of it is its ``assets:bank`` balance. A
fund's "available" figure also counts money not yet in the bank (cash in transit and the
Stripe balance): approvals may rely on that, but a payment out of the bank may not.
"""

from dataclasses import dataclass

from djmoney.money import Money

from fund.models import Account, Fund
from fund.selectors import account_balance

BANK = "assets:bank"
CASH_IN_TRANSIT = "assets:cash-in-transit"
STRIPE = "assets:stripe"


@dataclass(frozen=True)
class BankShare:
    bank: Money
    cash_in_transit: Money
    stripe: Money

    @property
    def not_banked(self) -> Money:
        """The fund's money on its way to the bank: cash not banked and the Stripe balance."""
        return self.cash_in_transit + self.stripe

    def shortfall(self, payment: Money) -> Money:
        """How far ``payment`` would take the fund's bank share below zero (£0.00 if not)."""
        short = payment - self.bank
        return short if short.amount > 0 else Money(0, "GBP")


def bank_share(fund: Fund) -> BankShare:
    accounts = {a.code: a for a in Account.objects.filter(code__in=[BANK, CASH_IN_TRANSIT, STRIPE])}
    return BankShare(
        bank=account_balance(accounts[BANK], fund),
        cash_in_transit=account_balance(accounts[CASH_IN_TRANSIT], fund),
        stripe=account_balance(accounts[STRIPE], fund),
    )
