"""The caseload screen: render time (p50/p95) and query count for a practitioner with 50, 500
and 5,000 clients, on SQLite and, when a PostgreSQL server is given, on PostgreSQL. The screen
shows a page of the ranking at a time: the first page and the last are timed apiece.

Each run uses a throwaway database (a SQLite file in a temporary folder, or a PostgreSQL
database created for the run and dropped after it). Clients are bulk loaded with eight weeks of
weekly PHQ-9 answers each (improving, steady and worsening trends, some missed, a few urgent
flags), then the whole page (middleware, count, ranking query, trends query, template with a chart
per row) is requested in-process as the signed-in practitioner.

The ranking reads each case's stored need (casework/care/services/need.py); what keeping it costs
a write is printed too: refreshing one case's need, as a service does in its transaction.

    python -m bench.caseload                       # SQLite, plus PostgreSQL from DATABASE_URL
    python -m bench.caseload --postgres postgres://user@host:5432/postgres
    python -m bench.caseload --sizes 50 500        # a quicker run
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

from bench.databases import postgres_server, throwaway_postgres, throwaway_sqlite
from bench.serving import ROOT

SIZES = (50, 500, 5_000)
REPEAT = 20

# Runs in a child process whose DATABASE_URL names the throwaway database.
WORKER = r"""
import json, sys, time
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from django.utils import timezone

size, repeat = int(sys.argv[1]), int(sys.argv[2])
if "care" not in get_resolver().namespace_dict:  # until casework/urls.py routes care
    settings.ROOT_URLCONF = "casework.care.tests.urls"
started = time.perf_counter()
call_command("migrate", verbosity=0)
from casework.testing.care import bulk_caseload
from casework.testing.factories import PractitionerFactory

practitioner = PractitionerFactory.create(email="bench-practitioner@bench.invalid")
with transaction.atomic():
    bulk_caseload(practitioner, size, now=timezone.now())
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # planner statistics, as a live database would have
prepared = time.perf_counter() - started

client = Client()
client.force_login(practitioner)
first = client.get("/care/caseload/")  # records the session's device, as a first visit does
assert first.status_code == 200, first.status_code
connection.force_debug_cursor = True  # kept across the request's reconnection
from casework.care.queries import CASELOAD_PAGE_SIZE

figures = {"prepared": prepared, "pages": {}}
last = max(1, -(-size // CASELOAD_PAGE_SIZE))
for name, url in (("first", "/care/caseload/"), ("last", f"/care/caseload/?page={last}")):
    connection.queries_log.clear()  # each page's count starts from nothing
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200, page.status_code
    timings = []
    for _ in range(repeat):
        begun = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - begun) * 1000)
    figures["pages"][name] = {
        "number": 1 if name == "first" else last, "timings": timings,
        "queries": len(queries.captured_queries),
        "rows": page.content.decode().count('class="spark"'), "bytes": len(page.content),
    }
from casework.care.models import Case
from casework.care.services.need import refresh_need

one = [Case.objects.filter(practitioner=practitioner).values_list("pk", flat=True)[0]]
timings = []
for _ in range(repeat):
    begun = time.perf_counter()
    with transaction.atomic():
        refresh_need(one)
    timings.append((time.perf_counter() - begun) * 1000)
figures["refresh_one"] = sorted(timings)[len(timings) // 2]
print(json.dumps(figures))
"""


def _run(size: int, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", WORKER, str(size), str(REPEAT)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "casework.settings", **env},
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def _print(backend: str, size: int, result: dict[str, Any]) -> None:
    for name, page in result["pages"].items():
        timings = page["timings"]
        cuts = statistics.quantiles(timings, n=20)
        print(
            f"  {backend:<10} {size:>6,} clients, {name:>5} page ({page['number']:>3}): "
            f"p50 {statistics.median(timings):7.1f} ms   p95 {cuts[18]:7.1f} ms   "
            f"{page['queries']} queries   {page['rows']:,} rows, {page['bytes'] / 1024:,.0f} KiB"
        )
    print(
        f"  {'':<10} (loaded in {result['prepared']:.0f} s; refreshing one case's stored need "
        f"p50 {result['refresh_one']:.1f} ms)"
    )


def _sqlite(size: int) -> None:
    with throwaway_sqlite() as env:
        _print("SQLite", size, _run(size, env))


def _postgres(server_url: str, size: int) -> None:
    with throwaway_postgres(server_url, "caseload") as env:
        _print("PostgreSQL", size, _run(size, env))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--postgres",
        default=None,
        help="a PostgreSQL server URL (default: DATABASE_URL when it names PostgreSQL)",
    )
    options = parser.parse_args(argv)
    server = postgres_server(options.postgres)
    print(f"Caseload screen, {REPEAT} requests each, in-process (the whole page, 50 rows a page):")
    for size in options.sizes:
        _sqlite(size)
        if server:
            _postgres(server, size)
    if not server:
        print("  PostgreSQL: skipped (give --postgres URL or a PostgreSQL DATABASE_URL).")


if __name__ == "__main__":
    main()
