"""Scheduled re-reads of regulators' registers: where each register is read from, how often, and
one reading of it through the import service (register_import.py), exactly as an upload.

    set_register_source     -> the regulator's source (an http(s) address, or a path inside
                               CASEWORK_REGISTER_SOURCES_DIR), its format and interval; due now
    queue_due_rereads       -> the clock's round (``reread_registers``): claims each due source
                               with one conditional UPDATE and queues its reading
    reread_register_source  -> fetch; same content as last time: nothing; else receive, check,
                               and apply when every row reads and nothing needs confirming

A reading that would suspend or remove many entries stays previewed for an officer to confirm,
as an upload does; a file with bad rows is never applied. What went wrong is kept on the source
and shown to officers on the imports page; a reading never raises into the clock or the worker.
"""

import hashlib
import ipaddress
import logging
import socket
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from http.client import HTTPMessage, HTTPResponse
from pathlib import Path
from typing import IO, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.privacy import actions
from casework.privacy.audit import record_event

# As a module: register_import queues its tasks, whose module queues these readings.
from casework.registry import register_import as imports
from casework.registry import tasks
from casework.registry.importers.registry import formats_for
from casework.registry.models import RegisterImport, RegisterSource, Regulator
from casework.shell.task_queue import queue_with_the_change

logger = logging.getLogger(__name__)

Outcome = RegisterSource.Outcome
USER_AGENT = "Casework register re-read"
MOST_HOURS = 24 * 31  # a register read less than monthly is not kept current
MOST_REDIRECTS = 3


class SourceUnreadable(Exception):
    """The source could not be read; the message is for the officer."""


# --- Where a register may be read from -----------------------------------------------------


def check_location(location: str) -> str:
    """The location as it will be read, or ValidationError saying why it cannot be: only
    http(s) addresses of hosts on the internet (private ones when the operator allows them),
    and paths inside CASEWORK_REGISTER_SOURCES_DIR."""
    location = location.strip()
    if not location:
        raise ValidationError(_("Give an address (https://…) or a path."))
    if "://" in location:
        _check_address(location)
        return location
    return str(_allowed_path(location))


def _check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError(_("Only http:// and https:// addresses can be read."))
    if not parts.hostname:
        raise ValidationError(_("The address has no host."))
    if parts.username or parts.password:
        raise ValidationError(_("An address with a user name or password cannot be used."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as error:
        raise ValidationError(
            _("The host {host} cannot be found.").format(host=parts.hostname)
        ) from error
    if settings.REGISTER_SOURCES_PRIVATE_HOSTS:
        return
    for _family, _kind, _proto, _name, address in found:
        # Never this machine or the network it sits in: an address given here would otherwise
        # let an officer make the server fetch what only it can reach.
        if not ipaddress.ip_address(str(address[0]).split("%")[0]).is_global:
            raise ValidationError(
                _(
                    "{host} is on this machine or a private network; only registers on the "
                    "internet can be read."
                ).format(host=parts.hostname)
            )


def _allowed_path(location: str) -> Path:
    folder = settings.REGISTER_SOURCES_DIR
    if not folder:
        raise ValidationError(
            _(
                "Registers are read from files only inside a folder the platform's "
                "administrators set (CASEWORK_REGISTER_SOURCES_DIR); give an https:// address."
            )
        )
    base = Path(folder).resolve()
    path = (base / location).resolve()
    if not path.is_relative_to(base):
        raise ValidationError(_("The path must be inside {folder}.").format(folder=str(base)))
    if not path.is_file():
        raise ValidationError(_("There is no file at {path}.").format(path=str(path)))
    return path


# --- Setting a source ----------------------------------------------------------------------


def set_register_source(
    *,
    regulator: Regulator,
    location: str,
    file_format: str,
    every_hours: int,
    set_by: User | None,
) -> RegisterSource:
    """Read ``regulator``'s register from ``location`` every ``every_hours``, the first time at
    the clock's next round. ValidationError (nothing changes) for a location that cannot be
    read, a format that does not serve the regulator or an interval out of range."""
    try:
        location = check_location(location)
    except ValidationError as refusal:
        raise ValidationError({"location": refusal.messages}) from refusal
    if file_format not in {importer.name for importer in formats_for(regulator)}:
        message = _("The format “{format}” is not one for {regulator}; use one of: {names}.")
        raise ValidationError(
            {
                "file_format": message.format(
                    format=file_format,
                    regulator=regulator.short_name,
                    names=", ".join(importer.name for importer in formats_for(regulator)),
                )
            }
        )
    if not 1 <= every_hours <= MOST_HOURS:
        raise ValidationError(
            {"every_hours": _("Read it every 1 to {most} hours.").format(most=MOST_HOURS)}
        )
    with transaction.atomic():
        source, _created = RegisterSource.objects.select_for_update().get_or_create(
            regulator=regulator,
            defaults={"location": location, "file_format": file_format, "every_hours": 1},
        )
        changed = (source.location, source.file_format) != (location, file_format)
        source.location = location
        source.file_format = file_format
        source.every_hours = every_hours
        source.set_by = set_by
        source.next_read_at = timezone.now()
        fields = ["location", "file_format", "every_hours", "set_by", "next_read_at", "updated_at"]
        if changed:  # another file: its first reading is judged afresh
            source.last_sha256 = ""
            fields.append("last_sha256")
        source.save(update_fields=fields)
        record_event(
            action=actions.REGISTRY_SOURCE_SET,
            actor=set_by,
            target=source,
            detail={
                "regulator": regulator.slug,
                "location": location,
                "format": file_format,
                "every_hours": every_hours,
            },
        )
    return source


def remove_register_source(*, regulator: Regulator, removed_by: User | None) -> None:
    """Stop re-reading the regulator's register; its imports stay in the history."""
    with transaction.atomic():
        source = RegisterSource.objects.select_for_update().filter(regulator=regulator).first()
        if source is None:
            return
        record_event(
            action=actions.REGISTRY_SOURCE_REMOVED,
            actor=removed_by,
            target=source,
            detail={"regulator": regulator.slug, "location": source.location},
        )
        source.delete()


# --- The clock's round ---------------------------------------------------------------------


def queue_due_rereads(*, now: datetime) -> int:
    """Claim every source due at ``now`` (the next reading is moved on in the same UPDATE, so
    a source is claimed once however many rounds run) and queue its reading; how many."""
    due = RegisterSource.objects.filter(
        Q(next_read_at__isnull=True) | Q(next_read_at__lte=now)
    ).values_list("pk", "next_read_at", "every_hours")
    queued = 0
    for source_id, next_read_at, every_hours in list(due):
        claimed = RegisterSource.objects.filter(pk=source_id, next_read_at=next_read_at).update(
            next_read_at=now + timedelta(hours=every_hours)
        )
        if claimed:
            queued += 1
            queue_with_the_change(tasks.reread_register_source_task, source_id=source_id)
    return queued


# --- One reading ---------------------------------------------------------------------------


def reread_register_source(*, source_id: int) -> str:
    """Read the source once through the import service and record the outcome on it (also
    returned). Never raises: every failure is kept on the source for the officers."""
    source = RegisterSource.objects.select_related("regulator").filter(pk=source_id).first()
    if source is None:
        return ""  # removed after it was queued
    try:
        return _reread(source)
    except Exception as error:
        # Logged with its type and place (no data); the officer reads the short reason.
        logger.exception("re-reading the register of %s failed", source.regulator.slug)
        _record(source, Outcome.FAILED, failure=_("Reading failed: {error}").format(error=error))
        return Outcome.FAILED


def _reread(source: RegisterSource) -> str:
    with tempfile.TemporaryDirectory(prefix="casework-reread-") as folder:
        name = _file_name(source.location)
        path = Path(folder) / name
        try:
            with path.open("wb") as target:
                sha256 = fetch_register(source.location, target)
        except SourceUnreadable as problem:
            _record(source, Outcome.FAILED, failure=str(problem))
            return Outcome.FAILED
        if sha256 in (source.last_sha256, _last_applied_sha256(source.regulator)):
            _record(source, Outcome.UNCHANGED, sha256=sha256)
            return Outcome.UNCHANGED
        with path.open("rb") as handle:
            try:
                received = imports.receive_register_file(
                    regulator=source.regulator,
                    uploaded_file=File(handle, name=name),
                    file_format=source.file_format,
                    uploaded_by=None,
                    check_in_background=False,
                    origin=RegisterImport.Origin.SCHEDULED,
                )
            except ValidationError as refusal:
                _record(source, Outcome.FAILED, failure=" ".join(refusal.messages))
                return Outcome.FAILED
    checked = imports.check_register_import(register_import_id=received.pk)
    if checked.state == RegisterImport.State.INVALID:
        failure = checked.failure or _(
            "The file has {count} bad rows; nothing was applied."
        ).format(count=checked.summary.get("bad_rows", 0))
        _record(source, Outcome.FAILED, sha256=sha256, failure=failure, register_import=checked)
        return Outcome.FAILED
    if checked.state != RegisterImport.State.PREVIEWED:  # discarded meanwhile
        _record(source, Outcome.FAILED, failure=checked.failure, register_import=checked)
        return Outcome.FAILED
    to_confirm = imports.withdrawals_to_confirm(checked)
    if to_confirm:
        # Left for an officer, as an upload would be: a file cut short looks like this.
        failure = _(
            "This reading would suspend or remove {count} entries; an officer must confirm "
            "that number on the import before it is applied."
        ).format(count=to_confirm)
        _record(source, Outcome.AWAITING, sha256=sha256, failure=failure, register_import=checked)
        return Outcome.AWAITING
    applied = imports.apply_register_import(register_import_id=checked.pk, applied_by=None)
    if applied.state != RegisterImport.State.APPLIED:
        _record(source, Outcome.FAILED, failure=applied.failure, register_import=applied)
        return Outcome.FAILED
    _record(source, Outcome.APPLIED, sha256=sha256, register_import=applied)
    return Outcome.APPLIED


def _last_applied_sha256(regulator: Regulator) -> str:
    latest = (
        RegisterImport.objects.filter(regulator=regulator, state=RegisterImport.State.APPLIED)
        .order_by("-applied_at")
        .values_list("file_sha256", flat=True)
        .first()
    )
    return latest or ""


def _record(
    source: RegisterSource,
    outcome: str,
    *,
    sha256: str | None = None,
    failure: str = "",
    register_import: RegisterImport | None = None,
) -> None:
    changes: dict[str, object] = {
        "last_read_at": timezone.now(),
        "last_outcome": outcome,
        "last_failure": failure[:4000],
    }
    if sha256 is not None:
        changes["last_sha256"] = sha256
    if register_import is not None:
        changes["last_import"] = register_import
    with transaction.atomic():
        RegisterSource.objects.filter(pk=source.pk).update(**changes)
        if outcome == Outcome.FAILED:
            record_event(
                action=actions.REGISTRY_SOURCE_READ_FAILED,
                target=source,
                detail={"regulator": source.regulator.slug, "reason": failure[:500]},
            )


def _file_name(location: str) -> str:
    path = urlsplit(location).path if "://" in location else location
    return Path(path).name[-200:] or "register-export"


# --- Fetching ------------------------------------------------------------------------------


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a few redirects, each to an address that may be read."""

    max_redirections = MOST_REDIRECTS

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        try:
            _check_address(newurl)
        except ValidationError as refusal:
            raise SourceUnreadable(" ".join(refusal.messages)) from refusal
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_register(location: str, target: IO[bytes]) -> str:
    """Copy the register at ``location`` into ``target``; its SHA-256. SourceUnreadable, with
    the reason, when it cannot be read within the time and size limits."""
    limit = imports.max_import_bytes()
    digest = hashlib.sha256()
    size = 0
    try:
        location = check_location(location)  # checked again: the world moved since it was set
    except ValidationError as refusal:
        raise SourceUnreadable(" ".join(refusal.messages)) from refusal
    timeout = settings.REGISTER_SOURCE_TIMEOUT_SECONDS
    deadline = time.monotonic() + 10 * timeout
    try:
        with _open(location, timeout) as source:
            while chunk := source.read(imports.READ_BYTES):
                size += len(chunk)
                if size > limit:
                    raise SourceUnreadable(
                        _(
                            "The register is larger than {size} MB, the most an import may be."
                        ).format(size=round(limit / (1024 * 1024), 1))
                    )
                if time.monotonic() > deadline:
                    raise SourceUnreadable(
                        _("Reading the register took longer than {seconds} seconds.").format(
                            seconds=10 * timeout
                        )
                    )
                digest.update(chunk)
                target.write(chunk)
    except urllib.error.HTTPError as error:
        raise SourceUnreadable(
            _("{location} answered {code} {reason}.").format(
                location=location, code=error.code, reason=error.reason
            )
        ) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SourceUnreadable(
            _("Could not read {location}: {reason}").format(location=location, reason=reason)
        ) from error
    if size == 0:
        raise SourceUnreadable(_("The register read was empty."))
    return digest.hexdigest()


def _open(location: str, timeout: int) -> IO[bytes]:
    """The file, or the server's answer once it says how large it is (refused when too large
    before anything is read)."""
    if "://" not in location:
        return Path(location).open("rb")
    opener = urllib.request.build_opener(_CheckedRedirects)
    # The scheme and host were checked just before (http or https only; ruff S310).
    request = urllib.request.Request(location, headers={"User-Agent": USER_AGENT})  # noqa: S310
    response = cast(HTTPResponse, opener.open(request, timeout=timeout))
    declared = str(response.headers.get("Content-Length", ""))
    if declared.isdigit() and int(declared) > imports.max_import_bytes():
        response.close()
        raise SourceUnreadable(
            _("The register is larger than {size} MB, the most an import may be.").format(
                size=round(imports.max_import_bytes() / (1024 * 1024), 1)
            )
        )
    return cast(IO[bytes], response)
