from datetime import date

from djmoney.money import Money

from fund.models import Account
from fund.selectors import account_balance
from fund.services.posting import Leg, entry_post

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


def seed_demo_part(*timelines) -> dict:
    """The demo's people and public fund, then only the given parts of its year (e.g.
    ``donations.demo.cash.cash_timeline``), each step under the demo clock as ``seed_demo`` runs
    them: for a test that reads one part, without seeding the whole year each time."""
    from django.utils import timezone

    from fund.clock import clock_at, run_timeline
    from people import demo

    today = timezone.localdate()
    with clock_at(demo.at(demo.year_start(today), 8)):
        context = demo.seed(today)
    run_timeline([step for timeline in timelines for step in timeline(context)])
    return context
