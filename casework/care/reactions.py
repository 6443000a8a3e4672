"""What care does when something happened (see casework/events/subscribers.py).

Each reaction runs in the relay's transaction after the change committed, once per event: a
confirmed booking opens the pair's case; a message or an appointment re-ranks the pair's case
in the caseload (its last contact, its next session); emails are queued, one per recipient,
composed here and sent by the task queue; open caseload pages are told to reload.
"""

from casework.accounts.models import Role
from casework.care import live
from casework.care.models import CaseSource, Supervision, SupervisionStatus
from casework.care.notices import Notice, queue_care_notice, site_link
from casework.care.services.cases import open_case
from casework.care.services.need import refresh_pair
from casework.events import catalogue as e
from casework.messaging.models import Conversation
from casework.scheduling.models import Appointment


def open_case_for_booking(event: e.AppointmentConfirmed) -> None:
    appointment = Appointment.objects.select_related("client", "practitioner").get(
        pk=event.appointment_id
    )
    client, practitioner = appointment.client, appointment.practitioner
    if client.role != Role.CLIENT or practitioner.role != Role.PRACTITIONER:
        return  # a consultation between colleagues is not a case
    open_case(
        practitioner=practitioner,
        client=client,
        source=CaseSource.BOOKING,
        client_location=appointment.client_location,
    )


def rank_after_message(event: e.MessageSent) -> None:
    pair = Conversation.objects.filter(pk=event.conversation_id).values_list(
        "client_id", "practitioner_id"
    )
    for client_id, practitioner_id in pair:
        if client_id is not None and practitioner_id is not None:
            refresh_pair(client_id=client_id, practitioner_id=practitioner_id)


def rank_after_appointment(
    event: e.AppointmentRequested
    | e.AppointmentConfirmed
    | e.AppointmentDeclined
    | e.AppointmentCancelled
    | e.AppointmentRescheduled
    | e.AppointmentNoShowRecorded,
) -> None:
    refresh_pair(client_id=event.client_id, practitioner_id=event.practitioner_id)


def _tell(recipient_id: int, notice: Notice, link: str) -> None:
    queue_care_notice(recipient_id, notice, link)


def _referral_link(referral_id: str) -> str:
    return site_link("care:referral", referral_id=referral_id)


def tell_case_opened(event: e.CaseOpened) -> None:
    _tell(event.client_id, Notice.CASE_OPENED, site_link("care:my_care"))


def tell_suitability_recorded(event: e.OnlineSuitabilityRecorded) -> None:
    notice = Notice.ONLINE_WORK_SUITS if event.suitable else Notice.ONLINE_WORK_DOES_NOT_SUIT
    _tell(event.client_id, notice, site_link("care:my_care"))


def tell_consent_given(event: e.ConsentGiven) -> None:
    _tell(
        event.practitioner_id, Notice.CONSENT_GIVEN, site_link("care:case", case_id=event.case_id)
    )


def tell_urgent_flag(event: e.UrgentFlagRaised) -> None:
    _tell(event.practitioner_id, Notice.URGENT_FLAG, site_link("care:caseload"))


def tell_consent_withdrawn(event: e.ConsentWithdrawn) -> None:
    _tell(
        event.practitioner_id,
        Notice.CONSENT_WITHDRAWN,
        site_link("care:case", case_id=event.case_id),
    )


def tell_referral_proposed(event: e.ReferralProposed) -> None:
    _tell(event.client_id, Notice.REFERRAL_PROPOSED, _referral_link(event.referral_id))


def tell_referral_shared(event: e.ReferralShared) -> None:
    _tell(event.to_practitioner_id, Notice.REFERRAL_SHARED, _referral_link(event.referral_id))


def tell_referral_answered(event: e.ReferralAnswered) -> None:
    for person_id in event.told_ids:
        _tell(person_id, Notice.REFERRAL_ANSWERED, _referral_link(event.referral_id))


def tell_referral_withdrawn(event: e.ReferralWithdrawn) -> None:
    for person_id in event.told_ids:
        _tell(person_id, Notice.REFERRAL_WITHDRAWN, _referral_link(event.referral_id))


def tell_case_transferred(event: e.CaseTransferred) -> None:
    for person_id in event.told_ids:
        _tell(person_id, Notice.CASE_TRANSFERRED, _referral_link(event.referral_id))


def tell_emergency_opened(event: e.EmergencyDetailsOpened) -> None:
    _tell(event.client_id, Notice.EMERGENCY_DETAILS_OPENED, site_link("care:my_care"))
    _tell(
        event.practitioner_id,
        Notice.CLIENT_EMERGENCY_DETAILS_OPENED,
        site_link("care:case", case_id=event.case_id),
    )


def tell_referral_lapsed(event: e.ReferralLapsed) -> None:
    _tell(event.client_id, Notice.REFERRAL_LAPSED, site_link("care:my_care"))
    _tell(event.to_practitioner_id, Notice.REFERRAL_ENDED_WITH_CASE, site_link("care:referrals"))


def tell_referral_renewed(event: e.ReferralRenewed) -> None:
    _tell(event.to_practitioner_id, Notice.REFERRAL_SHARED, _referral_link(event.referral_id))


def tell_supervision_invited(event: e.SupervisionInvited) -> None:
    """Only a verified practitioner with the address is told, and only while the invitation
    still waits (it may have been withdrawn before this ran)."""
    supervision = Supervision.objects.filter(
        pk=event.supervision_id, status=SupervisionStatus.INVITED, supervisor__isnull=False
    ).first()
    if supervision is not None and supervision.supervisor_id is not None:
        _tell(supervision.supervisor_id, Notice.SUPERVISION_INVITED, site_link("care:supervision"))


def tell_supervision_answered(event: e.SupervisionAnswered) -> None:
    case_id = Supervision.objects.filter(pk=event.supervision_id).values_list("case_id", flat=True)
    case_link = (
        site_link("care:case", case_id=case_id[0]) if case_id else site_link("care:caseload")
    )
    _tell(event.practitioner_id, Notice.SUPERVISION_ANSWERED, case_link)
    if event.accepted:
        _tell(event.client_id, Notice.SUPERVISOR_JOINED, site_link("care:my_care"))


def tell_supervision_ended(event: e.SupervisionEnded) -> None:
    for person_id in event.told_ids:
        _tell(person_id, Notice.SUPERVISION_ENDED, site_link("shell:dashboard"))


def announce_caseload(event: e.CaseChanged | e.CheckInAnswered | e.ConsentWithdrawn) -> None:
    live.announce_caseload_changed(event.practitioner_id)


def announce_caseloads(event: e.CaseTransferred) -> None:
    for practitioner_id in event.caseload_ids:
        live.announce_caseload_changed(practitioner_id)
