"""Register import throughput and memory: generic CSVs of two sizes checked and applied.

Target (issue 21): at least 20,000 rows/s applied, and peak memory flat from 100k to 1M rows.
Each size (``--scale``: small 100k and 200k, medium 100k and 300k, large 100k and 1M; or
``--sizes``) runs on the embedded SQLite default and, when DATABASE_URL points to PostgreSQL, on
PostgreSQL too; each in a throwaway test database (created, migrated, destroyed) and a temporary
media folder, in a child process of its own so that its peak RSS is that size's. The summary
prints rows/s applied beside the target and the peak RSS of each size, in the same run.
``--heap`` also runs each under tracemalloc for the Python heap's peak (slower, not timed).
Each apply is also given in rows per CPU second (this process's, and on PostgreSQL its server
process's, read from /proc): on a shared machine the wall rate is what the other work leaves.

Phases: the first reading (100k new entries), a later reading (about 5 % changed, 1 % status
changes, 1 % not in the reading, 1 % new), and the later reading once more (only the 1 % missing
twice change: removed). Both later readings suspend or remove more than 50 entries, so each is
applied with the confirmation an officer would type, the count its preview shows.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
HEADER = "registration_number,name,previous_names,status,conditions,valid_from,valid_until\n"
GIVEN = ["Amara", "Jonas", "Dana", "Kim", "Ola", "José", "Łucja", "Siobhan", "Priya", "Tomás"]
FAMILY = ["Okafor", "Berg", "Ruiz", "Tran", "Smith", "Muñoz", "Wójcik", "Gallagher", "Raman"]
STATUSES = ["registered"] * 90 + ["conditions"] * 5 + ["suspended"] * 2 + ["lapsed"] * 3


TARGET_ROWS_PER_SECOND = 20_000
SIZES = {
    "small": (100_000, 200_000),
    "medium": (100_000, 300_000),
    "large": (100_000, 1_000_000),
}


def write_readings(folder: Path, rows: int = ROWS) -> tuple[Path, Path]:
    """The first reading of a register, and a later one that differs from it a little. Written
    as they are generated, so that the generator adds nothing to the measured peak."""
    chance = random.Random(2025)  # the same files every run
    first = folder / "first.csv"
    later = folder / "later.csv"
    with (
        first.open("w", encoding="utf-8", newline="") as out_first,
        later.open("w", encoding="utf-8", newline="") as out_later,
    ):
        out_first.write(HEADER)
        out_later.write(HEADER)
        for n in range(rows):
            name = f"{chance.choice(GIVEN)} {chance.choice(FAMILY)}"
            status = chance.choice(STATUSES)
            conditions = "Supervised practice" if status == "conditions" else ""
            start = f"{chance.randint(2000, 2024)}-{chance.randint(1, 12):02d}-01"
            entry = [f"SW{100000 + n}", name, "", status, conditions, start, "2027-11-30"]
            out_first.write(",".join(entry) + "\n")
            if n % 100 == 1:
                continue  # gone from the register
            if n % 20 == 2:
                entry = [*entry[:6], "2028-11-30"]  # renewed
            if n % 100 == 3:
                entry = [*entry[:3], "suspended", *entry[4:]]
            out_later.write(",".join(entry) + "\n")
        out_later.writelines(
            f"SW{900000000 + n},New Registrant {n},,registered,,2025-06-01,2027-05-31\n"
            for n in range(rows // 100)
        )
    return first, later


def main(argv: list[str] | None = None) -> None:
    """Run each size on each database in child processes, let them print, then summarise."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SIZES), default="medium")
    parser.add_argument("--sizes", type=int, nargs="+", help="rows of each first reading")
    parser.add_argument("--heap", action="store_true", help="also measure under tracemalloc")
    options = parser.parse_args(argv)
    sizes = options.sizes or SIZES[options.scale]
    targets: list[tuple[str, dict[str, str]]] = []
    plain = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")}
    targets.append(("SQLite (embedded default)", plain))
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        targets.append(("PostgreSQL (DATABASE_URL)", dict(os.environ)))
    print(f"Register import of generic CSVs of {', '.join(f'{size:,}' for size in sizes)} rows")
    print(f"  load average {os.getloadavg()[0]:.1f} at the start ({os.cpu_count()} cores)")
    results: list[tuple[str, dict[str, Any]]] = []
    for label, env in targets:
        print(f"\n{label}")
        for size in sizes:
            for mode in ("speed", "memory") if options.heap else ("speed",):
                command = [sys.executable, "-m", "bench.register_import", "--measure", mode]
                child = subprocess.run(  # noqa: S603  (this same script, fixed arguments)
                    [*command, "--rows", str(size)],
                    cwd=ROOT,
                    env={**env, "DJANGO_SETTINGS_MODULE": "casework.settings"},
                    check=True,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for line in child.stdout.splitlines():
                    if line.startswith(RESULT):
                        results.append((label, json.loads(line[len(RESULT) :])))
                    else:
                        print(line)
    _summarise(results)
    print(f"  load average {os.getloadavg()[0]:.1f} at the end")


RESULT = "RESULT "


def _summarise(results: list[tuple[str, dict[str, Any]]]) -> None:
    target = TARGET_ROWS_PER_SECOND
    print(f"\nSummary (target: {target:,} rows/s applied; peak memory flat as rows grow)")
    print(
        f"  {'database':<27} {'rows':>9} {'first rows/s':>12} {'ratio':>6} "
        f"{'later rows/s':>12} {'ratio':>6} {'again rows/s':>12} {'peak RSS':>9} {'before':>7} "
        f"{'first/CPU s':>11} {'later/CPU s':>11}"
    )
    smallest: dict[str, float] = {}
    for label, result in results:
        first, later, again = result["first"], result["later"], result["again"]
        print(
            f"  {label:<27} {result['rows']:>9,} {first:>12,.0f} {first / target:>6.2f} "
            f"{later:>12,.0f} {later / target:>6.2f} {again:>12,.0f} "
            f"{result['peak_rss_mib']:>5.0f} MiB {result['rss_before_mib']:>3.0f} MiB "
            f"{result['first_cpu']:>11,.0f} {result['later_cpu']:>11,.0f}"
        )
        smallest.setdefault(label, result["peak_rss_mib"])
    for label, result in results:
        if result["peak_rss_mib"] != smallest[label]:
            growth = result["peak_rss_mib"] - smallest[label]
            print(
                f"  {label}: peak RSS at {result['rows']:,} rows: {growth:+.0f} MiB over the "
                "first size"
            )


def measure(mode: str, rows: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import (
        override_settings,
        setup_test_environment,
        teardown_test_environment,
    )

    with tempfile.TemporaryDirectory(prefix="casework-bench-") as scratch:
        folder = Path(scratch)
        if connection.vendor == "sqlite":
            # A file, like the embedded default, rather than Django's in-memory test database.
            connection.settings_dict["TEST"]["NAME"] = str(folder / "bench.sqlite3")
        media = override_settings(
            STORAGES={
                **settings.STORAGES,
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": folder / "media"},
                },
            }
        )
        media.enable()
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            _run_phases(mode, folder, rows)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
            media.disable()


def _run_phases(mode: str, folder: Path, size: int) -> None:
    from django.core.files import File
    from django.db import connection

    from casework.registry import register_import as services
    from casework.registry.models import RegisterEntry, RegisterImport, Regulator
    from casework.registry.reference_data import load_reference_data

    load_reference_data()
    regulator = Regulator.objects.get(slug="social-work-england")
    first, later = write_readings(folder, size)
    rss_before = _rss_mib()
    rates: dict[str, float] = {}

    def received(path: Path) -> RegisterImport:
        with path.open("rb") as handle:
            return services.receive_register_file(
                regulator=regulator,
                uploaded_file=File(handle, name=path.name),
                file_format="generic-csv",
                uploaded_by=None,
                check_in_background=False,
            )

    def run(label: str, work: Callable[[], Any], rows: int) -> Any:
        if mode == "memory":
            tracemalloc.start()
            result = work()
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"  {label:<34} tracemalloc peak {peak / 2**20:7.1f} MiB")
            return result
        started, cpu_started, server_started = time.perf_counter(), time.process_time(), server()
        result = work()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started + server() - server_started
        print(
            f"  {label:<34} {elapsed:6.2f} s  {rows / elapsed:9,.0f} rows/s"
            f"  (CPU {cpu:5.2f} s: {rows / cpu:7,.0f} rows per CPU second)"
        )
        rates[label] = rows / elapsed
        rates[f"{label} cpu"] = rows / cpu
        return result

    server = partial(_backend_cpu_seconds, _backend_pid(connection))
    print(f"  [{connection.vendor}, {mode}, {size:,} rows]")
    for reading, path in (("first", first), ("later", later), ("later again", later)):
        register_import = received(path)
        with path.open("rb") as lines:
            rows = sum(1 for _line in lines) - 1  # less the header
        check = partial(services.check_register_import, register_import_id=register_import.pk)
        checked = run(f"check {reading} ({rows:,} rows)", check, rows)
        assert checked.state == RegisterImport.State.PREVIEWED, checked.failure  # noqa: S101
        apply = partial(
            services.apply_register_import,
            register_import_id=register_import.pk,
            applied_by=None,
            confirmed_withdrawals=checked.summary["confirm_withdrawals"] or None,
        )
        applied = run(f"apply {reading}", apply, rows)
        assert applied.state == RegisterImport.State.APPLIED, applied.failure  # noqa: S101
        counts = applied.summary
        print(
            f"    new {counts['new']:,}, changed {counts['changed']:,} "
            f"(status {counts['status_changes']:,}), not in the reading {counts['absent']:,}, "
            f"removed after two readings {counts['gone']:,}, unchanged {counts['unchanged']:,}"
        )
    print(f"  entries held: {RegisterEntry.objects.count():,}")
    # ru_maxrss is in KiB on Linux: the whole process (Django, migrations, both imports).
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of the process {maxrss:.0f} MiB ({rss_before:.0f} MiB before the readings)")
    if mode == "speed":
        result = {
            "rows": size,
            "first": rates["apply first"],
            "later": rates["apply later"],
            "again": rates["apply later again"],
            "first_cpu": rates["apply first cpu"],
            "later_cpu": rates["apply later cpu"],
            "peak_rss_mib": maxrss,
            "rss_before_mib": rss_before,
        }
        print(RESULT + json.dumps(result), flush=True)


def _backend_pid(connection: Any) -> int | None:
    """The PostgreSQL server process of this connection, when it runs on this machine (its
    CPU time is read from /proc); None on SQLite, whose work is this process's own."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid) if os.path.exists(f"/proc/{pid}/stat") else None


def _backend_cpu_seconds(pid: int | None) -> float:
    """CPU seconds (user and system) the database's server process has used; 0 without one.
    On a shared machine the wall rate is what the other work leaves; CPU time is the cost."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib() -> float:
    """The process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


if __name__ == "__main__":
    if "--measure" in sys.argv:
        parser = argparse.ArgumentParser(description=__doc__)
        parser.add_argument("--measure", choices=["speed", "memory"])
        parser.add_argument("--rows", type=int, default=ROWS)
        arguments = parser.parse_args()
        measure(arguments.measure, arguments.rows)
    else:
        main()
