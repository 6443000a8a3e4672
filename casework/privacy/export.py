"""A person's export of all their data: asked for on a page, built by the task worker, sealed
at rest, downloaded (audited) until its link expires, then destroyed by the clock.

What goes in is ``export_contents``; the archive is a ZIP with ``data.json`` (the versioned
layout of ``EXPORT_FORMAT.md``), ``index.html`` (the same, readable), ``schema.json`` and the
attachments.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.care.models import Case
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.privacy.export_archive import archive_context
from casework.privacy.rights_models import RUNNING_EXPORT_STATUSES, DataExport, ExportStatus
from casework.privacy.tasks import build_data_export
from casework.shell.task_queue import queue_with_the_change
from casework.vault.crypto import unseal
from casework.vault.services import destroy_data_key


class ExportAlreadyRunning(Exception):
    """The person's previous export is still being prepared: one at a time."""


class ExportExpired(Exception):
    """The export's link has expired (or the export never became ready)."""


def running_export(person: User) -> DataExport | None:
    return DataExport.objects.filter(
        person=person, case__isnull=True, status__in=RUNNING_EXPORT_STATUSES
    ).first()


def request_export(*, person: User) -> DataExport:
    """Queue an export of everything ``person`` holds; refused while one is under way."""
    try:
        with transaction.atomic():
            if running_export(person) is not None:
                raise ExportAlreadyRunning
            export = DataExport.objects.create(person=person, requested_at=timezone.now())
            record_event(
                action=actions.PRIVACY_EXPORT_REQUESTED,
                actor=person,
                target=export,
                subject_id=person.pk,
            )
    except IntegrityError:
        # Two requests raced past the read above: the database let one of them in.
        raise ExportAlreadyRunning from None
    queue_with_the_change(build_data_export, export_id=str(export.pk))
    return export


def archive_name(export: DataExport) -> str:
    return f"casework-export-{export.requested_at:%Y-%m-%d}.zip"


def open_export(*, export: DataExport, person: User) -> bytes:
    """The archive's bytes for the person who asked for it, audited; ``ExportExpired`` once
    the link has expired. Access (whose export it is) is checked by the caller through
    ``access``."""
    now = timezone.now()
    if export.status != ExportStatus.READY or export.expires_at is None or export.expires_at <= now:
        raise ExportExpired
    if export.data_key is None:  # a ready export has its key (a database constraint)
        raise ExportExpired
    content = unseal(export.data_key, bytes(export.archive), context=archive_context(export))
    if export.case_id is None:
        action, subject_id = actions.PRIVACY_EXPORT_DOWNLOADED, person.pk
    else:
        # A case's export holds its client's record: the download is on her access log.
        action = actions.PRIVACY_CASE_EXPORT_DOWNLOADED
        subject_id = Case.objects.filter(pk=export.case_id).values_list("client_id", flat=True)[0]
    record_event(action=action, actor=person, target=export, subject_id=subject_id)
    return content


def expire_exports(*, now: datetime | None = None) -> int:
    """Destroy every export whose link has expired: its key, then its sealed bytes."""
    now = now or timezone.now()
    expired = 0
    for export in DataExport.objects.filter(
        status=ExportStatus.READY, expires_at__lte=now
    ).select_related("data_key"):
        destroy_export(export=export, reason="its download link expired")
        expired += 1
    return expired


def destroy_export(*, export: DataExport, reason: str) -> None:
    with transaction.atomic():
        if export.data_key is not None:
            destroy_data_key(data_key=export.data_key, actor=None, reason=reason)
        export.archive, export.status = b"", ExportStatus.EXPIRED
        export.save(update_fields=["archive", "status"])
        record_event(
            action=actions.PRIVACY_EXPORT_EXPIRED,
            target=export,
            subject_id=export.person_id,
            reason=reason,
        )
