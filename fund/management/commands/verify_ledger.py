from django.core.management.base import BaseCommand, CommandError

from fund.verification import verify_ledger


class Command(BaseCommand):
    help = (
        "Recompute the hash chain, every cached balance and the trial balance from the "
        "transfers. Exits 0 when all hold, 1 (naming the first bad row) when any does not."
    )

    def handle(self, *args, **options):
        result = verify_ledger()
        if not result.ok:
            for text in result.problems:
                self.stderr.write(text)
            raise CommandError(
                f"Ledger verification FAILED after {result.transfers_checked} transfers: "
                f"{result.problems[0]}",
                returncode=1,
            )
        self.stdout.write(
            f"Ledger OK: {result.transfers_checked} transfers checked; chain head "
            f"#{result.head_sequence} {result.head_hash}; balances and trial balance agree."
        )
