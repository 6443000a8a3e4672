"""Directory search latency (p50/p95) at 10,000 and 100,000 listed practitioners, on SQLite and,
when a PostgreSQL server is given, on PostgreSQL.

Each run uses a throwaway database: a SQLite file in a temporary folder, or a PostgreSQL
database created for the run on the given server and dropped after it. Practitioners are bulk
loaded (users, register entries, verified claims, profiles with their search documents,
languages, specialties, modalities and next free slots), then representative searches are
timed through Django's full request path (middleware, view, template or API) in-process, and
the search query alone (its capped count and first page, as the page runs it).

    python -m bench.directory                      # SQLite, plus PostgreSQL from DATABASE_URL
    python -m bench.directory --postgres postgres://user@host:5432/postgres
    python -m bench.directory --sizes 10000        # a quicker run
    python -m bench.directory --sizes 1000000 --databases postgres --postgres URL [--explain]
    python -m bench.directory --sizes 100000 --database-url sqlite:////tmp/copy.sqlite3

With ``--database-url`` the given database is used and kept: loaded the first time, only
migrated and timed when it holds the bench's practitioners already (so that copies of one
loaded database can be timed with one tree's code and another's, in alternation).

Rows are generated and inserted in chunks (by COPY on PostgreSQL), so memory stays flat at a
million practitioners. On PostgreSQL the loaded tables are vacuumed and analysed before the
timings, as autovacuum would have left them; ``--explain`` prints each search's query plans.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.databases import postgres_server, throwaway_postgres, throwaway_sqlite
from bench.serving import ROOT

SIZES = (10_000, 100_000)
DATABASES = ("sqlite", "postgres")
REPEAT = 25
SEARCHES = {
    "everyone, best match": "/find/",
    "a name": "/find/?q=okafor",
    "a common word": "/find/?q=trauma",
    "place + language + specialty": "/find/?where=GB-ENG&language=en&specialty=mental-health",
    "place + free in 7 days, soonest": "/find/?where=US-CA&available_within=7&sort=next_free",
    "words + modality + fee": "/find/?q=grief&modality=video&fee_max=100&currency=GBP",
    "API: words + place": "/api/v1/practitioners?q=trauma&where=GB-ENG",
}

# Runs in a child process whose DATABASE_URL names the throwaway database.
WORKER = r"""
import json, random, sys, time
from datetime import timedelta
from decimal import Decimal
import django
django.setup()
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

size, repeat, searches = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
explain = sys.argv[4] == "explain"
started = time.perf_counter()
call_command("migrate", verbosity=0)
from casework.registry.reference_data import load_reference_data
load_reference_data()
from casework.accounts.models import Role, User
from casework.directory.bio import bio_text, render_bio
from casework.directory.models import (
    PractitionerProfile, ProfileLanguage, ProfileModality, ProfileSpecialty,
)
from casework.directory.search import search_document
from casework.directory.vocabulary import specialties
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.scheduling.models import PractitionerSchedule

pick = random.Random(7)
given = ["Amara", "Ewan", "Fiona", "Rosa", "Kevin", "Marie", "Daniel", "Siobhan", "Aroha",
         "Thandiwe", "Wai Lun", "Chloe", "Bilal", "Ana", "Jonas", "Mei", "Tariq", "Isla"]
# Family names are long-tailed in real registers: a few hundred real ones, then thousands
# made of syllables, so that a name search matches a realistic few.
real = ["Okafor", "MacLeod", "Lamont", "Delgado", "Park", "Tremblay", "Okonjo", "Byrne",
        "Ngata", "Dlamini", "Chan", "Gagnon", "Ahmed", "Costa", "Berg", "Zhou", "Reyes"]
syllables = ["ka", "ri", "mo", "len", "dor", "wick", "sson", "ba", "ter", "vel", "an", "ju",
             "ston", "mer", "ol", "fi", "ne", "gard", "us", "ch", "ow", "ley", "ra", "tz"]
family = [a.capitalize() + b + c for a in syllables for b in syllables for c in ("", "e", "i")]
def family_name(n):
    return real[n % len(real)] if n % 50 == 0 else family[pick.randrange(len(family))]
languages = ["en", "es", "fr", "cy", "pl", "ur", "zh", "ar", "bfi", "ase", "pa", "pt"]
keys = list(specialties())
regulators = list(Regulator.objects.all())
currency = {"GB": "GBP", "IE": "EUR", "NZ": "NZD", "CA": "CAD", "ZA": "ZAR", "HK": "HKD",
            "US": "USD"}
bios = [render_bio(text) for text in (
    "I have worked with families for years, through grief, trauma and change.",
    "Practical help with housing, money and benefits, and someone on your side.",
    "I support older people and their carers to stay well at home.",
    "Young people and their families: school, friendships, and hard times.",
    "Calm, unhurried sessions for adults living with anxiety or low mood.",
    "Recovery from alcohol and drug use, one step at a time.",
)]
bio_words = [bio_text(bio) for bio in bios]
now = timezone.now()
vendor = connection.vendor

# Rows with their ids already given: by COPY on PostgreSQL, which at a million practitioners
# loads several times faster than INSERTs, else by bulk_create.
def save_rows(model, rows):
    if vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=5000)
        return
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([field.get_db_prep_save(field.pre_save(row, True), connection)
                                for field in fields])

# Ids are given here, so that each chunk is inserted without reading ids back; every table
# the bench fills starts empty but for reference data.
loaded = (User, RegisterEntry, RegistrationClaim, PractitionerProfile, ProfileLanguage,
          ProfileSpecialty, ProfileModality, PractitionerSchedule)
last_id = {model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
           for model in loaded}
def new_id(model):
    last_id[model] += 1
    return last_id[model]

# In chunks, each its own transaction: memory stays flat at any size, and PostgreSQL checks
# each chunk's foreign keys at its commit instead of queueing millions of checks for one.
chunk = 10_000
# A database the bench loaded before (``--database-url``) is timed as it is, after migrating:
# main's code and a branch's compared on copies of one loaded database.
loaded_before = User.objects.filter(email="p0@bench.invalid").exists()
for first in range(0, 0 if loaded_before else size, chunk):
    numbers = range(first, min(first + chunk, size))
    users = [User(id=new_id(User), email=f"p{n}@bench.invalid", role=Role.PRACTITIONER,
                  password="!", legal_name=f"{pick.choice(given)} {family_name(n)}")
             for n in numbers]
    entries = [RegisterEntry(id=new_id(RegisterEntry),
                             regulator=regulators[n % len(regulators)],
                             registration_number=f"B{n:07d}", name=user.legal_name,
                             status="suspended" if n % 12 == 0 else "registered")
               for n, user in zip(numbers, users)]
    claims = [RegistrationClaim(id=new_id(RegistrationClaim), practitioner=user,
                                regulator=entry.regulator,
                                registration_number=entry.registration_number,
                                entry=entry, state="verified")
              for user, entry in zip(users, entries)]
    profiles, details = [], []
    for n, user in zip(numbers, users):
        spoken = ["en", *pick.sample(languages[1:], pick.randint(0, 2))]
        spec = pick.sample(keys, pick.randint(1, 4))
        ways = ["video", *pick.sample(["chat", "phone"], pick.randint(0, 2))]
        funded = n % 9 == 0
        home = regulators[n % len(regulators)].jurisdiction_id.split("-")[0]
        profile = PractitionerProfile(
            id=new_id(PractitionerProfile), practitioner=user, slug=f"p-{n}",
            display_name=user.legal_name,
            funded=funded, fee=None if funded else Decimal(pick.randrange(40, 200, 5)),
            fee_currency="" if funded else currency.get(home, "USD"),
            bio_source="", bio_html=bios[n % len(bios)], published=True,
            search_document=search_document(
                display_name=user.legal_name, languages=spoken, specialties=spec,
                modalities=ways, in_person_place="", bio_text=bio_words[n % len(bios)]))
        profiles.append(profile)
        details += [ProfileLanguage(id=new_id(ProfileLanguage), profile=profile, code=code)
                    for code in spoken]
        details += [ProfileSpecialty(id=new_id(ProfileSpecialty), profile=profile, code=code)
                    for code in spec]
        details += [ProfileModality(id=new_id(ProfileModality), profile=profile, modality=way)
                    for way in ways]
    schedules = [PractitionerSchedule(
                     id=new_id(PractitionerSchedule), practitioner=user,
                     next_free_at=now + timedelta(minutes=pick.randint(60, 60 * 24 * 30)))
                 for n, user in zip(numbers, users) if n % 4]
    # Schedules before profiles: a profile's trigger reads its practitioner's next free slot
    # as it is inserted, where a schedule written after it would rewrite each profile's row
    # (and its full-text index entry) once more.
    with transaction.atomic():
        for model, rows in ((User, users), (RegisterEntry, entries),
                            (RegistrationClaim, claims), (PractitionerSchedule, schedules),
                            (PractitionerProfile, profiles)):
            save_rows(model, rows)
        for model in (ProfileLanguage, ProfileSpecialty, ProfileModality):
            save_rows(model, [row for row in details if type(row) is model])
    # The triggers' statements are planned on the tables' statistics: on a new database those
    # say "empty", and a plan that scans a whole table made each claim's trigger cost more as
    # the tables grew (3 ms a claim at 20,000). Fresh statistics each time the rows grow
    # tenfold, as autovacuum would keep them on a live database, and plans made anew.
    if vendor == "postgresql" and first // chunk + 1 in (1, 10, 100):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("DISCARD PLANS")
with connection.cursor() as cursor:
    # The sequences continue after the ids given above.
    for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
        cursor.execute(statement)
    # Planner statistics, as a live database would have; on PostgreSQL also what autovacuum
    # would have done (visibility map, the full-text index's pending entries merged), so that
    # it does not start in the middle of the timings.
    cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
prepared = time.perf_counter() - started

from django.http import QueryDict
from casework.directory.forms import DirectorySearchForm
from casework.directory.paging import CappedPaginator
from casework.directory.queries import find_practitioners

# The search itself, as the page runs it: its count and its first page of profiles, without
# the form's place lookup, the cards or the template.
def search_alone(path):
    form = DirectorySearchForm(QueryDict(path.partition("?")[2]))
    assert form.is_valid(), form.errors
    criteria = form.criteria()
    def run():
        result = find_practitioners(criteria, now=timezone.now(), details=False)
        page = CappedPaginator(result.profiles, 20).get_page(1)
        return page.paginator.count, list(page)
    return run

# The plans PostgreSQL follows for the search alone, with their actual rows and timings.
def explained(run):
    statements = []
    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)
    with connection.execute_wrapper(capture):
        run()
    plans = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plans.append("\n".join(line for (line,) in cursor.fetchall()))
    return plans

# A visitor's page is kept and served again to the next visitor (``public_page``): counting up
# the public pages' version before each request, untimed, makes every timed one render afresh,
# as the first visit after any change does and as every visit signed in does.
from casework.shell.page_cache import renew_public_pages
from casework.shell.warm_start import ready_to_serve

# As a served process does (casework/wsgi.py): once its first request is answered, what it made
# so far is put beyond the cyclic collector's walks (each search's first request is untimed).
ready_to_serve()

client = Client()
figures, queries, plans = {}, {}, {}
for label, path in searches.items():
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _ in range(repeat):
        renew_public_pages()
        begun = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    figures[label] = timings
    if path.startswith("/find/"):
        run = search_alone(path)
        run()
        timings = []
        for _ in range(repeat):
            begun = time.perf_counter()
            run()
            timings.append((time.perf_counter() - begun) * 1000)
        queries[label] = timings
        if explain and vendor == "postgresql":
            plans[label] = explained(run)
print(json.dumps({"prepared": prepared, "figures": figures, "queries": queries, "plans": plans}))
"""


def _run(size: int, env: dict[str, str], *, explain: bool = False) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [
            sys.executable,
            "-c",
            WORKER,
            str(size),
            str(REPEAT),
            json.dumps(SEARCHES),
            "explain" if explain else "",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "casework.settings",
            # The search is measured, not the rate limit that guards the API, nor the limits that
            # cut a slow statement or a slow answer to a request short (at a million
            # practitioners loading and vacuuming take minutes, and a slow search is a figure).
            "CASEWORK_VERIFY_API_RATE": "100000000/m",
            "CASEWORK_DB_STATEMENT_TIMEOUT": "0",
            "CASEWORK_DB_REQUEST_TIMEOUT": "0",
            **env,
        },
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.stderr.write(result.stderr[-10_000:])
        result.check_returncode()
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def _print(backend: str, size: int, result: dict[str, Any]) -> None:
    print(
        f"Directory search on {backend}, {size:,} practitioners "
        f"(loaded in {result['prepared']:.0f} s), {REPEAT} requests each, in-process:"
    )
    everything: list[float] = []
    for label, timings in result["figures"].items():
        everything += timings
        cuts = statistics.quantiles(timings, n=20)
        print(f"  {label:<34} p50 {statistics.median(timings):7.1f} ms   p95 {cuts[18]:7.1f} ms")
    cuts = statistics.quantiles(everything, n=20)
    print(f"  {'all searches':<34} p50 {statistics.median(everything):7.1f} ms   "
          f"p95 {cuts[18]:7.1f} ms")  # fmt: skip
    if result.get("queries"):
        print("  The search query alone (count and first page, no page rendering):")
        alone: list[float] = []
        for label, timings in result["queries"].items():
            alone += timings
            cuts = statistics.quantiles(timings, n=20)
            print(f"    {label:<32} p50 {statistics.median(timings):7.1f} ms   "
                  f"p95 {cuts[18]:7.1f} ms")  # fmt: skip
        cuts = statistics.quantiles(alone, n=20)
        print(f"    {'all queries':<32} p50 {statistics.median(alone):7.1f} ms   "
              f"p95 {cuts[18]:7.1f} ms")  # fmt: skip


def _print_plans(result: dict[str, Any]) -> None:
    for label, plans in result.get("plans", {}).items():
        print(f"\n  Plans of the search alone, {label}:")
        for plan in plans:
            print("    " + plan.replace("\n", "\n    ") + "\n")


def _given(url: str, size: int, *, explain: bool) -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        result = _run(size, {"CASEWORK_VAR_DIR": var_dir, "DATABASE_URL": url}, explain=explain)
    _print("the given database", size, result)
    _print_plans(result)


def _sqlite(size: int) -> None:
    with throwaway_sqlite() as env:
        _print("SQLite", size, _run(size, env))


def _postgres(server_url: str, size: int, *, explain: bool) -> None:
    with throwaway_postgres(server_url, "directory") as env:
        result = _run(size, env, explain=explain)
        _print("PostgreSQL", size, result)
        _print_plans(result)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--postgres",
        default=None,
        help="a PostgreSQL server URL (default: DATABASE_URL when it names PostgreSQL)",
    )
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=DATABASES,
        default=list(DATABASES),
        help="which databases to run on (default: both; SQLite is slow at a million)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) of each search query alone",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="time this database, kept (loaded first when it does not hold the bench's rows)",
    )
    options = parser.parse_args(argv)
    if options.database_url:
        for size in options.sizes:
            _given(options.database_url, size, explain=options.explain)
        return
    server = postgres_server(options.postgres) if "postgres" in options.databases else ""
    if options.databases == ["postgres"] and not server:
        parser.error("--databases postgres needs --postgres URL or a PostgreSQL DATABASE_URL")
    for size in options.sizes:
        started = time.perf_counter()
        if "sqlite" in options.databases:
            _sqlite(size)
        if server:
            _postgres(server, size, explain=options.explain)
        print(f"  ({time.perf_counter() - started:.0f} s for this size)")
    if "postgres" in options.databases and not server:
        print("PostgreSQL: skipped (give --postgres URL or a PostgreSQL DATABASE_URL).")


if __name__ == "__main__":
    main()
