"""Opening a case, changing its status, its details and online suitability."""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.care.consent import live_consent
from casework.care.models import (
    LIVE_REFERRAL_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseSource,
    CaseStatus,
    CaseStatusChange,
    CheckIn,
    CheckInPlan,
    CheckInStatus,
    OnlineSuitability,
    PlanStatus,
    Referral,
    ReferralKind,
    ReferralStatus,
    SupervisionEnd,
    Technology,
)
from casework.care.services.need import refresh_need
from casework.care.services.supervision import end_supervisions
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.messaging.models import Conversation
from casework.messaging.services import close_conversation, open_case_conversation
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import Jurisdiction
from casework.safety.blocks import is_blocked_between
from casework.vault.services import create_data_key

# Status changes a practitioner may make. Closed is final: working together again opens a new
# case, with its own consent.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.ENQUIRY: frozenset({CaseStatus.ACTIVE, CaseStatus.CLOSED}),
    CaseStatus.ACTIVE: frozenset({CaseStatus.PAUSED, CaseStatus.CLOSED}),
    CaseStatus.PAUSED: frozenset({CaseStatus.ACTIVE, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}
REASON_LIMIT = 2000
DETAIL_LIMIT = 4000


def _clean_text(value: str, *, limit: int, label: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ValidationError(
            _("%(label)s can be at most %(limit)d characters long.")
            % {"label": label, "limit": limit},
            code="too_long",
        )
    return text


def _keep_in_step(caller: Case, saved: Case, *fields: str) -> None:
    """The caller's instance shows what was saved (services work on a locked copy)."""
    if caller is not saved:
        for name in fields:
            setattr(caller, name, getattr(saved, name))


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("data_key", "client")
        .get(pk=case.pk)
    )


def open_case(
    *,
    practitioner: User,
    client: User,
    source: str,
    actor: User | None = None,
    client_location: Jurisdiction | None = None,
) -> Case:
    """The open case of this pair, made now if there is none.

    Called when a practitioner takes on an enquiry (``source="enquiry"``: the case starts as an
    enquiry), when a first booking is confirmed (``"booking"``: active; an enquiry case becomes
    active), and when a referral is taken on (``"referral"``). Safe to call twice.
    """
    if client.role != Role.CLIENT or practitioner.role != Role.PRACTITIONER:
        raise ValidationError(_("A case joins a client and a practitioner."), code="roles")
    if source not in CaseSource.values:
        raise ValidationError(_("Unknown source of a case."), code="source")
    # A booking cannot exist between people who blocked each other (scheduling refuses it);
    # an enquiry taken on or a referral accepted is checked here.
    if source != CaseSource.BOOKING and is_blocked_between(practitioner, client):
        raise _blocked()
    try:
        with transaction.atomic():
            return _open_case(practitioner, client, source, actor, client_location)
    except IntegrityError:
        # Opened by a concurrent call (the second booking confirmation, say): use it.
        return Case.objects.get(practitioner=practitioner, client=client, status__in=OPEN_STATUSES)


def _blocked() -> ValidationError:
    return ValidationError(
        _("Contact between you and this client is blocked, so no case can be opened."),
        code="blocked",
    )


def take_on_enquiry(*, practitioner: User, conversation: Conversation) -> Case:
    """Open a case (as an enquiry) from an enquiry conversation its practitioner takes on.

    Refused, with nothing stored and nobody told, when the conversation is not this
    practitioner's enquiry with a client, when it is closed (the client may have closed it), or
    when either of the two blocked the other.
    """
    with transaction.atomic():
        locked = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("client", "client_jurisdiction")
            .get(pk=conversation.pk)
        )
        client = locked.client
        if (
            locked.kind not in (Conversation.Kind.ENQUIRY, Conversation.Kind.CASE)
            or locked.practitioner_id != practitioner.pk
            or client is None
        ):
            raise ValidationError(
                _("Only the practitioner an enquiry was sent to takes it on."), code="not_yours"
            )
        if not locked.is_open:
            raise ValidationError(
                _("This enquiry is closed, so it cannot become a case."), code="enquiry_closed"
            )
        if is_blocked_between(practitioner, client):
            raise _blocked()
        return open_case(
            practitioner=practitioner,
            client=client,
            source=CaseSource.ENQUIRY,
            actor=practitioner,
            client_location=locked.client_jurisdiction,
        )


def _open_case(
    practitioner: User,
    client: User,
    source: str,
    actor: User | None,
    client_location: Jurisdiction | None,
) -> Case:
    now = timezone.now()
    existing = (
        Case.objects.select_for_update()
        .filter(practitioner=practitioner, client=client, status__in=OPEN_STATUSES)
        .first()
    )
    if existing is not None:
        if existing.status == CaseStatus.ENQUIRY and source == CaseSource.BOOKING:
            _set_status(existing, CaseStatus.ACTIVE, actor, "", now)
        if client_location is not None and existing.client_location_id is None:
            existing.client_location = client_location
            existing.save(update_fields=["client_location", "updated_at"])
        return existing
    case_id = uuid.uuid4()
    status = CaseStatus.ENQUIRY if source == CaseSource.ENQUIRY else CaseStatus.ACTIVE
    case = Case(
        id=case_id,
        practitioner=practitioner,
        client=client,
        status=status,
        source=source,
        data_key=create_data_key(owner=f"case:{case_id}"),
        client_location=client_location,
        opened_at=now,
    )
    case.save(force_insert=True)
    refresh_need([case.pk], now=now)
    CaseStatusChange.objects.create(
        case=case, from_status="", to_status=status, changed_by=actor, changed_at=now
    )
    record_event(
        action=actions.CARE_CASE_OPENED,
        actor=actor,
        target=case,
        subject_id=client.pk,
        detail={"source": source, "practitioner": practitioner.pk},
    )
    if source != CaseSource.BOOKING:
        # A client who just booked is on the site and sees their care page there; one who
        # wrote an enquiry or was referred may not be, and is asked for consent by email.
        emit(
            events.CaseOpened(
                case_id=str(case.pk), client_id=client.pk, practitioner_id=practitioner.pk
            )
        )
    return case


def _set_status(case: Case, to_status: str, actor: User | None, reason: str, now: datetime) -> None:
    from_status = case.status
    case.status = to_status
    case.closed_at = now if to_status == CaseStatus.CLOSED else None
    case.save(update_fields=["status", "closed_at", "updated_at"])
    CaseStatusChange.objects.create(
        case=case,
        from_status=from_status,
        to_status=to_status,
        changed_by=actor,
        changed_at=now,
        reason=reason or None,
    )
    record_event(
        action=actions.CARE_CASE_STATUS_CHANGED,
        actor=actor,
        target=case,
        subject_id=case.client_id,
        detail={"from": from_status, "to": to_status},
    )


def stop_check_ins(case: Case, *, end: bool, now: datetime) -> None:
    """Pause (or end) the case's live plans and cancel their check-ins not yet answered."""
    live = CheckInPlan.objects.filter(case=case).exclude(status=PlanStatus.ENDED)
    if end:
        live.update(status=PlanStatus.ENDED, ended_at=now)
    else:
        live.filter(status=PlanStatus.ACTIVE).update(status=PlanStatus.PAUSED)
    CheckIn.objects.filter(case=case, status=CheckInStatus.OPEN).update(
        status=CheckInStatus.CANCELLED
    )
    refresh_need([case.pk], now=now)


def change_case_status(*, case: Case, actor: User, to_status: str, reason: str = "") -> Case:
    """Move a case along enquiry → active ⇄ paused → closed, keeping the history.

    Pausing stops check-ins; closing also ends plans, withdraws referrals not yet completed and
    closes the case conversation. Resuming does not restart check-ins by itself: the
    practitioner resumes each plan, which asks for the client's consent again.
    """
    reason = _clean_text(reason, limit=REASON_LIMIT, label=_("The reason"))
    caller = case
    with transaction.atomic():
        case = _locked(case)
        if actor.pk != case.practitioner_id:
            raise ValidationError(_("Only the case's practitioner changes its status."))
        if to_status not in TRANSITIONS.get(case.status, frozenset()):
            raise ValidationError(
                _("A case that is %(from)s cannot become %(to)s.")
                % {
                    "from": CaseStatus(case.status).label.lower(),
                    "to": CaseStatus(to_status).label.lower()
                    if to_status in CaseStatus.values
                    else to_status,
                },
                code="transition",
            )
        now = timezone.now()
        if to_status == CaseStatus.CLOSED:
            stop_check_ins(case, end=True, now=now)
            Referral.objects.filter(case=case, status__in=LIVE_REFERRAL_STATUSES).exclude(
                status=ReferralStatus.ACCEPTED
            ).update(status=ReferralStatus.WITHDRAWN, withdrawn_at=now, withdrawn_by=actor)
            lapse_referrals(case, actor, now)
            end_supervisions(case, actor=actor, reason=SupervisionEnd.CASE_CLOSED, now=now)
            close_case_conversation(case, actor)
        elif to_status == CaseStatus.PAUSED:
            stop_check_ins(case, end=False, now=now)
        _set_status(case, to_status, actor, reason, now)
        emit(events.CaseChanged(case_id=str(case.pk), practitioner_id=case.practitioner_id))
    _keep_in_step(caller, case, "status", "closed_at")
    return case


def lapse_referrals(case: Case, actor: User, now: datetime) -> None:
    """A referral taken on stops sharing when its case closes: what the client agreed to share
    was this case's (its live emergency details, its scores). The client may renew it."""
    lapsing = list(
        Referral.objects.select_for_update(of=("self",)).filter(
            case=case,
            kind=ReferralKind.REFERRAL,
            status=ReferralStatus.ACCEPTED,
            renewed_at__isnull=True,
        )
    )
    for referral in lapsing:
        referral.status, referral.lapsed_at = ReferralStatus.LAPSED, now
        referral.save(update_fields=["status", "lapsed_at"])
        record_event(
            action=actions.CARE_REFERRAL_LAPSED,
            actor=actor,
            target=referral,
            subject_id=case.client_id,
            detail={"case": str(case.pk)},
        )
        emit(
            events.ReferralLapsed(
                referral_id=str(referral.pk),
                client_id=case.client_id,
                to_practitioner_id=referral.to_practitioner_id,
            )
        )


def close_case_conversation(case: Case, actor: User) -> None:
    conversation = Conversation.objects.filter(
        kind=Conversation.Kind.CASE,
        state=Conversation.State.OPEN,
        client_id=case.client_id,
        practitioner_id=case.practitioner_id,
    ).first()
    if conversation is not None:
        close_conversation(conversation=conversation, actor=actor, closing_case=True)


def update_case_details(
    *,
    case: Case,
    actor: User,
    client_location: Jurisdiction | None,
    emergency_contact: str,
    crisis_plan: str,
) -> Case:
    """The client's location, emergency contact and crisis plan, kept sealed."""
    emergency_contact = _clean_text(
        emergency_contact, limit=DETAIL_LIMIT, label=_("The emergency contact")
    )
    crisis_plan = _clean_text(crisis_plan, limit=DETAIL_LIMIT, label=_("The crisis plan"))
    caller = case
    with transaction.atomic():
        case = _locked(case)
        if actor.pk != case.practitioner_id:
            raise ValidationError(_("Only the case's practitioner changes its details."))
        if not case.is_open:
            raise ValidationError(_("This case is closed."), code="case_closed")
        case.client_location = client_location
        case.emergency_contact = emergency_contact or None
        case.crisis_plan = crisis_plan or None
        # Named fields: a full save would write back the stored need as it was read.
        case.save(
            update_fields=["client_location", "emergency_contact", "crisis_plan", "updated_at"]
        )
        record_event(
            action=actions.CARE_CASE_DETAILS_CHANGED,
            actor=actor,
            target=case,
            subject_id=case.client_id,
            detail={"location": client_location.code if client_location else None},
        )
    _keep_in_step(caller, case, "client_location", "emergency_contact", "crisis_plan")
    return case


def record_online_suitability(
    *, case: Case, actor: User, suitable: bool, alternative: str = ""
) -> Case:
    """Whether online work suits this client. When it does not, the alternative offered is
    required, and online services stop: check-ins pause and the case conversation closes
    (consent alone no longer lets them run). When it does, secure messages the client already
    consented to start."""
    alternative = _clean_text(alternative, limit=REASON_LIMIT, label=_("The alternative"))
    if not suitable and not alternative:
        raise ValidationError(
            _("Say which alternative you offered the client (in person, a local service...)."),
            code="alternative_required",
        )
    caller = case
    with transaction.atomic():
        case = _locked(case)
        if actor.pk != case.practitioner_id:
            raise ValidationError(_("Only the case's practitioner records this."))
        if not case.is_open:
            raise ValidationError(_("This case is closed."), code="case_closed")
        now = timezone.now()
        case.online_suitability = (
            OnlineSuitability.SUITABLE if suitable else OnlineSuitability.NOT_SUITABLE
        )
        case.online_alternative = alternative or None
        case.online_assessed_at = now
        # Named fields: a full save would write back the stored need as it was read (and
        # stop_check_ins below refreshes it).
        case.save(
            update_fields=[
                "online_suitability",
                "online_alternative",
                "online_assessed_at",
                "updated_at",
            ]
        )
        if not suitable:
            stop_check_ins(case, end=False, now=now)
            close_case_conversation(case, actor)
        elif case.status != CaseStatus.PAUSED and live_consent(case, Technology.MESSAGING):
            open_case_conversation(
                client=case.client,
                practitioner=actor,
                actor=actor,
                client_jurisdiction=case.client_location,
            )
        record_event(
            action=actions.CARE_ONLINE_SUITABILITY_RECORDED,
            actor=actor,
            target=case,
            subject_id=case.client_id,
            detail={"suitable": suitable},
        )
        emit(
            events.OnlineSuitabilityRecorded(
                case_id=str(case.pk), client_id=case.client_id, suitable=suitable
            )
        )
    _keep_in_step(caller, case, "online_suitability", "online_alternative", "online_assessed_at")
    return case
