"""Appeals: once per decision, by the person it affects, decided finally by another
moderator, who explains why."""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.accounts.models import Role, User
from casework.accounts.services import reinstate_account
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.safety.models import ActionKind, Appeal, ModerationAction, Report
from casework.vault.services import create_data_key

ALREADY_APPEALED = gettext_lazy(
    "You have already appealed this decision, and the decision on an appeal is final. "
    "Nothing was changed."
)


def file_appeal(
    *, action: ModerationAction, appellant: User, grounds: str, now: datetime | None = None
) -> Appeal:
    now = now or timezone.now()
    if action.affected_id != appellant.pk or action.kind == ActionKind.DISMISS:
        raise ValueError("only the person a decision affects appeals it")
    if not grounds.strip():
        raise ValidationError(_("Say why the decision should change."), code="grounds")
    if Appeal.objects.filter(action=action).exists():
        raise ValidationError(str(ALREADY_APPEALED), code="already_appealed")
    appeal_id = uuid.uuid4()
    try:
        with transaction.atomic():
            appeal = Appeal(
                id=appeal_id,
                action=action,
                appellant=appellant,
                first_moderator_id=action.moderator_id,
                data_key=create_data_key(owner=f"appeal:{appeal_id}"),
                grounds=grounds.strip(),
                created_at=now,
            )
            appeal.save(force_insert=True)
            record_event(
                action=actions.SAFETY_APPEAL_FILED,
                actor=appellant,
                target=appeal,
                subject_id=appellant.pk,
                detail={"decision": str(action.pk), "kind": action.kind},
            )
            emit(events.AppealFiled(appeal_id=str(appeal.pk), action_id=str(action.pk)))
    except IntegrityError:  # the same appeal sent twice at once: the first one counts
        raise ValidationError(str(ALREADY_APPEALED), code="already_appealed") from None
    return appeal


def decide_appeal(
    *,
    appeal: Appeal,
    moderator: User,
    overturn: bool,
    explanation: str,
    now: datetime | None = None,
) -> Appeal:
    now = now or timezone.now()
    if moderator.role != Role.MODERATOR:
        raise ValueError("only moderators decide appeals")
    if not explanation.strip():
        raise ValidationError(_("Explain your decision."), code="explanation")
    with transaction.atomic():
        locked = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("action__affected", "data_key")
            .get(pk=appeal.pk)
        )
        if locked.first_moderator_id == moderator.pk:
            raise ValidationError(
                _("You made the decision appealed: another moderator decides the appeal."),
                code="same_moderator",
            )
        if locked.action.affected_id == moderator.pk:
            raise ValidationError(
                _("This appeal is yours: another moderator decides it."), code="about_self"
            )
        if locked.outcome != Appeal.Outcome.PENDING:
            raise ValidationError(
                _("This appeal is already decided, and that decision is final."), code="decided"
            )
        locked.outcome = Appeal.Outcome.OVERTURNED if overturn else Appeal.Outcome.UPHELD
        locked.decided_by = moderator
        locked.decided_at = now
        locked.explanation = explanation.strip()
        locked.save(update_fields=["outcome", "decided_by", "decided_at", "explanation"])
        action = locked.action
        if overturn:
            ModerationAction.objects.filter(pk=action.pk).update(in_force=False)
            if action.report_id is not None:
                _withdrawn_from_report(action, action.report_id)
            if action.kind == ActionKind.SUSPEND and action.affected is not None:
                reinstate_account(person=action.affected, actor=moderator, why="appeal")
            if action.kind == ActionKind.HIDE and action.comment_id is not None:
                still_hidden = (
                    ModerationAction.objects.filter(
                        comment_id=action.comment_id, kind=ActionKind.HIDE, in_force=True
                    )
                    .exclude(pk=action.pk)
                    .exists()
                )
                emit(
                    events.ContentRestored(
                        action_id=str(action.pk),
                        comment_id=action.comment_id,
                        moderator_id=moderator.pk,
                        still_hidden=still_hidden,
                    )
                )
        record_event(
            action=actions.SAFETY_APPEAL_DECIDED,
            actor=moderator,
            target=locked,
            subject_id=locked.appellant_id,
            detail={"overturned": overturn, "decision": str(action.pk)},
        )
        emit(
            events.AppealDecided(
                appeal_id=str(locked.pk), appellant_id=locked.appellant_id, overturned=overturn
            )
        )
    return locked


def _withdrawn_from_report(action: ModerationAction, report_id: uuid.UUID) -> None:
    """The reporter was told we acted: once nothing decided on their report stays in force,
    their report says the action was withdrawn on appeal (never what it was), and they are
    told it was reviewed again."""
    still_in_force = (
        ModerationAction.objects.filter(report_id=report_id, in_force=True)
        .exclude(kind=ActionKind.DISMISS)
        .exclude(pk=action.pk)
        .exists()
    )
    if still_in_force:
        return
    reversed_ = Report.objects.filter(pk=report_id, outcome=Report.Outcome.ACTION_TAKEN).update(
        outcome=Report.Outcome.REVERSED
    )
    if reversed_:
        reporter_id = Report.objects.values_list("reporter_id", flat=True).get(pk=report_id)
        emit(events.ReportDecided(report_id=str(report_id), reporter_id=reporter_id))
