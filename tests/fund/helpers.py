from datetime import date

from djmoney.money import Money

from fund.models import Account
from fund.selectors import account_balance
from fund.services import Leg, entry_post

TODAY = date(2026, 11, 26)


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


def post(
    actor, fund, debit, credit, amount, *, key=None, discretionary=False, on=TODAY, memo="test"
):
    return entry_post(
        actor=actor,
        effective_date=on,
        memo=memo,
        source="tests",
        legs=[Leg(fund=fund, debit=debit, credit=credit, amount=gbp(amount))],
        idempotency_key=key,
        discretionary=discretionary,
    )


def balance(code: str, fund=None) -> Money:
    return account_balance(Account.objects.get(code=code), fund)


def call_demo_command(name: str, *args, **options):
    """Run a demo-only command as ``make run`` does, with DEBUG on (tests run with it off)."""
    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(DEBUG=True):
        return call_command(name, *args, **options)
