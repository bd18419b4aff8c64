"""Export benchmark: rows per second and peak memory for the ledger exports.

Measures, on the same rows in the same run, the ledger as CSV, XLSX and ODS (all three
written from the same ``values_list`` rows by ``fund.spreadsheets``: CSV by ``csv.writer``,
XLSX by rustpy-xlsxwriter in constant-memory mode, ODS streamed to a zip) and the PDF
trial balance, against django-import-export's plain ``ModelResource`` export, and prints
the ratios. Each measurement runs in a fresh Python process so that its peak resident memory
(``ru_maxrss``) is its own.

    .venv/bin/python bench/exports.py                 # 100,000 and 1,000,000 transfers
    .venv/bin/python bench/exports.py --sizes 100000  # a quicker run
    DATABASE_URL=postgres://... .venv/bin/python bench/exports.py   # on PostgreSQL

The ledger is written by the shared bulk loader (``bench/loader.py``), which produces
exactly the rows the posting service would: entries, gapless sequence, the hash chain built
with the service's own functions, cached balances and chain head; ``verify_ledger`` checks
it before anything is measured.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = Path(tempfile.gettempdir()) / "clf-bench-exports.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DEFAULT_DB}")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")


def peak_rss_mb() -> float:
    """This process's peak resident memory. ``VmHWM`` is reset by exec, unlike ``ru_maxrss``,
    which on Linux carries the forking parent's peak into the child."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def load_transfers(target: int) -> None:
    """Grow the ledger to ``target`` transfers with the shared bulk loader (bench/loader.py)."""
    from django.contrib.auth import get_user_model

    from bench.loader import load
    from fund.models import Fund, Transfer
    from fund.services.funds import fund_create

    actor, _ = get_user_model().objects.get_or_create(username="bench")
    funds = list(Fund.objects.filter(code__startswith="bench-").order_by("code")) or [
        fund_create(
            actor=actor, code=f"bench-{n}", name=f"Bench fund {n}", kind=Fund.Kind.UNRESTRICTED
        )
        for n in range(2)
    ]
    missing = target - Transfer.objects.count()
    if missing > 0:
        load(transfers=missing, actor=actor, funds=funds)


def run_case(case: str) -> dict:
    """One measurement, in this (fresh) process."""
    setup_django()
    from import_export.resources import ModelResource

    from audit.exports.kinds import export_write
    from audit.exports.params import ExportParams
    from fund.models import Transfer

    class PlainTransferResource(ModelResource):
        class Meta:
            model = Transfer

    baseline = peak_rss_mb()
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        if case in ("csv", "xlsx", "ods", "pdf_trial_balance"):
            kind, file_format = (
                ("trial_balance", "pdf") if case == "pdf_trial_balance" else ("ledger", case)
            )
            manifest = export_write(
                actor=None,
                actor_name="bench",
                kind=kind,
                file_format=file_format,
                params=ExportParams(),
                stream=out,
            )
            rows = Transfer.objects.count()  # every transfer is read (summed, for the PDF)
            size = manifest.size_bytes
        elif case.startswith("writer_"):
            from fund.spreadsheets import write_table

            _, file_format, count = case.split("_")
            rows = write_table(
                file_format,
                out,
                title="Ledger",
                header=LEDGER_COLUMNS,
                rows=ledger_shaped_rows(int(count)),
            )
            size = out.tell()
        else:
            file_format = case.removeprefix("modelresource_")
            dataset = PlainTransferResource().export(Transfer.objects.all())
            data = dataset.export(file_format)
            out.write(data if isinstance(data, bytes) else data.encode())
            rows, size = dataset.height, out.tell()
        seconds = time.perf_counter() - started
    return {
        "case": case,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "bytes": size,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "baseline_rss_mb": round(baseline, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "load_at_start": round(load_at_start, 1),
        "measured_at": time.strftime("%H:%M:%S", time.gmtime()),
    }


LEDGER_COLUMNS = [
    "Entry number",
    "Date",
    "Transfer number",
    "Fund",
    "Debit account",
    "Debit account name",
    "Credit account",
    "Credit account name",
    "Amount (GBP)",
    "Description",
    "Source",
    "Reverses entry",
    "Transfer hash",
]


def ledger_shaped_rows(count: int):
    """Rows shaped like the ledger export's (same 13 columns and types), made in memory.

    They time the spreadsheet writer alone, without the database, at sizes the bench
    ledger would take too long to load here, and show whether its memory grows."""
    from datetime import date, timedelta
    from decimal import Decimal

    start = date(2026, 4, 6)
    for n in range(1, count + 1):
        yield (
            n // 2 + 1,
            start + timedelta(days=n % 365),
            n,
            "public",
            "assets:stripe",
            "Stripe balance",
            "income:donations:online",
            "Donations: online",
            Decimal(n % 10_000) / 100 + Decimal("0.01"),
            f"Online gift OD-{n:06d}",
            "stripe",
            None,
            f"{n:064x}",
        )


def measure(case: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--case", case],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if result.returncode:
        raise SystemExit(f"{case} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument(
        "--cases",
        default="csv,xlsx,ods,pdf_trial_balance",
        help="Which of the app's exports to time.",
    )
    parser.add_argument("--keep", action="store_true", help="Reuse the bench database.")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="Time the cases this many times in turn (CSV, XLSX, CSV, XLSX...), so each "
        "format sees the same load; the summary gives each case's best and median.",
    )
    parser.add_argument(
        "--writer-rows",
        default="",
        help="Also time the XLSX and ODS writers alone on this many ledger-shaped rows made "
        "in memory (e.g. 100000,1000000), to show their memory does not grow.",
    )
    parser.add_argument(
        "--reference-csv-max",
        type=int,
        default=10_000_000,
        help="Largest ledger on which to run the plain ModelResource CSV.",
    )
    parser.add_argument(
        "--reference-xlsx-max",
        type=int,
        default=20_000,
        help="Largest ledger on which to run the plain ModelResource XLSX (very slow).",
    )
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return

    setup_django()
    from django.core.management import call_command

    from fund.verification import verify_ledger

    if os.environ["DATABASE_URL"] == f"sqlite:///{DEFAULT_DB}" and not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEFAULT_DB}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    from django.db import connection

    print(
        f"Database: {connection.vendor}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
        f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        load_transfers(size)
        check = verify_ledger()
        if not check.ok:
            raise SystemExit(f"The bench ledger does not verify: {check.problems[0]}")
        print(f"{size:,} transfers loaded and verified in {time.perf_counter() - started:.0f} s")
        cases = [
            c for c in ("csv", "xlsx", "ods", "pdf_trial_balance") if c in args.cases.split(",")
        ]
        if size <= args.reference_csv_max:
            cases.append("modelresource_csv")
        if size <= args.reference_xlsx_max:
            cases.append("modelresource_xlsx")
        by_case, runs = {}, {}
        for _ in range(args.repeat):
            for case in cases:
                result = measure(case)
                runs.setdefault(case, []).append(result)
                print(
                    f"  {result['measured_at']} UTC {case:<22} {result['rows']:>9,} rows "
                    f"{result['seconds']:>8.2f} s {result['rows_per_second']:>9,} rows/s  "
                    f"peak RSS {result['peak_rss_mb']:>7.1f} MB "
                    f"(baseline {result['baseline_rss_mb']:.1f} MB), "
                    f"load {result['load_at_start']} -> {result['load_average']}"
                )
        for case, measured in runs.items():
            ordered = sorted(measured, key=lambda r: r["rows_per_second"])
            by_case[case] = ordered[len(ordered) // 2]  # the median run (the upper one of two)
            if len(measured) > 1:
                best, worst = ordered[-1], ordered[0]
                print(
                    f"  {case:<22} over {len(measured)} runs: best "
                    f"{best['rows_per_second']:,} rows/s (load {best['load_average']}), "
                    f"median {by_case[case]['rows_per_second']:,}, worst "
                    f"{worst['rows_per_second']:,} (load {worst['load_average']}); "
                    f"peak RSS at most {max(r['peak_rss_mb'] for r in measured):.1f} MB"
                )
        for spreadsheet in ("xlsx", "ods"):
            if spreadsheet in by_case and "csv" in by_case:
                rate = by_case[spreadsheet]["rows_per_second"]
                print(
                    f"  ratio{' (median runs)' if args.repeat > 1 else ''}: "
                    f"{spreadsheet.upper()} / CSV = "
                    f"{rate / by_case['csv']['rows_per_second']:.2f}x; "
                    f"{rate:,} rows/s against the 15,000 target: "
                    f"{'met' if rate >= 15_000 else 'NOT met'}"
                )
        if "modelresource_csv" in by_case:
            csv_ratio = (
                by_case["csv"]["rows_per_second"] / by_case["modelresource_csv"]["rows_per_second"]
            )
            print(f"  ratio: streamed CSV / plain ModelResource CSV = {csv_ratio:.1f}x")
        if "modelresource_xlsx" in by_case:
            xlsx_ratio = (
                by_case["xlsx"]["rows_per_second"]
                / by_case["modelresource_xlsx"]["rows_per_second"]
            )
            print(f"  ratio: ledger XLSX / plain ModelResource XLSX = {xlsx_ratio:.1f}x")
        results.append({"transfers": size, "results": by_case, "runs": runs})
    for count in (int(c) for c in args.writer_rows.split(",") if c):
        for file_format in ("xlsx", "ods"):
            result = measure(f"writer_{file_format}_{count}")
            print(
                f"  writer alone, {file_format.upper()} {result['rows']:>9,} rows "
                f"{result['seconds']:>8.2f} s {result['rows_per_second']:>9,} rows/s  "
                f"peak RSS {result['peak_rss_mb']:>7.1f} MB "
                f"(baseline {result['baseline_rss_mb']:.1f} MB), load {result['load_average']}"
            )
            results.append({"writer_rows": count, "format": file_format, "result": result})
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "exports.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
