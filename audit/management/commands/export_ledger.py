import getpass
import json
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from audit.exports.kinds import EXPORT_KINDS, export_write
from audit.exports.params import ExportParams
from fund.models import Fund


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date in the form YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Export the ledger (or another export) for a period and fund, e.g. "
        "--format beancount --output ledger.beancount. Writes FILE.manifest.json beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=["csv", "xlsx", "ods", "hledger", "beancount", "pdf"],
            default="hledger",
        )
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--from", dest="date_from", type=_date, help="First date, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", type=_date, help="Last date, YYYY-MM-DD.")
        parser.add_argument("--fund", help="Fund code; all funds when omitted.")
        parser.add_argument(
            "--export",
            choices=sorted(EXPORT_KINDS),
            default="ledger",
            help="What to export (default: the ledger); statements are --format pdf.",
        )
        parser.add_argument("--user", help="Username recorded in the manifest as the exporter.")

    def handle(self, *args, **options):
        fund = None
        if options["fund"]:
            fund = Fund.objects.filter(code=options["fund"]).first()
            if fund is None:
                raise CommandError(f"No fund with code {options['fund']!r}.")
        if (
            options["date_from"]
            and options["date_to"]
            and options["date_from"] > options["date_to"]
        ):
            raise CommandError("--from must not be after --to.")
        kind = EXPORT_KINDS[options["export"]]
        if options["format"] not in kind.formats:
            raise CommandError(f"{kind.label} cannot be exported as {options['format']}.")
        actor = None
        actor_name = f"command line ({getpass.getuser()})"
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
            actor_name = actor.get_username()

        output = Path(options["output"])
        params = ExportParams(date_from=options["date_from"], date_to=options["date_to"], fund=fund)
        with output.open("wb") as stream:
            manifest = export_write(
                actor=actor,
                actor_name=actor_name,
                kind=kind.code,
                file_format=options["format"],
                params=params,
                stream=stream,
                file_name=output.name,
            )
        manifest_path = output.with_name(output.name + ".manifest.json")
        manifest_path.write_text(json.dumps(manifest.as_json(), indent=2) + "\n", encoding="utf-8")
        self.stdout.write(
            f"Wrote {output} ({manifest.row_count} rows, sha256 {manifest.sha256}) and "
            f"{manifest_path}; chain head #{manifest.chain_head_sequence}."
        )
