from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from donations.services.retention import donor_data_remove_expired
from fund.selectors import chain_head
from fund.verification import verify_ledger
from grants.retention import client_data_remove_expired


class Command(BaseCommand):
    help = (
        "Anonymise the personal data whose retention period is over (settings.RETENTION) "
        "and print what was done. Ledger rows hold no personal data and are not touched: "
        "the command checks that the ledger verifies, and its chain head is the same, after."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what is due; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        now = timezone.now()
        head_before = chain_head()
        with transaction.atomic():
            clients = client_data_remove_expired(actor=None, now=now)
            donors = donor_data_remove_expired(actor=None, now=now)
            if dry_run:
                transaction.set_rollback(True)
        verb = "Due (dry run, nothing changed)" if dry_run else "Anonymised"
        self.stdout.write(f"{verb}:")
        self.stdout.write(
            f"  {len(clients.clients)} client reference(s) and the free text of "
            f"{len(clients.grants)} grant(s): client ids {_ids(clients.clients)}"
        )
        self.stdout.write(
            f"  {len(donors.declarations)} Gift Aid declaration(s): ids {_ids(donors.declarations)}"
        )
        self.stdout.write(
            f"  donor name and email on {len(donors.donations)} online gift(s): "
            f"ids {_ids(donors.donations)}"
        )
        result = verify_ledger()
        head_after = chain_head()
        if not result.ok or _head(head_before) != _head(head_after):
            raise CommandError("The ledger changed or does not verify: investigate at once.")
        self.stdout.write(
            f"Ledger unchanged and verified: {result.transfers_checked} transfers, chain head "
            f"#{result.head_sequence} {result.head_hash}."
        )


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids)) if ids else "none"


def _head(head) -> tuple:
    return (head.sequence, head.hash)
