"""Who may join which video session, and when: one place for the page, the forms, the
websocket (on connecting and on every message) and the tests.

A session belongs to its appointment's two parties: anyone else is answered 404, alike for a
missing appointment. The parties themselves are refused, with the reason, unless the
appointment is confirmed, booked as video, inside its window (``VIDEO_OPENS_MINUTES_BEFORE``
its start until its end plus ``VIDEO_GRACE_MINUTES``), the pair have an open case whose client
gave a live consent to video, nobody blocked the other, and the session has not ended.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.care.consent import require_consent
from casework.care.models import OPEN_STATUSES, Case, Technology
from casework.dates import reader_datetime
from casework.directory.models import Modality
from casework.messaging.access import conversations_for
from casework.messaging.models import Conversation
from casework.safety.blocks import is_blocked_between
from casework.scheduling.access import get_appointment_for_person
from casework.scheduling.models import Appointment, AppointmentStatus
from casework.scheduling.queries import zone_of
from casework.video.models import VideoSession


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def window(appointment: Appointment) -> tuple[datetime, datetime]:
    opens = appointment.starts_at - timedelta(minutes=settings.VIDEO_OPENS_MINUTES_BEFORE)
    closes = appointment.ends_at + timedelta(minutes=settings.VIDEO_GRACE_MINUTES)
    return opens, closes


def get_appointment_for_call(person: User, appointment_id: object) -> Appointment:
    """The appointment, for one of its two parties; 404 for anyone else."""
    try:
        pk = int(str(appointment_id))
    except ValueError:
        raise Http404 from None
    return get_appointment_for_person(person, pk)


def case_of(appointment: Appointment) -> Case | None:
    return (
        Case.objects.select_related("data_key", "client", "practitioner", "client_location")
        .filter(
            practitioner_id=appointment.practitioner_id,
            client_id=appointment.client_id,
            status__in=OPEN_STATUSES,
        )
        .first()
    )


def session_of(appointment: Appointment) -> VideoSession | None:
    return (
        VideoSession.objects.select_related("client_place", "case__data_key")
        .filter(appointment=appointment)
        .first()
    )


def case_conversation(person: User, appointment: Appointment) -> Conversation | None:
    """The pair's case conversation, where the chat beside the call happens."""
    return (
        conversations_for(person)
        .filter(
            kind=Conversation.Kind.CASE,
            client_id=appointment.client_id,
            practitioner_id=appointment.practitioner_id,
        )
        .order_by("-pk")
        .first()
    )


def chat_of(person: User, appointment: Appointment, case: Case | None) -> Conversation | None:
    """The conversation of the chat beside the call: the pair's case conversation, while
    their case is open."""
    return case_conversation(person, appointment) if case is not None else None


def _when(moment: datetime, person: User) -> str:
    with timezone.override(zone_of(person)):
        return reader_datetime(moment, "short")


def refusal(
    appointment: Appointment,
    person: User,
    *,
    case: Case | None,
    session: VideoSession | None,
    now: datetime | None = None,
) -> Refusal | None:
    """Why ``person`` (a party) may not be in this session now, or None."""
    now = now or timezone.now()
    if person.pk not in (appointment.client_id, appointment.practitioner_id):
        return Refusal("not_party", _("This is not your appointment."))
    if appointment.status != AppointmentStatus.CONFIRMED:
        return Refusal(
            "not_confirmed",
            _("This appointment is not confirmed (%(status)s), so there is no video session.")
            % {"status": str(AppointmentStatus(appointment.status).label).lower()},
        )
    if appointment.modality != Modality.VIDEO:
        return Refusal("not_video", _("This appointment was not booked as a video session."))
    if session is not None and session.is_ended:
        return Refusal("ended", _("This video session has ended."))
    opens, closes = window(appointment)
    if now < opens:
        return Refusal(
            "too_early",
            _("The session opens at %(time)s, %(minutes)d minutes before it starts.")
            % {"time": _when(opens, person), "minutes": settings.VIDEO_OPENS_MINUTES_BEFORE},
        )
    if now > closes:
        return Refusal("over", _("The time for this session has passed."))
    if is_blocked_between(appointment.client_id, appointment.practitioner_id):
        return Refusal("blocked", _("Contact between you is blocked."))
    if case is None:
        return Refusal("no_case", _("There is no open case between you."))
    try:
        require_consent(case, Technology.VIDEO)
    except ValidationError as error:
        if person.role == Role.CLIENT:
            return Refusal(
                "no_consent",
                _(
                    "You have not consented to sessions by video. Read what it involves and "
                    "give your consent on your care page first."
                ),
            )
        return Refusal("no_consent", " ".join(error.messages))
    return None


def stage(person: User, session: VideoSession | None, refused: object) -> str:
    """Which part of the session's page ``person`` is at: the page shows it, and the page's
    socket is told it on connecting, so a change made before the socket joined is not missed."""
    if session is not None and session.is_ended:
        return "ended"
    if refused is not None:
        return "refused"
    if session is not None and session.in_call:
        return "call"
    waiting = session is not None and session.place_confirmed_at is not None
    if person.role == Role.CLIENT:
        return "waiting" if waiting else "place"
    return "waiting" if waiting else "arriving"


def may_signal(person: User, appointment_id: int) -> bool:
    """Checked on every signalling message: still a party, still allowed, and admitted."""
    appointment = Appointment.objects.filter(
        Q(client_id=person.pk) | Q(practitioner_id=person.pk), pk=appointment_id
    ).first()
    if appointment is None:
        return False
    session = session_of(appointment)
    if session is None or not session.in_call:
        return False
    return refusal(appointment, person, case=session.case, session=session) is None


def sessions_open_now(practitioner: User, now: datetime | None = None) -> list[Appointment]:
    """A practitioner's confirmed video appointments whose window is open now, each with its
    session (``video_session`` or None), earliest first: two queries."""
    if practitioner.role != Role.PRACTITIONER:
        return []
    now = now or timezone.now()
    opens = timedelta(minutes=settings.VIDEO_OPENS_MINUTES_BEFORE)
    grace = timedelta(minutes=settings.VIDEO_GRACE_MINUTES)
    found = list(
        Appointment.objects.filter(
            practitioner=practitioner,
            status=AppointmentStatus.CONFIRMED,
            modality=Modality.VIDEO,
            starts_at__lte=now + opens,
            ends_at__gte=now - grace,
        )
        .select_related("client")
        .order_by("starts_at")[:50]
    )
    sessions = {
        session.appointment_id: session
        for session in VideoSession.objects.filter(appointment__in=found).select_related(
            "client_place"
        )
    }
    for appointment in found:
        appointment.open_session = sessions.get(appointment.pk)  # type: ignore[attr-defined]
    return found
