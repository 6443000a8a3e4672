"""Register import throughput and memory: a 100,000-row generic CSV checked and applied.

Runs on the embedded SQLite default and, when DATABASE_URL points to PostgreSQL, on PostgreSQL
too; each in a throwaway test database (created, migrated, destroyed) and a temporary media
folder, in a child process of its own so that peak RSS is the import's. Each database is
measured twice: once for speed, once under tracemalloc for the Python heap's peak (tracemalloc
slows Python down, so its run is not timed).

Phases: the first reading (100k new entries), a later reading (about 5 % changed, 1 % status
changes, 1 % not in the reading, 1 % new), and the later reading once more (only the 1 % missing
twice change: removed). Both later readings suspend or remove more than 50 entries, so each is
applied with the confirmation an officer would type, the count its preview shows.
"""

import argparse
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


def write_readings(folder: Path, rows: int = ROWS) -> tuple[Path, Path]:
    """The first reading of a register, and a later one that differs from it a little."""
    chance = random.Random(2025)  # the same files every run
    entries = []
    for n in range(rows):
        name = f"{chance.choice(GIVEN)} {chance.choice(FAMILY)}"
        status = chance.choice(STATUSES)
        conditions = "Supervised practice" if status == "conditions" else ""
        start = f"{chance.randint(2000, 2024)}-{chance.randint(1, 12):02d}-01"
        entries.append([f"SW{100000 + n}", name, "", status, conditions, start, "2027-11-30"])
    first = folder / "first.csv"
    later = folder / "later.csv"
    with first.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        out.writelines(",".join(entry) + "\n" for entry in entries)
    with later.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for n, entry in enumerate(entries):
            if n % 100 == 1:
                continue  # gone from the register
            if n % 20 == 2:
                entry = [*entry[:6], "2028-11-30"]  # renewed
            if n % 100 == 3:
                entry = [*entry[:3], "suspended", *entry[4:]]
            out.write(",".join(entry) + "\n")
        out.writelines(
            f"SW{900000 + n},New Registrant {n},,registered,,2025-06-01,2027-05-31\n"
            for n in range(rows // 100)
        )
    return first, later


def main() -> None:
    """Run each database's measurements in child processes and let them print."""
    targets: list[tuple[str, dict[str, str]]] = []
    plain = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")}
    targets.append(("SQLite (embedded default)", plain))
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        targets.append(("PostgreSQL (DATABASE_URL)", dict(os.environ)))
    print(f"Register import of a {ROWS:,}-row generic CSV")
    for label, env in targets:
        print(f"\n{label}")
        for mode in ("speed", "memory"):
            subprocess.run(  # noqa: S603  (this same script, fixed arguments)
                [sys.executable, "-m", "bench.register_import", "--measure", mode],
                cwd=ROOT,
                env={**env, "DJANGO_SETTINGS_MODULE": "casework.settings"},
                check=True,
            )


def measure(mode: str) -> None:
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
            _run_phases(mode, folder)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
            media.disable()


def _run_phases(mode: str, folder: Path) -> None:
    from django.core.files import File
    from django.db import connection

    from casework.registry import register_import as services
    from casework.registry.models import RegisterEntry, RegisterImport, Regulator
    from casework.registry.reference_data import load_reference_data

    load_reference_data()
    regulator = Regulator.objects.get(slug="social-work-england")
    first, later = write_readings(folder)

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
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
        print(f"  {label:<34} {elapsed:6.2f} s  {rows / elapsed:9,.0f} rows/s")
        return result

    print(f"  [{connection.vendor}, {mode}]")
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
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  peak RSS of the process {maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measure", choices=["speed", "memory"])
    arguments = parser.parse_args()
    if arguments.measure:
        measure(arguments.measure)
    else:
        main()
