"""Building an export archive -- a person's own, or a case's for a transfer: run by the task
worker (``tasks.build_data_export``).

The archive is a ZIP with ``data.json`` (the versioned layout of ``EXPORT_FORMAT.md``),
``index.html`` (the same, readable), ``schema.json`` and the files the person sent and
received (``attachments/``, ``files/``); it is sealed under a data key of its own before it
is stored.
"""

import io
import json
import logging
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casework.care.models import Case
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions, case_export_contents, export_contents
from casework.privacy.audit import record_event
from casework.privacy.rights_models import DataExport, ExportStatus
from casework.vault.crypto import seal
from casework.vault.services import create_data_key

logger = logging.getLogger(__name__)

SCHEMA_FILE = Path(__file__).with_name("export_schema.json")
CASE_SCHEMA_FILE = Path(__file__).with_name("case_export_schema.json")


def archive_context(export: DataExport) -> str:
    return f"privacy.dataexport.archive:{export.pk}"


def build_export(*, export_id: str) -> DataExport | None:
    """Build and seal the archive. Safe to run twice: only a queued export is built."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("person")
            .filter(pk=export_id, status=ExportStatus.QUEUED)
            .first()
        )
        if export is None:
            return None
        export.status = ExportStatus.BUILDING
        export.save(update_fields=["status"])
    try:
        archive = _archive(export)
    except Exception:
        # Logged by type and place only: the data may be in the exception's text.
        logger.exception("privacy: export %s could not be built", export.pk)
        with transaction.atomic():
            export.status, export.progress = ExportStatus.FAILED, 0
            export.save(update_fields=["status", "progress"])
            record_event(
                action=actions.PRIVACY_EXPORT_FAILED, target=export, subject_id=export.person_id
            )
        return export
    data_key = create_data_key(owner=f"export:{export.pk}")
    now = timezone.now()
    with transaction.atomic():
        export.data_key = data_key
        export.archive = seal(data_key, archive, context=archive_context(export))
        export.size = len(archive)
        export.status, export.progress = ExportStatus.READY, 100
        export.ready_at = now
        export.expires_at = now + timedelta(hours=settings.EXPORT_LINK_HOURS)
        export.save()
        record_event(
            action=actions.PRIVACY_EXPORT_READY,
            target=export,
            subject_id=export.person_id,
            detail={"size": export.size},
        )
        emit(events.ExportReady(export_id=str(export.pk), person_id=export.person_id))
    return export


def _report_progress(export: DataExport, done: int) -> None:
    # Sections are most of the work; sealing and zipping the rest.
    export.progress = min(95, done * 90 // len(export_contents.SECTIONS))
    DataExport.objects.filter(pk=export.pk).update(progress=export.progress)


def _report_case_progress(export: DataExport, done: int) -> None:
    export.progress = min(95, done * 90 // len(case_export_contents.SECTIONS))
    DataExport.objects.filter(pk=export.pk).update(progress=export.progress)


def _archive(export: DataExport) -> bytes:
    person = export.person
    # Read in the language of whoever downloads it: timeline titles and bands are worded.
    with translation.override(person.language):
        if export.case_id is None:
            document, files = export_contents.collect(
                person, on_section=lambda done: _report_progress(export, done)
            )
            template, schema = "privacy/export_archive.html", SCHEMA_FILE
        else:
            case = Case.objects.select_related(
                "client", "practitioner", "data_key", "client_location"
            ).get(pk=export.case_id)
            document, files = case_export_contents.collect(
                case, person, on_section=lambda done: _report_case_progress(export, done)
            )
            template, schema = "privacy/case_export_archive.html", CASE_SCHEMA_FILE
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The files first, one at a time: a file the vault cannot open is marked in its row,
        # so the JSON and the page are written after them and say so.
        for attached, content in export_contents.open_files(files):
            if content is not None:
                archive.writestr(attached.record["file"], content)
        with translation.override(person.language):
            readable = render_to_string(template, {"document": document, "person": person})
        archive.writestr(
            "data.json", json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
        )
        archive.writestr("index.html", readable)
        archive.writestr("schema.json", schema.read_text(encoding="utf-8"))
    return buffer.getvalue()
