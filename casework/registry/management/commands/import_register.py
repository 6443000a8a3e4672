"""Import a regulator's register export from a file or an http(s) address, preview it, and
apply it with --apply:

    manage.py import_register social-work-england export.csv --format social-work-england
    manage.py import_register sssc https://example.org/register.csv --format sssc --apply

Runs the same services as an upload in the site, with the check done at once rather than in the
background. Exits non-zero, saying why, when the file cannot be used.

A reading that would suspend or remove more than 2 % of the register, or more than 50 entries,
is applied only with ``--confirm-removals N`` naming that count (the preview prints it).
"""

import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.registry.importers.registry import formats_for
from casework.registry.models import RegisterImport, Regulator
from casework.registry.register_import import (
    ConfirmationNeeded,
    apply_register_import,
    check_register_import,
    max_import_bytes,
    receive_register_file,
)

DOWNLOAD_TIMEOUT_SECONDS = 60
DOWNLOAD_CHUNK = 1024 * 1024
BAD_ROWS_SHOWN = 1000
USER_AGENT = "Casework register import"


class Command(BaseCommand):
    help = "Preview (and with --apply, apply) a regulator's register export from a file or URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("regulator", help="the regulator's slug, e.g. social-work-england")
        parser.add_argument("source", help="a file path, or an http(s):// address")
        parser.add_argument(
            "--format",
            dest="file_format",
            metavar="NAME",
            required=True,
            help="the export's format name",
        )
        parser.add_argument(
            "--apply", action="store_true", help="apply the import when every row reads"
        )
        parser.add_argument(
            "--confirm-removals",
            dest="confirm_removals",
            metavar="N",
            type=int,
            help=(
                "confirm that the reading suspends or removes N entries; needed to apply one "
                "that suspends or removes more than 2 %% of the register or more than 50 entries"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        regulator = Regulator.objects.filter(slug=options["regulator"]).first()
        if regulator is None:
            raise CommandError(
                f"No regulator {options['regulator']!r}. Load the reference data "
                "(manage.py load_registry_data) and use a slug from regulators.toml."
            )
        file_format = options["file_format"]
        names = [importer.name for importer in formats_for(regulator)]
        if file_format not in names:
            raise CommandError(
                f"The format {file_format!r} does not serve {regulator.short_name}; "
                f"use one of: {', '.join(names)}."
            )
        source: str = options["source"]
        if urlsplit(source).scheme in ("http", "https"):
            with tempfile.TemporaryDirectory(prefix="casework-import-") as folder:
                path = Path(folder) / (Path(urlsplit(source).path).name or "register-export")
                self._download(source, path)
                register_import = self._receive(regulator, path, file_format)
        else:
            if "://" in source:
                raise CommandError("Only http:// and https:// addresses can be fetched.")
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"No file at {path}.")
            register_import = self._receive(regulator, path, file_format)

        register_import = check_register_import(register_import_id=register_import.pk)
        self._report(register_import)
        if register_import.state != RegisterImport.State.PREVIEWED:
            raise CommandError(
                f"Import {register_import.pk} is {register_import.get_state_display().lower()}: "
                "nothing was applied."
            )
        to_confirm = int(register_import.summary.get("confirm_withdrawals", 0))
        if not options["apply"]:
            needed = f" --confirm-removals {to_confirm}" if to_confirm else ""
            self.stdout.write(
                f"Previewed as import {register_import.pk}; --apply{needed} applies it."
            )
            return
        try:
            register_import = apply_register_import(
                register_import_id=register_import.pk,
                applied_by=None,
                confirmed_withdrawals=options["confirm_removals"],
            )
        except ConfirmationNeeded as refusal:
            raise CommandError(
                " ".join(refusal.messages)
                + f" Run the command again with --apply --confirm-removals {to_confirm}."
            ) from refusal
        if register_import.state != RegisterImport.State.APPLIED:
            raise CommandError(f"Not applied: {register_import.failure}")
        self.stdout.write(self.style.SUCCESS(f"Applied import {register_import.pk}."))

    def _receive(self, regulator: Regulator, path: Path, file_format: str) -> RegisterImport:
        with path.open("rb") as handle:
            try:
                return receive_register_file(
                    regulator=regulator,
                    uploaded_file=File(handle, name=path.name),
                    file_format=file_format,
                    uploaded_by=None,
                    check_in_background=False,
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error

    def _download(self, url: str, path: Path) -> None:
        limit = max_import_bytes()
        # The scheme was checked by the caller: http or https only (ruff S310).
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
        try:
            opened = urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS)  # noqa: S310
            with opened as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise CommandError(_too_large(limit))
                size = 0
                with path.open("wb") as target:
                    while chunk := response.read(DOWNLOAD_CHUNK):
                        size += len(chunk)
                        if size > limit:
                            raise CommandError(_too_large(limit))
                        target.write(chunk)
        except urllib.error.HTTPError as error:
            raise CommandError(f"{url} answered {error.code} {error.reason}.") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise CommandError(f"Could not fetch {url}: {error}.") from error

    def _report(self, register_import: RegisterImport) -> None:
        summary = register_import.summary
        self.stdout.write(
            f"{register_import.regulator.short_name}: {register_import.file_name} "
            f"({register_import.get_state_display()}), {summary.get('rows', 0)} rows."
        )
        if register_import.failure:
            self.stderr.write(register_import.failure)
        for key, label in (
            ("new", "new"),
            ("changed", "changed"),
            ("status_changes", "status changes the register states"),
            ("removed_by_register", "removed by the register (credential revoked)"),
            ("restored", "back in the register after a reading without them"),
            ("absent", "not in this reading (credential suspended)"),
            ("gone", "not in two readings in a row (removed, credential revoked)"),
            ("unchanged", "unchanged"),
            ("bad_rows", "bad rows"),
        ):
            if key in summary:
                self.stdout.write(f"  {label}: {summary[key]}")
        if summary.get("confirm_withdrawals"):
            self.stdout.write(
                f"  This reading suspends or removes {summary['confirm_withdrawals']} of the "
                f"{summary.get('register_size', 0)} entries held: applying it needs "
                f"--confirm-removals {summary['confirm_withdrawals']}."
            )
        for bad in register_import.bad_rows[:BAD_ROWS_SHOWN]:
            self.stderr.write(f"line {bad['line']}: {bad['reason']}")
        hidden = int(summary.get("bad_rows", 0)) - len(register_import.bad_rows)
        if hidden > 0:
            self.stderr.write(f"... and {hidden} more bad rows.")


def _too_large(limit: int) -> str:
    # Never "split it": each file is read as the whole register.
    return (
        f"The file is larger than {limit / (1024 * 1024):.1f} MB, the most an import may be. "
        "Do not split it: each file is read as the whole register. Raise "
        "CASEWORK_REGISTER_IMPORT_MAX_MB (in megabytes) in the environment above the file's size "
        "and run the command again."
    )
