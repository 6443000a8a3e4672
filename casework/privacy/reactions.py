"""What privacy does when something happened (see casework/events/subscribers.py)."""

from casework.care.models import Referral
from casework.care.notices import Notice, queue_care_notice, site_link
from casework.events import catalogue as e
from casework.privacy.case_export import call_off_after_transfer
from casework.privacy.notices import queue_export_ready
from casework.privacy.rights_models import DataExport


def tell_export_ready(event: e.ExportReady) -> None:
    found = DataExport.objects.filter(pk=event.export_id).values_list("case_id", flat=True)
    case_id = found.first()
    if case_id is None:
        queue_export_ready(event.export_id)
        return
    # A case's export: its practitioner downloads it from the case, as care's emails say.
    queue_care_notice(
        event.person_id,
        Notice.CASE_EXPORT_READY,
        site_link("privacy:case_export", case_id=str(case_id)),
    )


def tell_case_export_asked(event: e.CaseExportAsked) -> None:
    queue_care_notice(
        event.client_id,
        Notice.CASE_EXPORT_ASKED,
        site_link("privacy:case_export_consent", export_id=event.export_id),
    )


def tell_case_export_answered(event: e.CaseExportAnswered) -> None:
    notice = Notice.CASE_EXPORT_AGREED if event.agreed else Notice.CASE_EXPORT_DECLINED
    queue_care_notice(
        event.practitioner_id,
        notice,
        site_link("privacy:case_export", case_id=event.case_id),
    )


def end_exports_of_a_transferred_case(event: e.CaseTransferred) -> None:
    case_id = Referral.objects.filter(pk=event.referral_id).values_list("case_id", flat=True)
    found = case_id.first()
    if found is not None:
        call_off_after_transfer(case_id=str(found))
