from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from people import demo


class Command(BaseCommand):
    help = (
        "Print the current two-factor code for the demo accounts (the published demo "
        "secret). Development only."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code is for the local demo only (DEBUG on).")
        self.stdout.write(demo.totp_code(demo.DEMO_TOTP_SECRET))
