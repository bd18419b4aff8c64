from django.core.management.base import BaseCommand
from django.db import transaction

from fund.management.demo_only import demo_only
from people import demo


class Command(BaseCommand):
    help = "Load demo data through the services (safe to run again: it adds nothing twice)."

    @demo_only
    def handle(self, *args, **options):
        with transaction.atomic():
            context = demo.seed()
            # Each app adds its own demo records, in dependency order, through its services.
            for seed_app in demo_seeders():
                seed_app(context)
        self.stdout.write("Demo data ready. Sign in at http://127.0.0.1:8000/accounts/login/ as:")
        for username, _role, description in demo.DEMO_USERS + [("admin", None, "Administrator")]:
            self.stdout.write(f"  {username:<12} {description}")
        self.stdout.write(f"Password for every demo account: {demo.DEMO_PASSWORD}")
        self.stdout.write(
            "\nTwo-factor sign-in: every account above except partner is asked for a 6-digit\n"
            "code after the password. Either add this secret to an authenticator app\n"
            "(time-based, 6 digits, 30 seconds; the same secret serves every demo account):\n"
            f"  {demo.DEMO_TOTP_SECRET}\n"
            "or, in another terminal, print the code of the moment with:\n"
            "  DEBUG=1 .venv/bin/python manage.py demo_code\n"
            "A code works once: wait for the next one to sign in as someone else."
        )


def demo_seeders():
    from banking.demo import seed as seed_banking
    from donations.demo import seed_cash, seed_online
    from grants.demo import seed as seed_grants

    return [seed_cash, seed_online, seed_grants, seed_banking]
