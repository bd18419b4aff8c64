from django.core.management.base import BaseCommand

from fund.management.demo_only import demo_only
from people import demo


class Command(BaseCommand):
    help = (
        "Print the current two-factor code for the demo accounts (the published demo "
        "secret). Development only."
    )

    @demo_only
    def handle(self, *args, **options):
        self.stdout.write(demo.totp_code(demo.DEMO_TOTP_SECRET))
