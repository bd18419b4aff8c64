"""Scale benchmark (issue 15): every page a person uses, at scale and on the demo database.

    make bench-scale                                   # scale 1: 1,000,000 transfers
    scripts/run-bench.sh --scale-only --scale 0.05     # a quick run
    .venv/bin/python bench/scale.py --scale 0.05       # with DATABASE_URL set to a server

Against the PostgreSQL server in ``DATABASE_URL`` (``make bench-scale`` starts a private
one with durable defaults) it makes two databases: ``clf_demo`` (``seed_demo`` only) and
``clf_scale`` (``seed_demo``, then ``bench.scale_data.build``: collections, deposits and
grant requests through the services, online gifts in bulk with their entries posted by
``entry_post_many``, the rest of the transfers by ``bench.loader``). ``verify_ledger``
must pass on the scale database before any figure is printed. Each page is then fetched
with ``django.test.Client`` as the persona who uses it (signed in with both factors, as
the tests sign in), on both databases, one after the other, several times: median and
95th percentile, and the SQL queries of one request. Then the webhook load test
(``bench/webhooks.py``) runs unless ``--no-webhooks``.

``--reuse`` times the two databases an earlier run left (migrated and verified again), so
a page fix can be measured without building the data set again.

Subcommands (run by the orchestrator in fresh processes, one database each):
``build --scale S`` (then ``verify``), ``grants --scale S --part K/N`` (started by
``build``: the grant requests in N processes at once), ``verify``, ``time --reps N --out
FILE``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TARGET_MS = 200
TARGET_RATIO = 2.0
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# ---- Orchestrator -----------------------------------------------------------------------


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(base: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(base, name)


def child_env(url: str, *, debug: bool) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="true" if debug else "false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        # Notifications are built and handed to a backend that drops them: no mail server.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    env.setdefault("SECRET_KEY", f"bench-only-secret-key-{time.time_ns()}-not-for-production")
    env.pop("STRIPE_API_BASE", None)
    return env


def run(cmd: list[str], env: dict) -> None:
    subprocess.run(cmd, env=env, cwd=ROOT, check=True)


def seed(url: str) -> None:
    env = child_env(url, debug=True)
    for command in (["migrate", "--no-input", "-v0"], ["createcachetable"], ["seed_demo"]):
        subprocess.run(
            [PYTHON, "manage.py", *command], env=env, cwd=ROOT, check=True, capture_output=True
        )


def orchestrate(args) -> int:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (make bench-scale starts one).")
    load_start = load_average()
    started = time.time()
    print(f"Scale benchmark, scale {args.scale}; load average at start: {load_start}", flush=True)
    if args.reuse:
        # The databases of an earlier run, migrated to this code and checked again.
        demo_url, scale_url = database_url(base, "clf_demo"), database_url(base, "clf_scale")
        print("Reusing clf_demo and clf_scale: migrating and verifying...", flush=True)
        for url in (demo_url, scale_url):
            run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], child_env(url, debug=True))
        run([PYTHON, __file__, "verify"], child_env(scale_url, debug=False))
        build_seconds = None
    else:
        demo_url = recreate_database(base, "clf_demo")
        scale_url = recreate_database(base, "clf_scale")
        print("Seeding the demo database and the scale database's demo base...", flush=True)
        seed(demo_url)
        seed(scale_url)
        print(f"Building the scale data set (load {load_average()})...", flush=True)
        t0 = time.perf_counter()
        run(
            [PYTHON, __file__, "build", "--scale", str(args.scale)],
            child_env(scale_url, debug=False),
        )
        build_seconds = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        load_timing = load_average()
        for label, url in (("demo", demo_url), ("scale", scale_url)):
            out = Path(tmp) / f"{label}.json"
            run(
                [PYTHON, __file__, "time", "--reps", str(args.reps), "--out", str(out)],
                child_env(url, debug=False),
            )
            results[label] = json.loads(out.read_text())
    load_end = load_average()
    print_table(results, args, build_seconds, load_start, load_timing, load_end, started)
    if args.webhooks:
        print(flush=True)
        hook_url = recreate_database(base, "clf_webhooks")
        env = child_env(hook_url, debug=False)
        cmd = [PYTHON, str(ROOT / "bench" / "webhooks.py"), "--events", str(args.events)]
        run([*cmd, "--rate", str(args.rate)], env)
    return 0


def print_table(results, args, build_seconds, load_start, load_timing, load_end, started) -> None:
    demo, scale = results["demo"], results["scale"]
    counts = scale["counts"]
    print()
    print(
        f"Scale {args.scale}: {counts['transfers']:,} transfers, {counts['grants']:,} grant "
        f"requests, {counts['online']:,} online gifts, {counts['collections']:,} collections "
        f"(demo: {demo['counts']['transfers']:,} transfers); "
        f"{'reused' if build_seconds is None else f'built in {build_seconds:.0f} s'}, "
        f"verify_ledger passed on {counts['verified']:,} transfers"
    )
    print(
        f"{args.reps} requests a page on each database after one warm-up; median (p95) ms; "
        f"load average (1, 5, 15 min) at start {load_start}, before timing {load_timing}, "
        f"at end {load_end}; commit {demo['commit']}"
    )
    print()
    header = (
        "| page | persona | demo ms | scale ms | ratio | 200 ms | ≤2x demo | queries demo | "
        "queries scale |"
    )
    print(header)
    print("|---|---|---:|---:|---:|---|---|---:|---:|")
    for name, d in demo["pages"].items():
        s = scale["pages"].get(name)
        if s is None or "error" in s or "error" in d:
            print(
                f"| {name} | {d.get('persona', '')} | {d.get('error', '')} | "
                f"{(s or {}).get('error', '')} | | | | | |"
            )
            continue
        ratio = s["median"] / d["median"] if d["median"] else float("inf")
        print(
            f"| {name} | {d['persona']} | {d['median']:.0f} ({d['p95']:.0f}) | "
            f"{s['median']:.0f} ({s['p95']:.0f}) | {ratio:.1f}x | "
            f"{'met' if s['median'] <= TARGET_MS else '**not met**'} | "
            f"{'met' if ratio <= TARGET_RATIO else '**not met**'} | "
            f"{d['queries']} | {s['queries']} |"
        )
    print(f"\n(total wall time {time.time() - started:.0f} s)", flush=True)


# ---- build ------------------------------------------------------------------------------


def build_command(args) -> int:
    import django

    django.setup()
    from bench.scale_data import build

    start = time.perf_counter()
    built = build(scale=args.scale, log=lambda line: print(line, flush=True))
    print(f"  built {built} in {time.perf_counter() - start:.0f} s", flush=True)
    return verify_command(args)


def verify_command(args) -> int:
    import django

    django.setup()
    from fund.verification import verify_ledger

    start = time.perf_counter()
    result = verify_ledger()
    seconds = time.perf_counter() - start
    if not result.ok:
        print("verify_ledger FAILED:", *result.problems[:20], sep="\n  ", file=sys.stderr)
        return 1
    print(
        f"  verify_ledger: {result.transfers_checked:,} transfers in {seconds:.1f} s, ok",
        flush=True,
    )
    return 0


def grants_command(args) -> int:
    import django

    django.setup()
    from bench.scale_data import grants, targets

    part, of = (int(x) for x in args.part.split("/"))
    count = targets(args.scale)["grants"]
    result = grants(
        count, part=part, of=of, seed=args.seed, log=lambda line: print(line, flush=True)
    )
    print(json.dumps(result), flush=True)
    return 0


# ---- time -------------------------------------------------------------------------------


def pages():
    """(name, persona, url, before-each-request) for every page a person uses."""
    from django.core.cache import cache
    from django.urls import reverse
    from django.utils import timezone

    from donations.models.online import OnlineDonation
    from grants.models import Grant

    today = timezone.localdate()
    year_ago = today - timedelta(days=365)
    paid_grant = Grant.objects.filter(status=Grant.Status.PAID).order_by("-pk").first()
    gift = OnlineDonation.objects.filter(status=OnlineDonation.Status.PAID).order_by("-pk").first()
    dash = reverse("audit:dashboard")
    return [
        ("funds home", "manager", reverse("home"), None),
        ("cash counts", "officer", reverse("donations:cash_counts"), None),
        ("cash in transit", "officer", reverse("donations:cash_in_transit"), None),
        ("cash overview", "officer", reverse("donations:cash_overview"), None),
        ("dashboard, default range", "manager", dash, None),
        ("dashboard, a full year", "manager", f"{dash}?date_from={year_ago}&date_to={today}", None),
        ("online gifts list", "officer", reverse("donations:online-list"), None),
        ("online gift detail", "officer", reverse("donations:online-detail", args=[gift.pk]), None),
        ("transparency, cache expired", "anonymous", reverse("transparency"), cache.clear),
        ("partner view", "partner", reverse("audit:partner"), None),
        ("grant queue", "officer", reverse("grants:queue"), None),
        ("grant requests (key worker)", "keyworker", reverse("grants:list"), None),
        ("grant detail", "manager", reverse("grants:detail", args=[paid_grant.pk]), None),
        ("exports page", "auditor", reverse("audit:exports"), None),
        ("bank statements", "officer", reverse("banking:statements"), None),
        ("bank lines", "officer", reverse("banking:lines"), None),
        ("bank reconciliation", "officer", reverse("banking:reconciliation"), None),
        ("grant decisions", "manager", reverse("grants:decisions"), None),
        ("grants to follow up", "officer", reverse("grants:follow_up"), None),
        ("clients (key worker)", "keyworker", reverse("grants:clients"), None),
        ("fund limits", "manager", reverse("grants:limits"), None),
        ("Stripe events", "officer", reverse("donations:stripe-events"), None),
        ("Stripe payouts", "officer", reverse("donations:payout-list"), None),
        ("Stripe balance checks", "officer", reverse("donations:stripe-checks"), None),
        ("Gift Aid claims", "officer", reverse("donations:gift-aid"), None),
        ("collection points", "officer", reverse("donations:cash_points"), None),
        ("cash yield", "officer", reverse("donations:cash_yield"), None),
        ("GASDS report", "officer", reverse("donations:cash_gasds"), None),
        ("period close", "manager", reverse("audit:period_close"), None),
        ("year end", "manager", reverse("audit:year_end"), None),
        ("admin entries list", "admin", "/admin/fund/entry/", None),
        ("admin transfers list", "admin", "/admin/fund/transfer/", None),
    ]


def time_command(args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import tests.conftest  # noqa: F401 - signs in with both factors, as every test does
    from donations.models.cash import Collection
    from donations.models.online import OnlinePayment
    from fund.models import Transfer
    from grants.models import Grant

    # As in the tests: DEBUG off without collectstatic, so static files come from finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    users = {u.username: u for u in get_user_model().objects.all()}
    clients = {}
    results = {}
    for name, persona, url, before in pages():
        client = clients.get(persona)
        if client is None:
            client = clients[persona] = Client()
            if persona != "anonymous":
                client.force_login(users[persona])
        samples = []
        try:
            for rep in range(args.reps + 1):
                if before:
                    before()
                start = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"answered {response.status_code}")
                if rep:  # the first is the warm-up
                    samples.append(elapsed)
            if before:
                before()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
        except Exception as error:  # noqa: BLE001 - reported in the table, the run goes on
            results[name] = {"persona": persona, "error": f"error: {error}"}
            print(f"  {name}: {error}", flush=True)
            continue
        samples.sort()
        results[name] = {
            "persona": persona,
            "median": statistics.median(samples),
            "p95": statistics.quantiles(samples, n=20, method="inclusive")[18]
            if len(samples) > 1
            else samples[0],
            "queries": len(queries),
            "bytes": len(response.content),
        }
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    counts = {
        "transfers": Transfer.objects.count(),
        "grants": Grant.objects.count(),
        "online": OnlinePayment.objects.count(),
        "collections": Collection.objects.count(),
        "verified": Transfer.objects.count(),
    }
    Path(args.out).write_text(json.dumps({"pages": results, "counts": counts, "commit": commit}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--no-webhooks", dest="webhooks", action="store_false")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the clf_demo and clf_scale databases of an earlier run (migrated, verified)",
    )
    parser.add_argument("--events", type=int, default=2000, help="webhook events to send")
    parser.add_argument("--rate", type=float, default=200, help="webhook events a second")
    b = sub.add_parser("build")
    b.add_argument("--scale", type=float, required=True)
    sub.add_parser("verify")
    g = sub.add_parser("grants", help="one builder process's share of the grant requests")
    g.add_argument("--scale", type=float, required=True)
    g.add_argument("--part", required=True, help="K/N: requests K, K+N, K+2N, ...")
    g.add_argument("--seed", type=int, default=2026)
    t = sub.add_parser("time")
    t.add_argument("--reps", type=int, default=7)
    t.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "build":
        return build_command(args)
    if args.command == "verify":
        return verify_command(args)
    if args.command == "grants":
        return grants_command(args)
    if args.command == "time":
        return time_command(args)
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
