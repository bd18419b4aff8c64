from django.core.management.base import BaseCommand
from django.db import transaction

from grants import notifications, selectors


class Command(BaseCommand):
    help = (
        "Email key workers about paid grants with no receipt after 14 days and no outcome "
        "after 28 days. Run once a day."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            receipts = list(selectors.missing_receipts().select_related("requester"))
            outcomes = list(selectors.outcomes_due())
            for grant in receipts:
                notifications.receipt_reminder(grant)
            for grant in outcomes:
                notifications.outcome_reminder(grant)
        self.stdout.write(
            f"Sent {len(receipts)} receipt reminder(s) and {len(outcomes)} outcome reminder(s)."
        )
