"""Where a webhook's time goes, in one process (issue 15): CPU per request, SQL per request.

    DATABASE_URL=postgres://.../empty_db .venv/bin/python bench/webhook_profile.py --events 500

On the (empty, disposable) database in ``DATABASE_URL``: migrates, makes the public fund,
opens ``--events`` one-off gifts in the Stripe double and completes each checkout, keeping
the ``checkout.session.completed`` events (as ``bench/webhooks.py`` does). Then, in this one
process, with DEBUG off:

1. the accept path: each event is sent signed, as Stripe signs it, through the whole WSGI
   stack (``django.test.Client``, every middleware) to ``/stripe/webhook/``; reported: CPU
   and wall time per request, the SQL statements of one request, and (``--profile``) the
   cProfile of all of them;
2. the worker: each stored event's task is run as ``manage.py worker`` runs it (claimed,
   then ``stripe_event_task``, fetching from the double); reported the same way.

CPU time (``time.process_time``) does not depend on what else the machine runs; the load
average is printed beside it anyway.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

SECRET = "whsec_bench_load_test"
API_KEY = "sk_test_bench_load_test"


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def report(title: str, n: int, cpu: float, wall: float, profile, top: int) -> None:
    print(f"{title}: {n} in {wall:.2f} s wall, {cpu:.2f} s CPU in this process")
    print(f"  per item: {1000 * cpu / n:.2f} ms CPU, {1000 * wall / n:.2f} ms wall")
    if profile is not None and top:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
        print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--profile", type=int, default=40, help="rows of cProfile (0: none)")
    parser.add_argument("--no-worker", action="store_true", help="time the accept path only")
    parser.add_argument("--show-sql", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult
    from djmoney.money import Money

    from devtools.stripe_double import StripeDouble
    from devtools.stripe_double.events import sign_payload
    from donations.models.online import StripeEvent
    from donations.services.online import online_donation_start
    from fund.models import Entry, Fund
    from fund.services.funds import fund_create

    settings.STRIPE_WEBHOOK_SECRET = SECRET
    call_command("migrate", "--no-input", verbosity=0)
    call_command("createcachetable")
    if StripeEvent.objects.exists():
        sys.exit("The database already holds webhook events: give it an empty one.")
    actor, _ = get_user_model().objects.get_or_create(username="bench")
    if not Fund.objects.filter(code="public").exists():
        fund_create(actor=actor, code="public", name="Public donations", kind="unrestricted")
    double = StripeDouble(api_key=API_KEY, webhook_secret=SECRET).start(port=0)
    settings.STRIPE_API_BASE = double.base_url
    settings.STRIPE_SECRET_KEY = API_KEY
    payloads = []
    for n in range(args.events + 1):
        donation = online_donation_start(
            actor=None,
            attempt=uuid.uuid4(),
            amount=Money(3 + n % 97, "GBP"),
            frequency="one-off",
            site_url="http://127.0.0.1:8000",
        )
        (event,) = double.complete_checkout(donation.stripe_session_id)
        payloads.append(json.dumps(event).encode())

    print(f"Load average (1, 5, 15 min): {load_average()}; database {connection.vendor}")
    client = Client()

    def send(payload: bytes) -> int:
        return client.post(
            "/stripe/webhook/",
            data=payload,
            content_type="application/json; charset=utf-8",
            headers={"Stripe-Signature": sign_payload(payload, SECRET)},
        ).status_code

    # One request with its SQL shown (it also warms up every import and the connection).
    with CaptureQueriesContext(connection) as queries:
        assert send(payloads[0]) == 200
    print(f"SQL statements for one accepted event: {len(queries.captured_queries)}")
    if args.show_sql:
        for q in queries.captured_queries:
            print("   ", q["sql"][:300])
    with CaptureQueriesContext(connection) as queries:
        assert send(payloads[0]) == 200
    print(f"SQL statements for a repeated delivery: {len(queries.captured_queries)}")
    if args.show_sql:
        for q in queries.captured_queries:
            print("   ", q["sql"][:300])

    profile = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profile:
        profile.enable()
    statuses = [send(p) for p in payloads[1:]]
    if profile:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert statuses == [200] * args.events, set(statuses)
    report("Accept path (cProfile on)" if profile else "Accept path", args.events, cpu, wall,
           profile, args.profile)  # fmt: skip
    if profile:
        cpu, wall = time.process_time(), time.perf_counter()
        for p in payloads[1:101]:
            client.post(
                "/stripe/webhook/",
                data=p,
                content_type="application/json; charset=utf-8",
                headers={"Stripe-Signature": sign_payload(p, SECRET)},
            )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        report("Accept path, repeated deliveries (no cProfile)", 100, cpu, wall, None, 0)

    if args.no_worker:
        double.stop()
        return 0

    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="profile", excluded_queue_names=[],
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        worker.max_tasks = 1
        worker.run()
    print(f"SQL statements for one event processed by the worker: {len(queries.captured_queries)}")
    if args.show_sql:
        for q in queries.captured_queries:
            print("   ", q["sql"][:300])
    worker.max_tasks = None
    worker._run_tasks = 0
    left = DBTaskResult.objects.filter(status="READY").count()
    profile = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profile:
        profile.enable()
    worker.run()
    if profile:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    report("Worker (cProfile on; the double's threads count too)", left, cpu, wall, profile,
           args.profile)  # fmt: skip
    processed = StripeEvent.objects.filter(outcome=StripeEvent.Outcome.PROCESSED).count()
    print(f"Events processed: {processed}; entries: {Entry.objects.count()}")
    double.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
