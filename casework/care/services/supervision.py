"""Supervision by agreement: the practitioner invites, the supervisor accepts or declines, the
client is told who supervises, and any of the three ends it. It ends by itself when the case
closes or moves to another practitioner (``end_supervisions``).

Inviting answers alike for every address (``access`` and the views never say whether one
belongs to a practitioner): the invitation is kept either way, and its event is emitted either
way; only a verified practitioner with that address is told, and only they can accept.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.care.models import (
    LIVE_SUPERVISION_STATUSES,
    Case,
    Supervision,
    SupervisionEnd,
    SupervisionStatus,
)
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.standing import in_good_standing, in_good_standing_expression


def verified_practitioner_with_email(email: str) -> User | None:
    """The practitioner in good standing who signs in with ``email``, found in one query
    whatever the address (so the answer takes the same time for every address)."""
    return (
        User.objects.filter(email__iexact=email, role=Role.PRACTITIONER, is_active=True)
        .filter(in_good_standing_expression())
        .first()
    )


def _end(supervision: Supervision, *, actor: User | None, reason: str, now: datetime) -> None:
    supervision.status = SupervisionStatus.ENDED
    supervision.ended_at, supervision.ended_by, supervision.end_reason = now, actor, reason
    supervision.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    record_event(
        action=actions.CARE_SUPERVISION_ENDED,
        actor=actor,
        target=supervision,
        subject_id=supervision.case.client_id,
        detail={"case": str(supervision.case_id), "reason": reason},
    )
    # The client knew of it only once the supervisor accepted; the supervisor only if asked.
    told = {supervision.practitioner_id}
    if supervision.supervisor_id is not None:
        told.add(supervision.supervisor_id)
    if supervision.answered_at is not None and supervision.supervisor_id is not None:
        told.add(supervision.case.client_id)
    if actor is not None:
        told.discard(actor.pk)
    emit(
        events.SupervisionEnded(
            supervision_id=str(supervision.pk), reason=reason, told_ids=tuple(sorted(told))
        )
    )


def end_supervisions(case: Case, *, actor: User | None, reason: str, now: datetime) -> None:
    """End the case's live supervision (called, inside its transaction, when the case closes
    or is handed over)."""
    for supervision in (
        Supervision.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(case=case, status__in=LIVE_SUPERVISION_STATUSES)
    ):
        _end(supervision, actor=actor, reason=reason, now=now)


def invite_supervisor(*, case: Case, practitioner: User, email: str) -> Supervision:
    """Invite the colleague who signs in with ``email`` to supervise this case, in place of any
    supervisor or invitation the case has. They read nothing until they accept."""
    address = (email or "").strip().lower()
    if not address:
        raise ValidationError(_("Write your colleague's email address."), code="email")
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if practitioner.pk != locked.practitioner_id:
            raise ValidationError(_("Only the case's practitioner chooses a supervisor."))
        if not locked.is_open:
            raise ValidationError(_("This case is closed."), code="case_closed")
        now = timezone.now()
        end_supervisions(locked, actor=practitioner, reason=SupervisionEnd.PRACTITIONER, now=now)
        colleague = verified_practitioner_with_email(address)
        if colleague is not None and colleague.pk == practitioner.pk:
            # Nobody supervises their own work; said as for any address nobody can accept.
            colleague = None
        supervision = Supervision(
            case=locked,
            practitioner=practitioner,
            supervisor=colleague,
            invited_email=address,
            invited_at=now,
        )
        supervision.save(force_insert=True)
        record_event(
            action=actions.CARE_SUPERVISOR_INVITED,
            actor=practitioner,
            target=supervision,
            subject_id=locked.client_id,
            detail={"case": str(locked.pk)},
        )
        emit(events.SupervisionInvited(supervision_id=str(supervision.pk)))
    return supervision


def stop_supervision(*, case: Case, practitioner: User) -> Supervision | None:
    """The practitioner ends the case's supervision (or withdraws the invitation)."""
    with transaction.atomic():
        supervision = (
            Supervision.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(case=case, status__in=LIVE_SUPERVISION_STATUSES)
            .first()
        )
        if supervision is None:
            return None
        return _end_by(supervision, practitioner)


def end_supervision(*, supervision: Supervision, person: User) -> Supervision:
    """The client, the practitioner or the supervisor ends a live supervision."""
    with transaction.atomic():
        locked = (
            Supervision.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=supervision.pk)
        )
        return _end_by(locked, person)


def _end_by(supervision: Supervision, person: User) -> Supervision:
    if person.pk == supervision.case.client_id and supervision.status == SupervisionStatus.ACCEPTED:
        reason = SupervisionEnd.CLIENT
    elif person.pk == supervision.practitioner_id:
        reason = SupervisionEnd.PRACTITIONER
    elif person.pk == supervision.supervisor_id:
        reason = SupervisionEnd.SUPERVISOR
    else:
        raise ValidationError(_("Only the client, the practitioner or the supervisor ends it."))
    if not supervision.is_live:
        raise ValidationError(_("This supervision has already ended."), code="not_live")
    _end(supervision, actor=person, reason=reason, now=timezone.now())
    return supervision


def answer_invitation(*, supervision: Supervision, supervisor: User, accept: bool) -> Supervision:
    """The invited colleague accepts or declines. Accepting needs a verified registration in
    good standing; the practitioner is told either way, and the client once it is accepted."""
    with transaction.atomic():
        locked = (
            Supervision.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=supervision.pk)
        )
        if locked.supervisor_id is None or supervisor.pk != locked.supervisor_id:
            raise ValidationError(_("Only the colleague invited answers the invitation."))
        if locked.status != SupervisionStatus.INVITED:
            raise ValidationError(_("This invitation has already been answered."), code="answered")
        if not locked.case.is_open or locked.case.practitioner_id != locked.practitioner_id:
            raise ValidationError(_("This case is no longer open to supervision."), code="gone")
        if accept and not in_good_standing(supervisor):
            raise ValidationError(
                _(
                    "Only a practitioner with a verified registration in good standing "
                    "supervises a case."
                ),
                code="not_verified",
            )
        locked.status = SupervisionStatus.ACCEPTED if accept else SupervisionStatus.DECLINED
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answered_at"])
        record_event(
            action=actions.CARE_SUPERVISION_ACCEPTED
            if accept
            else actions.CARE_SUPERVISION_DECLINED,
            actor=supervisor,
            target=locked,
            subject_id=locked.case.client_id,
            detail={"case": str(locked.case_id)},
        )
        emit(
            events.SupervisionAnswered(
                supervision_id=str(locked.pk),
                accepted=accept,
                client_id=locked.case.client_id,
                practitioner_id=locked.practitioner_id,
            )
        )
    return locked
