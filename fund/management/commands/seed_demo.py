from django.core.management.base import BaseCommand
from django.db import transaction

from fund import demo


class Command(BaseCommand):
    help = "Load demo data through the services (safe to run again: it adds nothing twice)."

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


def demo_seeders():
    from donations.demo import seed_cash

    return [seed_cash]
