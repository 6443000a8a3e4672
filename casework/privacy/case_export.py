"""A case's export for a transfer: its practitioner asks, its client agrees or declines, and
only once she agrees is the archive built -- by the same task, sealing, expiring link and
audited download as a person's own export (``export``, ``export_archive``).

Nothing is built before the client's word: consent here is to one export of one case, asked
for once, so it lives on the export itself (asked, then agreed or declined, with the time),
not among the standing consents to online technologies of ``care.Consent``.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.care.models import Case
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions, export
from casework.privacy.audit import record_event
from casework.privacy.rights_models import RUNNING_CASE_EXPORT_STATUSES, DataExport, ExportStatus
from casework.privacy.tasks import build_data_export
from casework.shell.task_queue import queue_with_the_change


class CaseExportAlreadyAsked(Exception):
    """This case's export is waiting for the client or being prepared: one at a time."""


class CaseExportNotAgreed(Exception):
    """The client has not agreed to this export (not yet, or she declined)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class CaseExportAlreadyAnswered(Exception):
    """The client answered already, or the practitioner called the request off."""


def running_case_export(case: Case) -> DataExport | None:
    return DataExport.objects.filter(case=case, status__in=RUNNING_CASE_EXPORT_STATUSES).first()


def ask_for_case_export(*, case: Case, practitioner: User) -> DataExport:
    """Ask the client to agree to an export of ``case`` for its transfer; refused while an
    earlier request of the case is waiting or being prepared."""
    if case.practitioner_id != practitioner.pk:
        raise ValidationError(
            _("Only the case's social worker asks for its export."), code="not_practitioner"
        )
    try:
        with transaction.atomic():
            if running_case_export(case) is not None:
                raise CaseExportAlreadyAsked
            found = DataExport.objects.create(
                person=practitioner,
                case=case,
                status=ExportStatus.ASKING,
                requested_at=timezone.now(),
            )
            record_event(
                action=actions.PRIVACY_CASE_EXPORT_ASKED,
                actor=practitioner,
                target=found,
                subject_id=case.client_id,
                detail={"case": str(case.pk)},
            )
            emit(events.CaseExportAsked(export_id=str(found.pk), client_id=case.client_id))
    except IntegrityError:
        # Two requests raced past the read above: the database let one of them in.
        raise CaseExportAlreadyAsked from None
    return found


def answer_case_export(*, export_id: str, client: User, agree: bool) -> DataExport:
    """The client's answer: agreed, the archive is queued for building; declined, nothing is
    built. Answering twice is refused (``CaseExportAlreadyAnswered``)."""
    with transaction.atomic():
        found = (
            DataExport.objects.select_for_update(of=("self",))
            .select_related("case")
            # A request by someone who no longer holds the case is void: she would be
            # agreeing to send her record to the wrong person.
            .filter(
                pk=export_id,
                case__client=client,
                case__practitioner=F("person"),
                status=ExportStatus.ASKING,
            )
            .first()
        )
        if found is None or found.case is None:
            raise CaseExportAlreadyAnswered
        found.status = ExportStatus.QUEUED if agree else ExportStatus.DECLINED
        found.consent_decided_at = timezone.now()
        found.save(update_fields=["status", "consent_decided_at"])
        record_event(
            action=actions.PRIVACY_CASE_EXPORT_AGREED
            if agree
            else actions.PRIVACY_CASE_EXPORT_DECLINED,
            actor=client,
            target=found,
            subject_id=client.pk,
            detail={"case": str(found.case.pk)},
        )
        emit(
            events.CaseExportAnswered(
                export_id=str(found.pk),
                case_id=str(found.case.pk),
                practitioner_id=found.person_id,
                agreed=agree,
            )
        )
        if agree:
            queue_with_the_change(build_data_export, export_id=str(found.pk))
    return found


def call_off_case_export(*, found: DataExport, practitioner: User) -> None:
    """The practitioner withdraws a request the client has not answered yet."""
    with transaction.atomic():
        updated = DataExport.objects.filter(
            pk=found.pk, person=practitioner, case__isnull=False, status=ExportStatus.ASKING
        ).update(status=ExportStatus.EXPIRED)
        if not updated:
            raise CaseExportAlreadyAnswered
        record_event(
            action=actions.PRIVACY_CASE_EXPORT_CALLED_OFF,
            actor=practitioner,
            target=found,
            subject_id=found.case.client_id if found.case else None,
        )


def call_off_after_transfer(*, case_id: str) -> int:
    """The case moved to another practitioner: the previous one's requests still waiting for
    the client are called off, and an archive already made for them is destroyed (they could
    no longer download it). Returns how many were ended."""
    ended = 0
    for found in DataExport.objects.filter(
        case_id=case_id,
        status__in=(ExportStatus.ASKING, ExportStatus.READY),
    ).exclude(person_id=F("case__practitioner_id")):
        if found.status == ExportStatus.READY:
            export.destroy_export(export=found, reason="its case was transferred")
        else:
            with transaction.atomic():
                DataExport.objects.filter(pk=found.pk, status=ExportStatus.ASKING).update(
                    status=ExportStatus.EXPIRED
                )
                record_event(
                    action=actions.PRIVACY_CASE_EXPORT_CALLED_OFF,
                    target=found,
                    reason="its case was transferred",
                )
        ended += 1
    return ended


def open_case_export(*, found: DataExport, practitioner: User) -> bytes:
    """The archive's bytes for the practitioner who asked, audited against the client;
    ``CaseExportNotAgreed`` before she agreed or once she declined, ``export.ExportExpired``
    once the link has expired. Access (the case is still theirs) is checked by the caller."""
    if found.status in (ExportStatus.ASKING, ExportStatus.DECLINED):
        raise CaseExportNotAgreed(found.status)
    return export.open_export(export=found, person=practitioner)


def archive_name(found: DataExport) -> str:
    return f"casework-case-transfer-{found.requested_at:%Y-%m-%d}.zip"
