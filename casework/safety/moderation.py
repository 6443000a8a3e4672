"""Moderators' decisions on reports and detections: one service, audited, with a statement of
reasons for the person affected and an outcome for the reporter."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.accounts.services import suspend_account
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import RegistrationClaim
from casework.safety import rules
from casework.safety.models import (
    ActionKind,
    Detection,
    ModerationAction,
    RegulatorReferral,
    Report,
)
from casework.vault.services import create_data_key


@dataclass(frozen=True)
class Item:
    """What a moderator decides on: a report or a detection, locked for the decision."""

    report: Report | None = None
    detection: Detection | None = None

    @property
    def affected(self) -> User | None:
        """The person concerned; None for an anonymous comment (only it can be hidden)."""
        if self.report is not None:
            return self.report.reported
        assert self.detection is not None  # noqa: S101  (an item is one or the other)
        return self.detection.author

    @property
    def message_id(self) -> uuid.UUID | None:
        if self.report is not None:
            return self.report.message_id
        assert self.detection is not None  # noqa: S101
        return self.detection.message_id

    @property
    def comment_id(self) -> int | None:
        return self.report.comment_id if self.report is not None else None


def _refuse(message: str, code: str) -> None:
    raise ValidationError(message, code=code)


def _lock(report: Report | None, detection: Detection | None) -> Item:
    if (report is None) == (detection is None):
        raise ValueError("decide on a report or a detection")
    if report is not None:
        locked = (
            Report.objects.select_for_update(of=("self",))
            .select_related("reported")
            .get(pk=report.pk)
        )
        if locked.status != Report.Status.OPEN:
            _refuse(_("This report is already decided. Nothing was changed."), "closed")
        return Item(report=locked)
    assert detection is not None  # noqa: S101
    flagged = (
        Detection.objects.select_for_update(of=("self",))
        .select_related("author")
        .get(pk=detection.pk)
    )
    if ModerationAction.objects.filter(detection=flagged).exists():
        _refuse(_("This detection is already decided. Nothing was changed."), "closed")
    return Item(detection=flagged)


def verified_claims(person: User) -> list[RegistrationClaim]:
    return list(
        RegistrationClaim.objects.filter(
            practitioner=person, state=RegistrationClaim.State.VERIFIED
        ).select_related("regulator")
    )


def take_action(
    *,
    moderator: User,
    kind: str,
    reason: str,
    rule: str = "",
    report: Report | None = None,
    detection: Detection | None = None,
    refer: bool = False,
    now: datetime | None = None,
) -> list[ModerationAction]:
    """Decide ``report`` or ``detection``: dismiss it, or act on the person it concerns (warn,
    restrict, suspend, hide the message, refer to their regulator; ``refer`` adds a referral
    to another action). The item closes; every action but a dismissal gets a statement of
    reasons; a report's reporter is told the outcome, never the sanction."""
    now = now or timezone.now()
    if moderator.role != Role.MODERATOR:
        raise ValueError("only moderators decide")
    if kind not in ActionKind.values:
        _refuse(_("Choose a decision."), "kind")
    if kind != ActionKind.DISMISS and rules.rule(rule) is None:
        _refuse(_("Name the rule this breaks."), "rule")
    if not reason.strip():
        _refuse(_("Say why, in plain words."), "reason")
    with transaction.atomic():
        item = _lock(report, detection)
        affected = item.affected
        if item.report is not None and item.report.reporter_id == moderator.pk:
            _refuse(_("You made this report yourself: another moderator decides it."), "own_report")
        if affected is not None and affected.pk == moderator.pk:
            _refuse(_("This is about you: another moderator decides it."), "about_self")
        if affected is None and kind not in (ActionKind.DISMISS, ActionKind.HIDE):
            _refuse(
                _(
                    "This comment was posted anonymously: there is nobody to warn, restrict, "
                    "suspend or refer. Hide the comment, or dismiss the report."
                ),
                "anonymous",
            )
        kinds = [kind]
        if refer and kind not in (ActionKind.DISMISS, ActionKind.REFER):
            kinds.append(ActionKind.REFER)
        claims = verified_claims(affected) if affected and ActionKind.REFER in kinds else []
        if ActionKind.REFER in kinds and not claims:
            _refuse(
                _("This person holds no verified registration, so no regulator to refer to."),
                "no_regulator",
            )
        if kind == ActionKind.HIDE and item.message_id is None and item.comment_id is None:
            _refuse(_("There is no message or comment here to hide."), "no_message")
        taken = [
            _record(moderator, item, chosen, rule, reason.strip(), claims, now) for chosen in kinds
        ]
        if kind == ActionKind.HIDE and item.comment_id is not None:
            # The community owns what a hidden comment looks like (a tombstone): it reacts.
            emit(
                events.ContentHidden(
                    action_id=str(taken[0].pk),
                    comment_id=item.comment_id,
                    moderator_id=moderator.pk,
                )
            )
        if kind == ActionKind.SUSPEND and affected is not None and affected.is_active:
            suspend_account(person=affected, actor=moderator, why="moderation")
        if item.report is not None:
            _close(item.report, dismissed=kind == ActionKind.DISMISS, now=now)
    return taken


def _record(
    moderator: User,
    item: Item,
    kind: str,
    rule: str,
    reason: str,
    claims: list[RegistrationClaim],
    now: datetime,
) -> ModerationAction:
    action_id = uuid.uuid4()
    action = ModerationAction(
        id=action_id,
        kind=kind,
        moderator=moderator,
        affected=None if kind == ActionKind.DISMISS else item.affected,
        report=item.report,
        detection=item.detection,
        message_id=item.message_id if kind == ActionKind.HIDE else None,
        comment_id=item.comment_id if kind == ActionKind.HIDE else None,
        rule=rule if kind != ActionKind.DISMISS else "",
        data_key=create_data_key(owner=f"moderation-action:{action_id}"),
        reason=reason,
        created_at=now,
    )
    action.save(force_insert=True)
    if kind == ActionKind.REFER:
        referrals = RegulatorReferral.objects.bulk_create(
            RegulatorReferral(
                action=action,
                practitioner=item.affected,
                regulator=claim.regulator,
                claim=claim,
                created_at=now,
            )
            for claim in {claim.regulator_id: claim for claim in claims}.values()
        )
        for referral in referrals:
            emit(
                events.RegulatorReferred(
                    referral_id=str(referral.pk), regulator_id=referral.regulator_id
                )
            )
    record_event(
        action=actions.SAFETY_MODERATION_ACTION,
        actor=moderator,
        target=action,
        subject_id=item.affected.pk if item.affected else None,
        detail={
            "kind": kind,
            "rule": action.rule,
            "report": str(item.report.pk) if item.report else None,
            "detection": str(item.detection.pk) if item.detection else None,
        },
    )
    if kind != ActionKind.DISMISS and item.affected is not None:
        emit(
            events.ModerationDecided(
                action_id=str(action.pk), affected_id=item.affected.pk, kind=kind
            )
        )
    return action


def _close(report: Report, *, dismissed: bool, now: datetime) -> None:
    report.status = Report.Status.CLOSED
    report.outcome = Report.Outcome.NO_ACTION if dismissed else Report.Outcome.ACTION_TAKEN
    report.closed_at = now
    report.save(update_fields=["status", "outcome", "closed_at"])
    emit(events.ReportDecided(report_id=str(report.pk), reporter_id=report.reporter_id))
