from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from fund.clock import clock_at, run_timeline
from fund.management.demo_only import demo_only
from people import demo


class Command(BaseCommand):
    help = (
        "Load a year of demo data in Doncaster through the services, each step under the "
        "demo clock at its own moment (safe to run again: it adds nothing twice)."
    )

    @demo_only
    def handle(self, *args, **options):
        from donations.demo.online import already_seeded, stripe_double_for_demo

        today = timezone.localdate()
        with transaction.atomic():
            with clock_at(demo.at(demo.year_start(today), 8)):
                context = demo.seed(today)
            if not already_seeded():
                with stripe_double_for_demo() as base:
                    context["stripe_base"] = base
                    steps = [step for timeline in demo_timelines() for step in timeline(context)]
                    run_timeline(steps)
        self.stdout.write(
            "Two-factor sign-in: every account below except partner asks for a 6-digit code\n"
            f"after the password. Add the secret {demo.DEMO_TOTP_SECRET} to an authenticator\n"
            "app (time-based, 6 digits, 30 s), or print the code of the moment with\n"
            "  DEBUG=1 .venv/bin/python manage.py demo_code\n"
            "A code works once: wait for the next one to sign in as someone else.\n"
        )
        self.stdout.write("Demo data ready. Sign in at http://127.0.0.1:8000/accounts/login/ as:")
        for username, _role, description in demo.DEMO_USERS + [("admin", None, "Administrator")]:
            self.stdout.write(f"  {username:<12} {description}")
        self.stdout.write(f"Password for every demo account: {demo.DEMO_PASSWORD}")


def demo_timelines():
    """Each app's part of the demo year, in dependency order (steps at the same moment run
    in this order)."""
    from audit.demo import timeline as closes
    from banking.demo import timeline as statements
    from donations.demo.cash import cash_timeline
    from donations.demo.contributions import contribution_timeline
    from donations.demo.giftaid import claims_timeline
    from donations.demo.online import online_timeline
    from donations.demo.taps import tap_timeline
    from grants.demo import timeline as grants

    return [
        cash_timeline,
        tap_timeline,
        online_timeline,
        contribution_timeline,
        claims_timeline,
        grants,
        statements,
        closes,
    ]
