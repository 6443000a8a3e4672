"""Every write of a video session: the client's place, admission, the identity check, the end,
and the plan for a dropped call.

Each is one transaction that locks the appointment's row, checks the session may go on
(``access.refusal``), writes its audit event and emits its domain event; the join pages hear of
it after the commit (``reactions``). A repeated submit changes nothing the first did not.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.care.models import Case
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.privacy.models import AuditEvent
from casework.registry.models import Jurisdiction
from casework.registry.standing import may_practise_where
from casework.scheduling.models import Appointment
from casework.scheduling.services.booking import record_no_show
from casework.video import access
from casework.video.models import (
    OUTCOMES_WITH_REASON,
    DropPlan,
    IdentityMethod,
    Outcome,
    SessionState,
    VideoSession,
)

LONGEST_REASON = 2000
LONGEST_PHONE = 40


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _open(appointment: Appointment, person: User) -> tuple[Case, VideoSession | None]:
    """The case and session of an appointment this person may be in now, or ValidationError."""
    case = access.case_of(appointment)
    session = access.session_of(appointment)
    refused = access.refusal(appointment, person, case=case, session=session)
    if refused is not None:
        raise ValidationError(refused.message, code=refused.code)
    assert case is not None  # noqa: S101  (refusal answers "no_case" otherwise)
    return case, session


def _parties(session: VideoSession) -> tuple[int, str, int, int]:
    """An event's first fields: appointment, case, client, practitioner."""
    appointment = session.appointment
    return (
        appointment.pk,
        str(session.case_id),
        appointment.client_id,
        appointment.practitioner_id,
    )


def identity_needed(session: VideoSession) -> bool:
    """The case's first video session asks the practitioner to confirm who the client is, once:
    until a session of the case records it."""
    return not VideoSession.objects.filter(
        case_id=session.case_id, identity_confirmed_at__isnull=False
    ).exists()


def confirm_place(
    *, appointment: Appointment, client: User, where: Jurisdiction | None
) -> VideoSession:
    """The client says where she is now; the jurisdiction check runs again on that place, and
    she waits for the practitioner. Confirming again (she moved) updates both."""
    if where is None:
        raise ValidationError(_("Tell us where you are now."), code="where_missing")
    with transaction.atomic():
        appointment = _locked(appointment)
        if client.pk != appointment.client_id:
            raise ValidationError(_("Only the client confirms where she is."), code="not_client")
        case, session = _open(appointment, client)
        if session is None:
            session = VideoSession(appointment=appointment, case=case)
        elif session.in_call:
            raise ValidationError(_("The session has already started."), code="started")
        answer = may_practise_where(appointment.practitioner, where)
        session.client_place = where
        session.place_confirmed_at = timezone.now()
        session.may_practise = answer.allowed
        session.practise_reason = str(answer.reason)
        session.save()
        record_event(
            action=actions.VIDEO_PLACE_CONFIRMED,
            actor=client,
            target=session,
            subject_id=client.pk,
            detail={"where": where.code, "may_practise": answer.allowed},
        )
        emit(events.VideoClientWaiting(*_parties(session), may_practise=answer.allowed))
    return session


def admit_client(*, appointment: Appointment, practitioner: User) -> VideoSession:
    with transaction.atomic():
        appointment = _locked(appointment)
        if practitioner.pk != appointment.practitioner_id:
            raise ValidationError(_("Only the practitioner admits the client."), code="not_party")
        _case, session = _open(appointment, practitioner)
        if session is None or session.place_confirmed_at is None:
            raise ValidationError(
                _("The client is not in the waiting room yet."), code="not_waiting"
            )
        if session.in_call:
            return session
        if not session.may_practise:
            raise ValidationError(
                _(
                    "The client says she is somewhere you may not practise: end the session "
                    "with a reason instead."
                ),
                code="jurisdiction",
            )
        session.state = SessionState.ADMITTED
        session.admitted_at = timezone.now()
        session.save(update_fields=["state", "admitted_at"])
        record_event(
            action=actions.VIDEO_CLIENT_ADMITTED,
            actor=practitioner,
            target=session,
            subject_id=appointment.client_id,
            detail={"where": session.client_place.code if session.client_place else ""},
        )
        emit(events.VideoSessionStarted(*_parties(session)))
    return session


def confirm_identity(*, appointment: Appointment, practitioner: User, method: str) -> VideoSession:
    if method not in IdentityMethod.values:
        raise ValidationError(_("Choose how you confirmed who the client is."), code="method")
    with transaction.atomic():
        appointment = _locked(appointment)
        if practitioner.pk != appointment.practitioner_id:
            raise ValidationError(_("Only the practitioner confirms identity."), code="not_party")
        _case, session = _open(appointment, practitioner)
        if session is None or not session.in_call:
            raise ValidationError(
                _("Confirm who the client is once the session has started."),
                code="not_started",
            )
        if session.identity_confirmed_at is not None:
            return session
        session.identity_method = method
        session.identity_confirmed_at = timezone.now()
        session.save(update_fields=["identity_method", "identity_confirmed_at"])
        record_event(
            action=actions.VIDEO_IDENTITY_CONFIRMED,
            actor=practitioner,
            target=session,
            subject_id=appointment.client_id,
            detail={"method": method},
        )
    return session


def end_session(
    *, appointment: Appointment, practitioner: User, outcome: str, reason: str = ""
) -> VideoSession:
    """The practitioner ends the session: completed, ended early or out of place (with a reason),
    or a no-show (the client never came in; the appointment is marked so too)."""
    text = (reason or "").replace("\r\n", "\n").strip()
    if outcome not in Outcome.values:
        raise ValidationError(_("Choose how the session ended."), code="outcome")
    if outcome in OUTCOMES_WITH_REASON and not text:
        raise ValidationError(
            _("Write the reason: it is kept on the case."), code="reason_required"
        )
    if len(text) > LONGEST_REASON:
        raise ValidationError(
            _("The reason can be at most %(limit)d characters long.") % {"limit": LONGEST_REASON},
            code="too_long",
        )
    with transaction.atomic():
        appointment = _locked(appointment)
        if practitioner.pk != appointment.practitioner_id:
            raise ValidationError(_("Only the practitioner ends the session."), code="not_party")
        case, session = _open(appointment, practitioner)
        if outcome == Outcome.NO_SHOW:
            if session is not None and session.in_call:
                raise ValidationError(
                    _("The client came in: choose another ending."), code="not_no_show"
                )
            if appointment.starts_at > timezone.now():
                raise ValidationError(
                    _("A no-show can be recorded once the appointment has begun."),
                    code="too_early",
                )
        elif outcome == Outcome.COMPLETED and (session is None or not session.in_call):
            raise ValidationError(_("The session has not started."), code="not_started")
        elif outcome == Outcome.OUT_OF_PLACE and (
            session is None or session.place_confirmed_at is None
        ):
            raise ValidationError(
                _("The client has not said where she is yet."), code="not_waiting"
            )
        if session is None:
            session = VideoSession(appointment=appointment, case=case)
        session.state = SessionState.ENDED
        session.ended_at = timezone.now()
        session.ended_by = practitioner
        session.outcome = outcome
        session.outcome_reason = text or None
        session.save()
        record_event(
            action=actions.VIDEO_SESSION_ENDED,
            actor=practitioner,
            target=session,
            subject_id=appointment.client_id,
            # The words stay on the session, sealed; the log keeps only that there were some.
            detail={"outcome": outcome, "with_reason": bool(text)},
        )
        if outcome == Outcome.NO_SHOW:
            record_no_show(appointment=appointment, practitioner=practitioner)
        emit(events.VideoSessionEnded(*_parties(session), outcome=outcome))
    return session


def save_drop_plan(*, case: Case, practitioner: User, phone: str) -> DropPlan:
    number = " ".join((phone or "").split())
    if not number:
        raise ValidationError(_("Write the number to phone."), code="phone_required")
    if len(number) > LONGEST_PHONE or not all(c.isdigit() or c in "+ ()-" for c in number):
        raise ValidationError(
            _("Write a phone number: digits, spaces, +, - and brackets only."), code="phone"
        )
    with transaction.atomic():
        if case.practitioner_id != practitioner.pk:
            raise ValidationError(
                _("Only the practitioner of the case sets this."), code="not_party"
            )
        plan = DropPlan.objects.select_for_update().filter(case=case).first()
        if plan is None:
            plan = DropPlan(case=case)
        plan.phone = number
        plan.updated_at = timezone.now()
        plan.updated_by = practitioner
        plan.save()
        record_event(
            action=actions.VIDEO_DROP_PLAN_SAVED,
            actor=practitioner,
            target=case,
            subject_id=case.client_id,
        )
    return plan


# A waiting room reloads itself (without JavaScript, every 20 seconds): one read an hour is
# recorded, so the client's access log says it once, not every reload.
READ_RECORDED_FOR = timedelta(hours=1)


def record_emergency_plan_read(*, case: Case, practitioner: User) -> None:
    """The practitioner's join page shows the client's emergency contact and crisis plan."""
    recorded = AuditEvent.objects.filter(
        action=actions.CARE_EMERGENCY_DETAILS_READ,
        actor_id=practitioner.pk,
        object_id=str(case.pk),
        occurred_at__gte=timezone.now() - READ_RECORDED_FOR,
        detail__from="video_session",
    )
    if recorded.exists():
        return
    record_event(
        action=actions.CARE_EMERGENCY_DETAILS_READ,
        actor=practitioner,
        target=case,
        subject_id=case.client_id,
        detail={"from": "video_session"},
    )
