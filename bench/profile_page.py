"""Where one page of the scale benchmark spends its time: each SQL query with its time,
slowest first, then the Python functions with the most time of their own.

    export DATABASE_URL=postgres://.../clf_scale
    .venv/bin/python bench/profile_page.py "dashboard, default range"
    .venv/bin/python bench/profile_page.py --list      # the page names

The page, its persona and its address are those ``bench/scale.py`` times. Read-only apart
from the cache a page fills; run it against ``clf_scale`` or ``clf_demo`` an earlier
``bench/scale.py`` run left.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", nargs="?", help="a page name as bench/scale.py prints it")
    parser.add_argument("--list", action="store_true", help="list the page names")
    parser.add_argument("--queries", type=int, default=15, help="slowest queries to print")
    parser.add_argument("--functions", type=int, default=25, help="functions to print")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import tests.conftest  # noqa: F401 - signs in with both factors, as every test does
    from bench.scale import pages

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    known = {name: (persona, url, before) for name, persona, url, before in pages()}
    if args.list or args.page not in known:
        print("\n".join(known))
        return 0 if args.list else 2
    persona, url, before = known[args.page]
    client = Client()
    if persona != "anonymous":
        client.force_login(get_user_model().objects.get(username=persona))
    if before:
        before()
    client.get(url)  # warm-up
    if before:
        before()
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        profiler.enable()
        response = client.get(url)
        profiler.disable()
        elapsed = (time.perf_counter() - start) * 1000
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(
        f"{args.page}: {response.status_code}, {elapsed:.0f} ms (profiled), "
        f"{len(queries)} queries, {sql_ms:.0f} ms of SQL"
    )
    for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[: args.queries]:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.functions)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
