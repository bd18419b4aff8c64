"""verify_ledger now and at an earlier commit, side by side on the same ledger.

    DATABASE_URL=postgres://... .venv/bin/python bench/verify.py --against 74f300a --repeat 3

Runs on the ledger already in ``DATABASE_URL`` (``bench/batch.py --ledger 300000`` builds
one). The earlier version is read with ``git show <commit>:fund/verification.py`` and
loaded beside the current one; the two run alternately, so both see the same load. Each
figure is printed with the wall time, the CPU seconds of this process and of its database
backend, and the load average before and after.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _version_at(commit: str):
    source = subprocess.run(
        ["git", "show", f"{commit}:fund/verification.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location(f"verification_{commit}", file.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.unlink(file.name)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", default="", help="an earlier commit to compare with")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    # Imported here, not at the top: verify_ledger's second process is spawned, and a
    # spawned interpreter runs this file's top level again (it sets Django up).
    sys.path.insert(0, str(ROOT))
    from bench.batch import Timed  # sets Django up
    from fund import verification

    versions = {"now": verification}
    if args.against:
        versions[args.against] = _version_at(args.against)
    for _ in range(args.repeat):
        for name, module in versions.items():
            with Timed() as timed:
                result = module.verify_ledger()
            if not result.ok:
                sys.exit(f"{name}: verify_ledger failed: {result.problems[0]}")
            print(
                f"{name:>10}: {result.transfers_checked:,} transfers, "
                f"{result.transfers_checked / timed.wall:,.0f} /s {timed.describe()}",
                flush=True,
            )


if __name__ == "__main__":
    main()
