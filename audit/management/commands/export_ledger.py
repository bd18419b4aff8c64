from datetime import date

from django.core.management.base import BaseCommand, CommandError

from audit.journals import write_hledger
from fund.models import Fund


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date in the form YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Export the ledger for independent checking, e.g. --format hledger --output ledger.journal"
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["hledger"], default="hledger")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--from", dest="date_from", type=_date, help="First date, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", type=_date, help="Last date, YYYY-MM-DD.")
        parser.add_argument("--fund", help="Fund code; all funds when omitted.")

    def handle(self, *args, **options):
        fund = None
        if options["fund"]:
            fund = Fund.objects.filter(code=options["fund"]).first()
            if fund is None:
                raise CommandError(f"No fund with code {options['fund']!r}.")
        with open(options["output"], "w", encoding="utf-8") as stream:
            write_hledger(
                stream, date_from=options["date_from"], date_to=options["date_to"], fund=fund
            )
        self.stdout.write(f"Wrote {options['output']}")
