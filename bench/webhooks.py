"""Webhook load test (issues 12 and 15): sustained signed Stripe events under gunicorn.

    scripts/run-bench-scale.sh --scale 0.05          # runs after the page timings
    DATABASE_URL=postgres://.../empty_db .venv/bin/python bench/webhooks.py --events 2000

On the (empty, disposable) PostgreSQL database in ``DATABASE_URL``: migrates, makes the
public fund, starts the Stripe test double in this process, and opens ``--events``
one-off gifts through ``online_donation_start`` (each a Checkout Session in the double),
then has the double complete each checkout, keeping the ``checkout.session.completed``
events it builds without delivering them. Then it starts the app under gunicorn (DEBUG
off, as in production) and the task worker (``manage.py worker``, ``--task-workers`` of
them, at niceness ``--worker-nice`` as deploy/systemd runs it; each event fetches its
PaymentIntent, with the charge and balance transaction expanded, from the double), and a
second process sends the events, each signed as Stripe signs it (``t=...,v1=HMAC-SHA256``)
at send time, at ``--rate`` a second, open loop, from a pool of threads; a response time
runs from the connection's opening to the answer's last byte. Reported: events/s accepted
(200), p50/p95/max response time, and seconds until the worker has processed every event.
Then it checks each gift was posted exactly once (one gift entry and one fee entry per
event, no more) and that ``verify_ledger`` passes. Targets (issue 15): 200 events/s
accepted at p95 under 50 ms.
"""

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SECRET = "whsec_bench_load_test"
API_KEY = "sk_test_bench_load_test"
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds used so far by the processes ``pids`` (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"Nothing listening on port {port} after {seconds} s.")


def warm_up(port: int, workers: int) -> None:
    """Unsigned posts (answered 400, nothing stored) until every worker has answered one."""
    import http.client

    def one():
        for _ in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/stripe/webhook/", body=b"{}")
            conn.getresponse().read()
            conn.close()

    threads = [threading.Thread(target=one) for _ in range(2 * workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ---- The sender (a second process) ------------------------------------------------------


def send_command(args) -> int:
    """Send every event in ``--file`` at ``--rate`` a second; write the timings to ``--out``."""
    import http.client

    from devtools.stripe_double.events import sign_payload

    payloads = [line.encode() for line in Path(args.file).read_text().splitlines() if line]
    results: list[tuple[float, float, int] | None] = [None] * len(payloads)
    interval = 1.0 / args.rate
    counter = iter(range(len(payloads)))
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def worker():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            due = start + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            # Signed at send time, as Stripe signs it, but before the clock starts: the
            # response time is the server's (connect, send, answer), not the sender's.
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign_payload(payloads[i], args.secret),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            }
            sent = time.perf_counter()
            # gunicorn's sync workers close the connection after each answer, as Stripe's
            # deliveries each open their own.
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            status = 0
            try:
                conn.request("POST", "/stripe/webhook/", body=payloads[i], headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
            finally:
                conn.close()
            done = time.perf_counter()
            results[i] = (sent - start, done - sent, status, due - start)

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    Path(args.out).write_text(json.dumps(results))
    return 0


# ---- The worker, pointed at the double --------------------------------------------------


def worker_command(args) -> int:
    """``manage.py worker`` with DEBUG off and the app pointed at the double at runtime.

    The settings refuse ``STRIPE_API_BASE`` with DEBUG off (production must not reach a
    double); the benchmark sets it after start-up, as the tests' fixture does.
    """
    import django

    if args.nice:
        # Background work yields the cores to the web workers, whose answers Stripe waits
        # for (deploy/systemd/clf-worker.service runs the worker at the same niceness).
        os.nice(args.nice)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.STRIPE_API_BASE = args.api_base
    settings.STRIPE_SECRET_KEY = API_KEY
    call_command("worker", "--no-reload", "--no-startup-delay", "--interval", "0.1")
    return 0


# ---- The run ----------------------------------------------------------------------------


def main_command(args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult
    from djmoney.money import Money

    from devtools.stripe_double import StripeDouble
    from donations.models.online import OnlinePayment, StripeEvent
    from donations.services.online import online_donation_start
    from fund.models import Entry, Fund
    from fund.services.funds import fund_create
    from fund.verification import verify_ledger

    print(f"Webhook load test: {args.events:,} events at {args.rate:g}/s", flush=True)
    call_command("migrate", "--no-input", verbosity=0)
    call_command("createcachetable")
    if StripeEvent.objects.exists():
        sys.exit("The database already holds webhook events: give it an empty one.")
    actor, _ = get_user_model().objects.get_or_create(username="bench")
    if not Fund.objects.filter(code="public").exists():
        fund_create(actor=actor, code="public", name="Public donations", kind="unrestricted")

    double = StripeDouble(api_key=API_KEY, webhook_secret=SECRET).start(port=free_port())
    settings.STRIPE_API_BASE = double.base_url
    settings.STRIPE_SECRET_KEY = API_KEY
    start = time.perf_counter()
    lines = []
    for n in range(args.events):
        donation = online_donation_start(
            actor=None,
            attempt=uuid.uuid4(),
            amount=Money(3 + n % 97, "GBP"),
            frequency="one-off",
            site_url="http://127.0.0.1:8000",
        )
        (event,) = double.complete_checkout(donation.stripe_session_id)
        lines.append(json.dumps(event))  # one line each in the file
    print(
        f"  {args.events:,} checkouts opened and completed in the double "
        f"({time.perf_counter() - start:.0f} s)",
        flush=True,
    )
    connection.close()

    port = free_port()
    env = dict(os.environ)
    env.update(DEBUG="false", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_SECRET_KEY=API_KEY)
    env.update(SECURE_SSL_REDIRECT="false", ALLOWED_HOSTS="127.0.0.1,localhost")
    env.update(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    env.pop("STRIPE_API_BASE", None)
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        events_file = Path(tmp) / "events.jsonl"
        events_file.write_text("\n".join(lines))
        out = Path(tmp) / "timings.json"
        try:
            procs.append(
                subprocess.Popen(
                    [
                        PYTHON, "-m", "gunicorn", "config.wsgi",
                        "--bind", f"127.0.0.1:{port}",
                        "--workers", str(args.workers),
                        "--log-level", "warning",
                        "--preload",  # the app is loaded before the port opens
                    ],
                    cwd=ROOT, env=env,
                )
            )  # fmt: skip
            for _ in range(args.task_workers):
                procs.append(
                    subprocess.Popen(
                        [PYTHON, __file__, "worker", "--api-base", double.base_url,
                         "--nice", str(args.worker_nice)],
                        cwd=ROOT, env=env,
                    )
                )  # fmt: skip
            wait_for_port(port)
            warm_up(port, args.workers)
            load_start = load_average()
            web_pids = [procs[0].pid, *children(procs[0].pid)]
            worker_pids = [p.pid for p in procs[1:]]
            cpu_web, cpu_worker = cpu_seconds(web_pids), cpu_seconds(worker_pids)
            cpu_sender = resource.getrusage(resource.RUSAGE_CHILDREN)
            sent_at = time.time()
            subprocess.run(
                [
                    PYTHON, __file__, "send", "--file", str(events_file), "--out", str(out),
                    "--port", str(port), "--rate", str(args.rate), "--secret", SECRET,
                    "--threads", str(args.threads),
                ],
                cwd=ROOT, env=env, check=True,
            )  # fmt: skip
            sending_done = time.time()
            cpu_web = cpu_seconds(web_pids) - cpu_web
            cpu_worker = cpu_seconds(worker_pids) - cpu_worker
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_sender = (after.ru_utime - cpu_sender.ru_utime) + (
                after.ru_stime - cpu_sender.ru_stime
            )
            # Drained: every event processed and no task waiting or running.
            while True:
                waiting = StripeEvent.objects.exclude(outcome=StripeEvent.Outcome.PROCESSED)
                stored = StripeEvent.objects.count()
                tasks = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
                if stored >= args.events and not waiting.exists() and not tasks:
                    break
                if time.time() - sending_done > args.drain_timeout:
                    print(f"  NOT DRAINED after {args.drain_timeout} s", flush=True)
                    break
                time.sleep(0.2)
            drained = time.time()
            load_end = load_average()
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            double.stop()
        timings = json.loads(out.read_text())

    accepted = [t for t in timings if t and t[2] == 200]
    latencies = sorted(t[1] * 1000 for t in accepted)
    span = max(t[0] + t[1] for t in accepted) - min(t[0] for t in accepted)
    late = sorted((t[0] - t[3]) * 1000 for t in timings if t)
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18]
    payments = OnlinePayment.objects.count()
    sources = [
        f"donations.OnlinePayment:{pk}" for pk in OnlinePayment.objects.values_list("pk", flat=True)
    ]
    entries = Entry.objects.filter(source__in=sources).count()
    duplicates = (
        Entry.objects.filter(source__in=sources)
        .values("memo")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    result = verify_ledger()
    expected_entries = 2 * args.events  # the gift and Stripe's fee, once each
    print(f"  load average (1, 5, 15 min): {load_start} at start, {load_end} at end")
    print(
        f"  gunicorn: {args.workers} sync workers; task workers: {args.task_workers} "
        f"`manage.py worker` process(es) at niceness {args.worker_nice}"
    )
    sent = len(timings)
    print(
        f"  CPU while sending, per event sent: gunicorn {1000 * cpu_web / sent:.1f} ms, "
        f"task worker {1000 * cpu_worker / sent:.1f} ms, sender {1000 * cpu_sender / sent:.1f} ms"
        " (PostgreSQL and the double not counted)"
    )
    print()
    print("| | figure | target |")
    print("|---|---:|---|")
    rate = len(accepted) / span if span else 0
    print(f"| events sent (target rate {args.rate:g}/s) | {len(timings):,} | |")
    others = Counter(t[2] for t in timings if t and t[2] != 200)
    not_ok = ", ".join(f"{n} answered {code or 'no answer'}" for code, n in others.items())
    print(f"| accepted (200) | {len(accepted):,} ({not_ok or 'all'}) | all |")
    print(f"| accepted per second | {rate:.0f} | 200: {'met' if rate >= 200 else '**not met**'} |")
    print(f"| response time p50 | {statistics.median(latencies):.1f} ms | |")
    p95_met = "met" if p95 < 50 else "**not met**"
    print(f"| response time p95 | {p95:.1f} ms | under 50 ms: {p95_met} |")
    print(f"| response time max | {latencies[-1]:.1f} ms | |")
    print(f"| sender behind schedule, p95 | {late[int(len(late) * 0.95) - 1]:.1f} ms | |")
    # When every sender thread is waiting on an answer, the next event goes out late and its
    # wait is not in its response time: counted from when it was due, it is.
    from_due = sorted((t[0] - t[3] + t[1]) * 1000 for t in accepted)
    p95_due = statistics.quantiles(from_due, n=20, method="inclusive")[18]
    print(f"| response time counted from when each event was due, p95 | {p95_due:.1f} ms | |")
    print(f"| seconds from first event to queue drained | {drained - sent_at:.1f} | |")
    print(f"| seconds from last event to queue drained | {drained - sending_done:.1f} | |")
    print(f"| processing rate (events/s, whole run) | {args.events / (drained - sent_at):.0f} | |")
    print(f"| payments recorded | {payments:,} | {args.events:,} |")
    print(f"| gift and fee entries posted | {entries:,} | {expected_entries:,} |")
    verdict = "passed" if result.ok else "FAILED"
    print(f"| `verify_ledger` | {verdict} ({result.transfers_checked:,} transfers) | passes |")
    ok = result.ok and entries == expected_entries and payments == args.events and not duplicates
    if not ok:
        print("EXACTLY-ONCE CHECK FAILED", *result.problems[:10], sep="\n  ", file=sys.stderr)
        return 1
    print("Every event's gift and fee posted exactly once; verify_ledger passed.", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=32, help="sender threads")
    parser.add_argument("--drain-timeout", type=float, default=900)
    parser.add_argument("--task-workers", type=int, default=1, help="`manage.py worker`s")
    parser.add_argument(
        "--worker-nice", type=int, default=10, help="niceness of the task workers (0: none)"
    )
    s = sub.add_parser("send")
    s.add_argument("--file", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--rate", type=float, required=True)
    s.add_argument("--secret", required=True)
    s.add_argument("--threads", type=int, default=32)
    w = sub.add_parser("worker")
    w.add_argument("--api-base", required=True)
    w.add_argument("--nice", type=int, default=0)
    args = parser.parse_args()
    if args.command == "send":
        return send_command(args)
    if args.command == "worker":
        return worker_command(args)
    return main_command(args)


if __name__ == "__main__":
    sys.exit(main())
