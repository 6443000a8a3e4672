"""Register imports: receive a regulator's export, check it into a previewed diff, apply it in one
transaction, or discard it.

    receive_register_file  -> RECEIVED, then the check runs in the background
    check_register_import  -> CHECKING -> PREVIEWED (or INVALID: bad rows, unreadable file)
    queue_register_import_apply -> APPLYING, then the apply runs in the background
    apply_register_import  -> APPLIED (or FAILED, with nothing applied)
    discard_register_import -> DISCARDED

The file is read as a stream, twice: once to preview, once to apply (the preview is not
trusted to still hold; the apply recomputes the diff against the register as it is then).
Memory stays bounded whatever the file's size: the reading is compared and written a chunk of
rows at a time, each chunk's entries looked up as it comes (register_diff.HeldRegister); what is
held throughout is a bit per entry seen and capped samples (the format's reader keeps each
number's line, to name duplicates, in a temporary table on disk: ``importers.base.FirstLines``).

Absence is not removal (register_diff.py): an entry absent from the file is marked not in the
latest reading and its credential suspended; absent from two readings in a row, it is removed.
A reading that would suspend or remove more than 2 % of the register, or more than 50 entries,
is applied only with a second confirmation naming that count (``confirmed_withdrawals``). A file
with any bad row is never applied. Applying the same content twice changes nothing the second
time.
"""

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry import tasks
from casework.registry.contact_addresses import write_contact_addresses
from casework.registry.importers.decoding import open_text
from casework.registry.importers.registry import FORMATS, formats_for
from casework.registry.importers.rows import BadRow, RegisterRow, UnreadableFile
from casework.registry.models import (
    RegisterImport,
    Regulator,
)
from casework.registry.register_diff import (
    CONFIRM_ABOVE_ENTRIES,
    CONFIRM_ABOVE_PERCENT,
    DiffTally,
    HeldRegister,
    chunks,
    diff_entries,
)
from casework.registry.register_writer import EntryWriter
from casework.shell.page_cache import renew_public_pages
from casework.shell.task_queue import queue_with_the_change

State = RegisterImport.State
DEFAULT_MAX_BYTES = 60 * 1024 * 1024
PROGRESS_EVERY = 1000  # rows between two progress updates while checking
BAD_ROWS_KEPT = 1000
READ_BYTES = 1024 * 1024
ANALYZE_AFTER_NEW = 10_000  # new entries in one reading
DISCARDABLE = (State.RECEIVED, State.CHECKING, State.PREVIEWED, State.INVALID, State.FAILED)


def max_import_bytes() -> int:
    return int(getattr(settings, "REGISTER_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


# --- Receiving ------------------------------------------------------------------------------


def receive_register_file(
    *,
    regulator: Regulator,
    uploaded_file: File[bytes],
    file_format: str,
    uploaded_by: User | None,
    check_in_background: bool = True,
    origin: str = RegisterImport.Origin.BY_HAND,
) -> RegisterImport:
    """Store an uploaded export and queue its check. Refuses (ValidationError, nothing stored)
    a format that does not serve this regulator, an empty file, or one over the size limit.
    ``check_in_background=False`` leaves the check to the caller (the management command, the
    scheduled re-read)."""
    if file_format not in {importer.name for importer in formats_for(regulator)}:
        raise ValidationError(
            _("The format “{format}” is not one for {regulator}; use one of: {names}.").format(
                format=file_format,
                regulator=regulator.short_name,
                names=", ".join(importer.name for importer in formats_for(regulator)),
            )
        )
    limit = max_import_bytes()
    if (uploaded_file.size or 0) > limit:
        raise _too_large(limit)
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded_file.chunks(READ_BYTES):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
    if size == 0:
        raise ValidationError(_("The file is empty."))
    uploaded_file.seek(0)

    file_name = os.path.basename(uploaded_file.name or "") or "register-export"
    register_import = RegisterImport(
        regulator=regulator,
        file_format=file_format,
        file_name=file_name[-255:],
        file_sha256=digest.hexdigest(),
        state=State.RECEIVED,
        uploaded_by=uploaded_by,
        origin=origin,
    )
    # Stored under a name of our own: the regulator and the content's hash (and the extension).
    extension = os.path.splitext(file_name)[1].lower()
    stored_name = f"{regulator.slug}-{register_import.file_sha256[:16]}"
    if extension[1:].isalnum() and len(extension) <= 6:
        stored_name += extension
    register_import.file.save(stored_name, uploaded_file, save=False)
    try:
        with transaction.atomic():
            register_import.save()
            record_event(
                action=actions.REGISTRY_IMPORT_RECEIVED,
                actor=uploaded_by,
                target=register_import,
                detail={
                    "regulator": regulator.slug,
                    "format": file_format,
                    "file_name": register_import.file_name,
                    "sha256": register_import.file_sha256,
                    "bytes": size,
                    "origin": origin,
                },
            )
            if check_in_background:
                queue_with_the_change(
                    tasks.check_register_import_task, register_import_id=register_import.pk
                )
    except BaseException:
        register_import.file.delete(save=False)
        raise
    return register_import


def _too_large(limit: int) -> ValidationError:
    # Never "split it": every file is read as the whole register, so a part would mark everyone
    # in the other parts as absent.
    return ValidationError(
        _(
            "The file is larger than {size} MB, the most an import may be. Do not split it: each "
            "file is read as the whole register. Ask the platform's administrators to raise "
            "CASEWORK_REGISTER_IMPORT_MAX_MB (in megabytes) above the file's size and restart "
            "Casework, then upload it again."
        ).format(size=round(limit / (1024 * 1024), 1))
    )


# --- Reading the stored file ---------------------------------------------------------------


class _HashingReader:
    """A binary file read through, hashing what passes, to prove it is the file received."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._digest.update(data)
        return data

    def hexdigest_to_end(self) -> str:
        while self.read(READ_BYTES):
            pass
        return self._digest.hexdigest()


@dataclass
class _Reading:
    """One pass over the stored file: the rows that read, counted, and the bad ones, capped."""

    register_import: RegisterImport
    on_progress: Callable[[int], None] | None = None
    rows: int = 0
    bad_count: int = 0
    bad_rows: list[dict[str, object]] = field(default_factory=list)

    def good_rows(self) -> Iterator[RegisterRow]:
        importer = FORMATS[self.register_import.file_format]
        with self.register_import.file.open("rb") as handle:
            source = _HashingReader(handle)
            for item in importer.parse(open_text(source)):
                self.rows += 1
                if self.on_progress and self.rows % PROGRESS_EVERY == 0:
                    self.on_progress(self.rows)
                if isinstance(item, BadRow):
                    self.bad_count += 1
                    if len(self.bad_rows) < BAD_ROWS_KEPT:
                        self.bad_rows.append({"line": item.line, "reason": item.reason})
                    continue
                yield item
            if source.hexdigest_to_end() != self.register_import.file_sha256:
                raise UnreadableFile(
                    _("The stored file is not the file that was received (its SHA-256 differs).")
                )


# --- Checking -------------------------------------------------------------------------------


def check_register_import(*, register_import_id: int) -> RegisterImport:
    """Read the stored file, count its rows, find bad rows and compute what applying it would
    change. Ends PREVIEWED, or INVALID when any row is bad or the file cannot be read. Runs once:
    an import no longer RECEIVED is returned as it is."""
    with transaction.atomic():
        register_import = _locked(register_import_id)
        if register_import.state != State.RECEIVED:
            return register_import
        register_import.state = State.CHECKING
        register_import.rows_done = 0
        register_import.save(update_fields=["state", "rows_done"])

    def progress(rows: int) -> None:
        RegisterImport.objects.filter(pk=register_import_id).update(rows_done=rows)

    reading = _Reading(register_import, on_progress=progress)
    tally = DiffTally()
    failure = ""
    held = HeldRegister(register_import.regulator)
    try:
        for diff in diff_entries(reading.good_rows(), held):
            tally.add(diff)
    except UnreadableFile as problem:
        failure = str(problem)
    except Exception as error:
        _mark_failed(register_import_id, _("Checking failed: {error}").format(error=error))
        raise
    readable = not failure
    state = State.PREVIEWED if readable and not reading.bad_count else State.INVALID
    summary = (
        tally.summary(rows=reading.rows, bad_rows=reading.bad_count, held=held.size)
        if readable
        else {"rows": reading.rows, "bad_rows": reading.bad_count}
    )
    with transaction.atomic():
        checked = RegisterImport.objects.filter(pk=register_import_id, state=State.CHECKING).update(
            state=state,
            rows_total=reading.rows,
            rows_done=reading.rows,
            summary=summary,
            diff_sample=tally.sample if readable else {},
            bad_rows=reading.bad_rows,
            failure=failure,
        )
        if checked:  # not discarded meanwhile
            record_event(
                action=actions.REGISTRY_IMPORT_CHECKED,
                target=register_import,
                detail={"state": state, **summary},
            )
    register_import.refresh_from_db()
    return register_import


# --- Applying -------------------------------------------------------------------------------


class _Stop(Exception):
    """Applying cannot go on; the reason is for the officer. Everything rolls back."""


class ImportNotReady(ValidationError):
    """The import is in no state to be applied (or discarded): a refusal, nothing changes."""


class ConfirmationNeeded(ValidationError):
    """The reading suspends or removes many entries and nobody confirmed that count: a
    refusal, nothing changes and the import stays ready to apply."""


def withdrawals_to_confirm(register_import: RegisterImport) -> int:
    """The count a second confirmation must name before this import is applied (0: none)."""
    return int(register_import.summary.get("confirm_withdrawals", 0))


def _check_confirmation(register_import: RegisterImport, confirmed: int | None) -> None:
    count = withdrawals_to_confirm(register_import)
    if count and confirmed != count:
        raise ConfirmationNeeded(_confirmation_message(register_import.summary, confirmed))


def _confirmation_message(summary: dict[str, int], confirmed: int | None) -> str:
    count, held = int(summary.get("withdrawals", 0)), int(summary.get("register_size", 0))
    message = _(
        "This reading would suspend or remove {count} of the {held} entries on the register: "
        "more than {percent} per cent of them, or more than {entries}. A file cut short or read "
        "wrongly looks like this. Check the preview; to apply it, confirm the number {count}. "
        "Nothing was applied."
    ).format(count=count, held=held, percent=CONFIRM_ABOVE_PERCENT, entries=CONFIRM_ABOVE_ENTRIES)
    if confirmed is not None:
        message += " " + _("The number given, {given}, is not {count}.").format(
            given=confirmed, count=count
        )
    return message


def queue_register_import_apply(
    *, register_import_id: int, applied_by: User | None, confirmed_withdrawals: int | None = None
) -> RegisterImport:
    """Mark a previewed import APPLYING and apply it in the background. A reading that
    suspends or removes many entries needs ``confirmed_withdrawals`` equal to that count
    (``ConfirmationNeeded`` otherwise, and nothing changes)."""
    with transaction.atomic():
        register_import = _locked(register_import_id)
        if register_import.state != State.PREVIEWED:
            raise _not_ready(register_import)
        _check_confirmation(register_import, confirmed_withdrawals)
        if not withdrawals_to_confirm(register_import):
            confirmed_withdrawals = None  # nothing needed confirming: nothing to keep
        register_import.state = State.APPLYING
        register_import.withdrawals_confirmed = confirmed_withdrawals
        register_import.save(update_fields=["state", "withdrawals_confirmed"])
        record_event(
            action=actions.REGISTRY_IMPORT_APPLY_REQUESTED,
            actor=applied_by,
            target=register_import,
            detail={
                "regulator": register_import.regulator.slug,
                "withdrawals_confirmed": confirmed_withdrawals,
            },
        )
        applied_by_id = applied_by.pk if applied_by is not None else None
        queue_with_the_change(
            tasks.apply_register_import_task,
            register_import_id=register_import_id,
            applied_by_id=applied_by_id,
        )
    return register_import


def apply_register_import(
    *, register_import_id: int, applied_by: User | None, confirmed_withdrawals: int | None = None
) -> RegisterImport:
    """Apply a previewed import in one transaction: create new entries, update changed ones,
    mark absent ones not in the latest reading and twice-absent ones removed, record each change
    in the entry's history, and tell the claims side of every status change.

    A reading that suspends or removes many entries is refused (``ConfirmationNeeded``, nothing
    changes) unless ``confirmed_withdrawals``, or the count confirmed when the apply was queued,
    names that count; and it fails if the count recomputed while applying is another.
    On any failure nothing is applied and the import is FAILED, with the reason; unexpected
    errors are raised again after that."""
    try:
        with transaction.atomic():
            register_import = _locked(register_import_id)
            if register_import.state not in (State.PREVIEWED, State.APPLYING):
                raise _not_ready(register_import)
            if confirmed_withdrawals is None:
                confirmed_withdrawals = register_import.withdrawals_confirmed
            try:
                _check_confirmation(register_import, confirmed_withdrawals)
            except ConfirmationNeeded as refusal:
                if register_import.state == State.APPLYING:  # queued: nobody to answer now
                    raise _Stop(" ".join(refusal.messages)) from refusal
                raise
            # One import of a regulator's register at a time.
            regulator = Regulator.objects.select_for_update().get(pk=register_import.regulator_id)
            newer = (
                RegisterImport.objects.filter(
                    regulator=regulator,
                    state=State.APPLIED,
                    applied_at__gt=register_import.created_at,
                )
                .exclude(pk=register_import.pk)
                .exists()
            )
            if newer:
                raise _Stop(
                    _(
                        "Another import of this register was applied after this file was "
                        "uploaded, so this preview is out of date. Upload the file again to see "
                        "what it would change now."
                    )
                )
            _apply(register_import, regulator, applied_by, confirmed_withdrawals)
    except (ImportNotReady, ConfirmationNeeded):
        raise
    except (_Stop, UnreadableFile) as stop:
        _mark_failed(register_import_id, str(stop))
    except Exception as error:
        _mark_failed(register_import_id, _("Applying failed: {error}").format(error=error))
        raise
    return RegisterImport.objects.select_related("regulator").get(pk=register_import_id)


def _apply(
    register_import: RegisterImport,
    regulator: Regulator,
    applied_by: User | None,
    confirmed_withdrawals: int | None,
) -> None:
    now = timezone.now()
    # The verification pages and the directory show the register: visitors' kept pages are
    # rendered again once this reading is applied (the same transaction).
    renew_public_pages()
    reading = _Reading(register_import)
    tally = DiffTally()
    held = HeldRegister(regulator)
    with EntryWriter(register_import, now) as writer:
        for rows in chunks(reading.good_rows()):
            if held.last_id:  # the chunk is looked up, once what came before it is written
                writer.flush()
            new: set[str] = set()
            for diff in held.diff(rows):
                tally.add(diff)
                writer.add(diff)
                if diff.kind == "new":
                    new.add(diff.registration_number)
            # A new entry is written without an address: only one the export gives needs
            # writing (a first reading without addresses looks nothing up).
            addressed = [
                row for row in rows if row.contact_email or row.registration_number not in new
            ]
            if addressed:
                writer.flush()  # the chunk's new entries exist before their addresses are written
                write_contact_addresses(regulator, addressed)
        writer.flush()
        for diff in held.not_in_reading():
            tally.add(diff)
            writer.add(diff)
        if reading.bad_count:
            raise _Stop(
                _("The file now has {count} bad rows; nothing was applied.").format(
                    count=reading.bad_count
                )
            )
        summary = tally.summary(rows=reading.rows, bad_rows=reading.bad_count, held=held.size)
        # The preview was confirmed; the register as it is now must need the same confirmation.
        if (
            summary["confirm_withdrawals"]
            and summary["confirm_withdrawals"] != confirmed_withdrawals
        ):
            raise _Stop(_confirmation_message(summary, confirmed_withdrawals))
        if not summary["confirm_withdrawals"]:
            confirmed_withdrawals = None  # nothing needed confirming: nothing to keep
        writer.flush()
    if connection.vendor == "postgresql" and summary["new"] >= ANALYZE_AFTER_NEW:
        # Fresh statistics before the next reading: on a table's old ones (autovacuum has not
        # come by yet) the plan for a chunk's lookup by numbers read the regulator's whole
        # index range, 67 ms a chunk at 300,000 entries instead of under 1 ms.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_registerentry")
    Regulator.objects.filter(pk=regulator.pk).update(register_read_at=now)
    register_import.state = State.APPLIED
    register_import.applied_at = now
    register_import.rows_total = register_import.rows_done = reading.rows
    register_import.summary = summary
    register_import.diff_sample = tally.sample
    register_import.failure = ""
    register_import.withdrawals_confirmed = confirmed_withdrawals
    register_import.save(
        update_fields=[
            "state",
            "applied_at",
            "rows_total",
            "rows_done",
            "summary",
            "diff_sample",
            "failure",
            "withdrawals_confirmed",
        ]
    )
    record_event(
        action=actions.REGISTRY_IMPORT_APPLIED,
        actor=applied_by,
        target=register_import,
        detail={
            "regulator": regulator.slug,
            "sha256": register_import.file_sha256,
            "withdrawals_confirmed": confirmed_withdrawals,
            **summary,
        },
    )


# --- Discarding and shared steps ------------------------------------------------------------


def discard_register_import(
    *, register_import_id: int, discarded_by: User | None
) -> RegisterImport:
    """Set an import aside unapplied. The file and its preview stay, as history."""
    with transaction.atomic():
        register_import = _locked(register_import_id)
        if register_import.state not in DISCARDABLE:
            raise ImportNotReady(
                _("This import is {state} and can no longer be discarded.").format(
                    state=register_import.get_state_display().lower()
                )
            )
        previous = register_import.state
        register_import.state = State.DISCARDED
        register_import.save(update_fields=["state"])
        record_event(
            action=actions.REGISTRY_IMPORT_DISCARDED,
            actor=discarded_by,
            target=register_import,
            detail={"regulator": register_import.regulator.slug, "from": previous},
        )
    return register_import


def _locked(register_import_id: int) -> RegisterImport:
    return (
        RegisterImport.objects.select_for_update(of=("self",))
        .select_related("regulator")
        .get(pk=register_import_id)
    )


def _not_ready(register_import: RegisterImport) -> ImportNotReady:
    return ImportNotReady(
        _("Only an import that is ready to apply can be applied; this one is {state}.").format(
            state=register_import.get_state_display().lower()
        )
    )


def _mark_failed(register_import_id: int, reason: str) -> None:
    """Record why an import stopped, in its own small transaction (the work has rolled back)."""
    with transaction.atomic():
        register_import = _locked(register_import_id)
        if register_import.state in (State.APPLIED, State.DISCARDED):
            return
        register_import.state = State.FAILED
        register_import.failure = reason[:4000]
        register_import.save(update_fields=["state", "failure"])
        record_event(
            action=actions.REGISTRY_IMPORT_FAILED,
            target=register_import,
            detail={"regulator": register_import.regulator.slug, "reason": reason[:500]},
        )
