"""Referrals and transfers: proposed by the practitioner, decided by the client, taken on (or
not) by the other practitioner. Nothing reaches the other practitioner before the client
agrees, only the items the client chose, and the client can withdraw it at any time.

The other practitioner must be verified (in good standing on the registers) when it is proposed
and when it is taken on. A transfer hands over the case carrying only what the client agreed to:
the emergency contact, crisis plan and location the client did not tick stay behind (the new
practitioner records them again with the client); without the client's scores the new
practitioner sees only the check-ins that come after (the plans end; they assign their own); and
the case's supervision ends (the new practitioner chooses again). A referral taken on shares the
source case's items only while that case is open; when it closes the referral lapses, until the
client renews it."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.care.consent import live_consent
from casework.care.models import (
    LIVE_REFERRAL_STATUSES,
    OPEN_STATUSES,
    VISIBLE_TO_RECIPIENT,
    Case,
    CaseSource,
    CheckIn,
    CheckInPlan,
    CheckInStatus,
    PlanStatus,
    Referral,
    ReferralKind,
    ReferralStatus,
    SharedItem,
    SupervisionEnd,
    Technology,
    UrgentFlag,
)
from casework.care.services.cases import close_case_conversation, open_case
from casework.care.services.need import refresh_need
from casework.care.services.supervision import end_supervisions
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.messaging.services import open_case_conversation
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.standing import in_good_standing

SUMMARY_LIMIT = 8000


def _clean_items(items: Iterable[str], allowed: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(items))
    allowed_set = set(allowed)
    if any(item not in allowed_set for item in chosen):
        raise ValidationError(_("One of the items cannot be shared."), code="items")
    return [item for item in SharedItem.values if item in chosen]


# Refusals that depend on who the recipient is: the refer page answers them as it answers an
# address that names nobody, so that it never tells whether an address is a practitioner's.
RECIPIENT_REFUSALS = frozenset({"recipient", "has_case", "exists"})


def check_referral(
    *, case: Case, practitioner: User, kind: str, items: Iterable[str], summary: str
) -> tuple[str, list[str]]:
    """What a proposal must be, whoever it goes to: the letter and the items, cleaned."""
    if practitioner.pk != case.practitioner_id:
        raise ValidationError(_("Only the case's practitioner refers a client."))
    if not case.is_open:
        raise ValidationError(_("This case is closed."), code="case_closed")
    if kind not in ReferralKind.values:
        raise ValidationError(_("Choose a referral or a transfer."), code="kind")
    text = (summary or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(
            _("Write the referral letter: why, and what you ask of your colleague."),
            code="summary",
        )
    if len(text) > SUMMARY_LIMIT:
        raise ValidationError(
            _("The letter can be at most %(limit)d characters long.") % {"limit": SUMMARY_LIMIT},
            code="too_long",
        )
    return text, _clean_items([SharedItem.SUMMARY, *items], SharedItem.values)


def propose_referral(
    *,
    case: Case,
    practitioner: User,
    to_practitioner: User,
    kind: str,
    items: Iterable[str],
    summary: str,
) -> Referral:
    text, proposed = check_referral(
        case=case, practitioner=practitioner, kind=kind, items=items, summary=summary
    )
    if (
        to_practitioner.role != Role.PRACTITIONER
        or not to_practitioner.is_active
        or to_practitioner.pk == practitioner.pk
        or not in_good_standing(to_practitioner)
    ):
        raise ValidationError(
            _("Refer to another verified practitioner on Casework."), code="recipient"
        )
    if kind == ReferralKind.TRANSFER:
        _refuse_while_a_flag_is_open(case)
    if (
        kind == ReferralKind.TRANSFER
        and Case.objects.filter(
            practitioner=to_practitioner, client_id=case.client_id, status__in=OPEN_STATUSES
        ).exists()
    ):
        raise ValidationError(
            _("That practitioner already has an open case with this client."), code="has_case"
        )
    with transaction.atomic():
        if Referral.objects.filter(
            case=case,
            to_practitioner=to_practitioner,
            status__in=[ReferralStatus.PROPOSED, ReferralStatus.SHARED],
        ).exists():
            raise ValidationError(
                _("A referral to this practitioner is already waiting."), code="exists"
            )
        referral = Referral(
            case=case,
            kind=kind,
            from_practitioner=practitioner,
            to_practitioner=to_practitioner,
            proposed_items=proposed,
            summary=text,
            created_at=timezone.now(),
        )
        referral.save(force_insert=True)
        record_event(
            action=actions.CARE_REFERRAL_PROPOSED,
            actor=practitioner,
            target=referral,
            subject_id=case.client_id,
            detail={"kind": kind, "to": to_practitioner.pk, "items": proposed},
        )
        emit(events.ReferralProposed(referral_id=str(referral.pk), client_id=case.client_id))
    return referral


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case__client", "case__data_key", "from_practitioner", "to_practitioner")
        .get(pk=referral.pk)
    )


def answer_referral(
    *, referral: Referral, client: User, agree: bool, items: Iterable[str] = ()
) -> Referral:
    """The client agrees (sharing the items they choose among those proposed) or declines."""
    with transaction.atomic():
        referral = _locked(referral)
        if client.pk != referral.case.client_id:
            raise ValidationError(_("Only the client decides about a referral."))
        if referral.status != ReferralStatus.PROPOSED:
            raise ValidationError(_("This referral has already been decided."), code="decided")
        if agree:
            shared = _clean_items(items, referral.proposed_items)
            if not shared:
                raise ValidationError(
                    _("Choose at least one thing to share, or decline the referral."),
                    code="nothing_shared",
                )
            referral.shared_items = shared
            referral.status = ReferralStatus.SHARED
        else:
            referral.status = ReferralStatus.DECLINED
        referral.decided_at = timezone.now()
        referral.save(update_fields=["shared_items", "status", "decided_at"])
        record_event(
            action=actions.CARE_REFERRAL_AGREED if agree else actions.CARE_REFERRAL_DECLINED,
            actor=client,
            target=referral,
            subject_id=client.pk,
            detail={"items": referral.shared_items},
        )
        emit(
            events.ReferralAnswered(
                referral_id=str(referral.pk), told_ids=(referral.from_practitioner_id,)
            )
        )
        if agree:
            emit(
                events.ReferralShared(
                    referral_id=str(referral.pk), to_practitioner_id=referral.to_practitioner_id
                )
            )
    return referral


def withdraw_referral(*, referral: Referral, person: User) -> Referral:
    """The client or the referring practitioner withdraws it; the recipient loses sight of it
    at once. A completed transfer cannot be withdrawn (the case has moved)."""
    with transaction.atomic():
        referral = _locked(referral)
        if person.pk not in (referral.case.client_id, referral.from_practitioner_id):
            raise ValidationError(_("Only the client or the referrer withdraws a referral."))
        if referral.kind == ReferralKind.TRANSFER and referral.status == ReferralStatus.ACCEPTED:
            raise ValidationError(
                _("This transfer is complete: the case has been handed over."), code="done"
            )
        # A lapsed referral shares nothing; withdrawing it only takes away the offer to renew.
        if referral.status not in (*LIVE_REFERRAL_STATUSES, ReferralStatus.LAPSED):
            raise ValidationError(_("This referral is no longer live."), code="not_live")
        was_visible = referral.status in VISIBLE_TO_RECIPIENT and (
            referral.case.is_open or referral.renewed_at is not None
        )
        referral.status = ReferralStatus.WITHDRAWN
        referral.withdrawn_at = timezone.now()
        referral.withdrawn_by = person
        referral.save(update_fields=["status", "withdrawn_at", "withdrawn_by"])
        record_event(
            action=actions.CARE_REFERRAL_WITHDRAWN,
            actor=person,
            target=referral,
            subject_id=referral.case.client_id,
        )
        other = (
            referral.from_practitioner_id
            if person.pk == referral.case.client_id
            else referral.case.client_id
        )
        told = (referral.to_practitioner_id, other) if was_visible else (other,)
        emit(events.ReferralWithdrawn(referral_id=str(referral.pk), told_ids=told))
    return referral


def renew_referral(*, referral: Referral, client: User) -> Referral:
    """The client shares a lapsed referral again, after its case closed: the recipient reads
    the same items as before, until the client withdraws it."""
    with transaction.atomic():
        referral = _locked(referral)
        if client.pk != referral.case.client_id:
            raise ValidationError(_("Only the client renews a referral."))
        if referral.status != ReferralStatus.LAPSED:
            raise ValidationError(_("Only a referral that ended with its case is renewed."))
        referral.status = ReferralStatus.ACCEPTED
        referral.renewed_at = timezone.now()
        referral.save(update_fields=["status", "renewed_at"])
        record_event(
            action=actions.CARE_REFERRAL_RENEWED,
            actor=client,
            target=referral,
            subject_id=client.pk,
            detail={"items": referral.shared_items},
        )
        emit(
            events.ReferralRenewed(
                referral_id=str(referral.pk), to_practitioner_id=referral.to_practitioner_id
            )
        )
    return referral


def decline_referral(*, referral: Referral, recipient: User) -> Referral:
    with transaction.atomic():
        referral = _locked(referral)
        if recipient.pk != referral.to_practitioner_id:
            raise ValidationError(_("Only the practitioner it was sent to answers it."))
        if referral.status != ReferralStatus.SHARED:
            raise ValidationError(_("This referral is not waiting for you."), code="not_waiting")
        referral.status = ReferralStatus.REFUSED
        referral.completed_at = timezone.now()
        referral.save(update_fields=["status", "completed_at"])
        record_event(
            action=actions.CARE_REFERRAL_REFUSED,
            actor=recipient,
            target=referral,
            subject_id=referral.case.client_id,
        )
        emit(
            events.ReferralAnswered(
                referral_id=str(referral.pk),
                told_ids=(referral.from_practitioner_id, referral.case.client_id),
            )
        )
    return referral


def accept_referral(*, referral: Referral, recipient: User) -> Case:
    """Take the client on. A referral opens the recipient's own case with the client; a
    transfer hands this case over (its consents go with it, and its plans, check-ins and flags
    only when the client shares their scores; the notes stay with their authors)."""
    with transaction.atomic():
        referral = _locked(referral)
        if recipient.pk != referral.to_practitioner_id:
            raise ValidationError(_("Only the practitioner it was sent to takes it on."))
        if referral.status != ReferralStatus.SHARED:
            raise ValidationError(_("This referral is not waiting for you."), code="not_waiting")
        if not in_good_standing(recipient):
            raise ValidationError(
                _("Only a practitioner with a verified registration in good standing takes it on."),
                code="not_verified",
            )
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("client")
            .get(pk=referral.case_id)
        )
        if not case.is_open:
            raise ValidationError(_("This case is closed."), code="case_closed")
        now = timezone.now()
        if referral.kind == ReferralKind.REFERRAL:
            location = case.client_location if referral.shares(SharedItem.LOCATION) else None
            result = open_case(
                practitioner=recipient,
                client=case.client,
                source=CaseSource.REFERRAL,
                actor=recipient,
                client_location=location,
            )
        else:
            result = _hand_over(case, referral, recipient)
        referral.status = ReferralStatus.ACCEPTED
        referral.completed_at = now
        referral.save(update_fields=["status", "completed_at"])
        record_event(
            action=actions.CARE_REFERRAL_ACCEPTED,
            actor=recipient,
            target=referral,
            subject_id=case.client_id,
            detail={"kind": referral.kind, "case": str(result.pk)},
        )
        told = (referral.from_practitioner_id, case.client_id)
        if referral.kind == ReferralKind.TRANSFER:
            emit(
                events.CaseTransferred(
                    referral_id=str(referral.pk),
                    told_ids=told,
                    caseload_ids=(referral.from_practitioner_id, recipient.pk),
                )
            )
        else:
            emit(events.ReferralAnswered(referral_id=str(referral.pk), told_ids=told))
    return result


def _refuse_while_a_flag_is_open(case: Case) -> None:
    """A case moves only once its urgent flags are seen to: the new practitioner may not see
    check-ins from before the handover (the client's consent decides), so a flag nobody has
    acknowledged would otherwise be lost between the two."""
    if UrgentFlag.objects.filter(case=case, acknowledged_at__isnull=True).exists():
        raise ValidationError(
            _(
                "An urgent flag on this case has not been acknowledged yet. Its practitioner "
                "sees to it first; then the case can move."
            ),
            code="open_flag",
        )


def _hand_over(case: Case, referral: Referral, recipient: User) -> Case:
    now = timezone.now()
    if case.practitioner_id != referral.from_practitioner_id:
        raise ValidationError(_("This case has already moved."), code="moved")
    if Case.objects.filter(
        practitioner=recipient, client_id=case.client_id, status__in=OPEN_STATUSES
    ).exists():
        raise ValidationError(_("You already have an open case with this client."), code="has_case")
    _refuse_while_a_flag_is_open(case)
    previous = referral.from_practitioner
    close_case_conversation(case, recipient)
    end_supervisions(case, actor=recipient, reason=SupervisionEnd.TRANSFERRED, now=now)
    case.practitioner = recipient
    # Only what the client agreed to goes with the case.
    withheld = [item for item in SharedItem.values if not referral.shares(item)]
    if SharedItem.EMERGENCY in withheld:
        case.emergency_contact = None
        case.crisis_plan = None
    if SharedItem.LOCATION in withheld:
        case.client_location = None
    plans_ended = 0
    if SharedItem.SCORES in withheld:
        # The new practitioner sees the check-ins from now on; the plans they did not choose
        # end (they assign their own), and a check-in still open is called off.
        case.check_ins_visible_from = now
        plans_ended = _end_plans(case, now)
    case.save(
        update_fields=[
            "practitioner",
            "emergency_contact",
            "crisis_plan",
            "client_location",
            "check_ins_visible_from",
            "updated_at",
        ]
    )
    Referral.objects.filter(
        case=case, kind=ReferralKind.TRANSFER, status__in=LIVE_REFERRAL_STATUSES
    ).exclude(pk=referral.pk).update(
        status=ReferralStatus.WITHDRAWN, withdrawn_at=now, withdrawn_by=previous
    )
    if live_consent(case, Technology.MESSAGING) is not None:
        open_case_conversation(
            client=case.client,
            practitioner=recipient,
            actor=recipient,
            client_jurisdiction=case.client_location,
        )
    record_event(
        action=actions.CARE_CASE_TRANSFERRED,
        actor=recipient,
        target=case,
        subject_id=case.client_id,
        detail={
            "from": previous.pk,
            "to": recipient.pk,
            "withheld": withheld,
            "plans_ended": plans_ended,
        },
    )
    # Ranked in the new practitioner's caseload, from what they see of it.
    refresh_need([case.pk], now=now)
    return case


def _end_plans(case: Case, now: datetime) -> int:
    live = CheckInPlan.objects.filter(case=case).exclude(status=PlanStatus.ENDED)
    CheckIn.objects.filter(plan__in=live, status=CheckInStatus.OPEN).update(
        status=CheckInStatus.CANCELLED
    )
    return live.update(status=PlanStatus.ENDED, ended_at=now)
