"""Queue again every Stripe event that is not final and whose next attempt is due.

A worker killed mid-task leaves that task claimed for ever; ``make run`` runs this before
starting the worker, and in production it belongs in cron (every few minutes) beside
``manage.py db_worker``.
"""

from django.core.management.base import BaseCommand

from donations.services.stripe_events import stripe_events_requeue


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        queued = stripe_events_requeue()
        if options["verbosity"]:
            self.stdout.write(f"Queued {queued} Stripe event(s) for processing.")
