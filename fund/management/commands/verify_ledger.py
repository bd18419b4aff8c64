import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fund.verification import chain_head_problem, verify_ledger

MANIFEST_SUFFIX = ".manifest.json"


class Command(BaseCommand):
    help = (
        "Recompute the hash chain, every cached balance and the trial balance from the "
        "transfers. Exits 0 when all hold, 1 (naming the first bad row) when any does not. "
        "With --manifest, also check an earlier export against its manifest: the file's "
        "SHA-256, and that the ledger still holds the chain head recorded at export time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--manifest",
            action="append",
            default=[],
            metavar="FILE.manifest.json",
            help="An export manifest to check (may be given more than once).",
        )

    def handle(self, *args, **options):
        result = verify_ledger()
        problems = list(result.problems)
        for manifest_path in options["manifest"]:
            problems.extend(self.check_manifest(Path(manifest_path)))
        if problems:
            for text in problems:
                self.stderr.write(text)
            raise CommandError(
                f"Ledger verification FAILED after {result.transfers_checked} transfers: "
                f"{problems[0]}",
                returncode=1,
            )
        self.stdout.write(
            f"Ledger OK: {result.transfers_checked} transfers checked; chain head "
            f"#{result.head_sequence} {result.head_hash}; balances and trial balance agree."
        )
        for manifest_path in options["manifest"]:
            self.stdout.write(f"Manifest OK: {manifest_path}")

    def check_manifest(self, path: Path) -> list[str]:
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            head = manifest["chain_head"]
            sequence, expected_hash = int(head["sequence"]), str(head["hash"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Cannot read the manifest {path}: {error}") from None
        problems = []
        export = path.with_name(path.name.removesuffix(MANIFEST_SUFFIX))
        if path.name.endswith(MANIFEST_SUFFIX) and export.exists():
            digest = hashlib.sha256()
            with export.open("rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
            if digest.hexdigest() != manifest.get("sha256"):
                problems.append(f"{export}: SHA-256 differs from its manifest (file changed)")
        problem = chain_head_problem(sequence, expected_hash)
        if problem:
            problems.append(f"{path}: {problem}")
        return problems
