"""Who may read which care object: one place for views, tasks and the websocket consumer.

Each helper answers 404 alike for "missing" and "not yours". The normal path to a case is its
own practitioner (and the client, for their own view); a supervisor reads the case notes of the
practitioner they supervise, and only while the supervision holds (they accepted it, the case
is open and still that practitioner's, and the registers count them as practising); anyone
else reaches a client's emergency details only through break-glass (``services.emergency``). A
referral's recipient reads what the client chose to share, while the case it came from is open
or since the client renewed it.

A case's check-ins (plans, answers, scores, urgent flags) are seen by its practitioner, and by a
referral's recipient the client shares their scores with, from the case's
``check_ins_visible_from`` on: a transfer the client did not share their scores with starts the
new practitioner's sight there (the client always sees all of their own). Notes are their
author's (and their supervisor's), whoever holds the case: no sharing covers them.
"""

import uuid
from typing import TypeVar

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet
from django.http import Http404

from casework.accounts.models import Role, User
from casework.care.models import (
    OPEN_STATUSES,
    VISIBLE_TO_RECIPIENT,
    Case,
    CaseNote,
    CheckIn,
    CheckInPlan,
    CheckInStatus,
    Referral,
    Supervision,
    SupervisionStatus,
    UrgentFlag,
)
from casework.registry.standing import in_good_standing_expression

# Who may open a client's emergency details outside the normal path, with a written reason.
BREAK_GLASS_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})

M = TypeVar("M", bound=Model)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _one_or_404(visible: QuerySet[M], object_id: object) -> M:
    """The object of ``visible`` with this id; 404 alike for a malformed, missing or hidden id."""
    key = _uuid(object_id)
    found = visible.filter(pk=key).first() if key else None
    if found is None:
        raise Http404
    return found


def cases_held_by(person: User) -> QuerySet[Case]:
    if person.role != Role.PRACTITIONER:
        return Case.objects.none()
    return Case.objects.filter(practitioner=person)


def get_case_for_practitioner(person: User, case_id: object) -> Case:
    held = cases_held_by(person).select_related("client", "data_key", "client_location")
    return _one_or_404(held, case_id)


def cases_of_client(person: User) -> QuerySet[Case]:
    if person.role != Role.CLIENT:
        return Case.objects.none()
    return Case.objects.filter(client=person)


def get_case_for_client(person: User, case_id: object) -> Case:
    own = cases_of_client(person).select_related("practitioner", "data_key", "client_location")
    return _one_or_404(own, case_id)


def supervisions_holding() -> QuerySet[Supervision]:
    """Supervisions that let their supervisor read: accepted, of an open case that is still the
    inviting practitioner's, by a supervisor the registers count as practising now."""
    return Supervision.objects.filter(
        in_good_standing_expression("supervisor_id"),
        status=SupervisionStatus.ACCEPTED,
        case__status__in=OPEN_STATUSES,
        case__practitioner=F("practitioner"),
    )


def supervised_by(person: User) -> QuerySet[Case]:
    if person.role != Role.PRACTITIONER:
        return Case.objects.none()
    return Case.objects.filter(
        Exists(supervisions_holding().filter(supervisor=person, case=OuterRef("pk")))
    )


def get_supervised_case(person: User, case_id: object) -> Case:
    return _one_or_404(supervised_by(person).select_related("client", "practitioner"), case_id)


def invitations_for(person: User) -> QuerySet[Supervision]:
    """Invitations to supervise waiting for this practitioner's answer."""
    if person.role != Role.PRACTITIONER:
        return Supervision.objects.none()
    return Supervision.objects.filter(
        supervisor=person, status=SupervisionStatus.INVITED, case__status__in=OPEN_STATUSES
    )


def supervisions_of_party(person: User) -> QuerySet[Supervision]:
    """Live supervisions a person takes part in: the client of the case (once the supervisor
    accepted: before that it is an invitation between colleagues), the practitioner who
    invited, and the supervisor."""
    live = Supervision.objects.filter(
        status__in=[SupervisionStatus.INVITED, SupervisionStatus.ACCEPTED]
    )
    if person.role == Role.CLIENT:
        return live.filter(case__client=person, status=SupervisionStatus.ACCEPTED)
    if person.role == Role.PRACTITIONER:
        return live.filter(Q(practitioner=person) | Q(supervisor=person))
    return Supervision.objects.none()


def get_supervision_for_party(person: User, supervision_id: object) -> Supervision:
    visible = supervisions_of_party(person).select_related("case", "practitioner", "supervisor")
    return _one_or_404(visible, supervision_id)


def get_invitation(person: User, supervision_id: object) -> Supervision:
    return _one_or_404(invitations_for(person).select_related("case"), supervision_id)


def find_check_in(check_in_id: object) -> CheckIn | None:
    """A check-in by id, for a signed link that names it (the link carries the proof)."""
    key = _uuid(check_in_id)
    if key is None:
        return None
    return (
        CheckIn.objects.select_related("case__data_key", "case__client", "case__client_location")
        .filter(pk=key)
        .first()
    )


def find_check_in_for_client(person: User, check_in_id: object) -> CheckIn | None:
    check_in = find_check_in(check_in_id)
    if check_in is None or check_in.case.client_id != person.pk:
        return None
    return check_in


def _check_in_seen() -> Q:
    start = F("case__check_ins_visible_from")
    return (
        Q(case__check_ins_visible_from__isnull=True)
        | Q(answered_at__gte=start)
        # Missed or still open: one answerable after the start (a check-in open when the case
        # was handed over without the scores was called off then).
        | Q(answered_at__isnull=True, expires_at__gt=start)
    )


def _flag_seen() -> Q:
    return Q(case__check_ins_visible_from__isnull=True) | Q(
        raised_at__gte=F("case__check_ins_visible_from")
    )


def _plan_seen() -> Q:
    return Q(case__check_ins_visible_from__isnull=True) | Q(
        created_at__gte=F("case__check_ins_visible_from")
    )


def check_ins_seen_by_practitioners() -> QuerySet[CheckIn]:
    """Check-ins the practitioner holding their case sees (filter it by case; the caseload's
    subqueries do)."""
    return CheckIn.objects.filter(_check_in_seen())


def flags_seen_by_practitioners() -> QuerySet[UrgentFlag]:
    return UrgentFlag.objects.filter(_flag_seen())


def plans_seen_by_practitioners() -> QuerySet[CheckInPlan]:
    return CheckInPlan.objects.filter(_plan_seen())


def get_answered_check_in(person: User, case: Case, check_in_id: object) -> CheckIn:
    """An answered check-in of ``case`` (a case ``person`` holds, from
    ``get_case_for_practitioner``), to open its answers."""
    if case.practitioner_id != person.pk:
        raise Http404
    answered = check_ins_seen_by_practitioners().filter(case=case, status=CheckInStatus.ANSWERED)
    found = _one_or_404(answered, check_in_id)
    found.case = case  # its answers open with the case's data key, already loaded
    return found


def get_plan_for_practitioner(person: User, plan_id: int) -> CheckInPlan:
    plan = (
        plans_seen_by_practitioners()
        .filter(pk=plan_id, case__in=cases_held_by(person))
        .select_related("case", "case__client")
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def get_flag_for_practitioner(person: User, flag_id: object) -> UrgentFlag:
    held = (
        flags_seen_by_practitioners().filter(case__in=cases_held_by(person)).select_related("case")
    )
    return _one_or_404(held, flag_id)


def notes_readable_by(person: User) -> QuerySet[CaseNote]:
    """Notes a person may read: their own, and, on a case they supervise, those of the
    practitioner they supervise (never those of whoever held the case before)."""
    if person.role != Role.PRACTITIONER:
        return CaseNote.objects.none()
    return CaseNote.objects.filter(Q(author=person) | Q(supervised_notes(person)))


def supervised_notes(person: User) -> Exists:
    """An ``Exists`` for notes written by a practitioner ``person`` supervises, on that case."""
    return Exists(
        supervisions_holding().filter(
            supervisor=person, case=OuterRef("case"), practitioner=OuterRef("author")
        )
    )


def get_note_for_reader(person: User, note_id: object) -> CaseNote:
    readable = notes_readable_by(person).select_related("case__data_key", "case__client", "author")
    return _one_or_404(readable, note_id)


def get_own_note(person: User, note_id: object) -> CaseNote:
    note = get_note_for_reader(person, note_id)
    if note.author_id != person.pk:
        raise Http404
    return note


def shared_with_recipient() -> Q:
    """Referrals whose recipient reads them: the client agreed and has not withdrawn, and the
    case they came from is open (or the client renewed them after it closed)."""
    return Q(status__in=VISIBLE_TO_RECIPIENT) & (
        Q(case__status__in=OPEN_STATUSES) | Q(renewed_at__isnull=False)
    )


def referrals_visible_to(person: User) -> QuerySet[Referral]:
    """The client sees every referral of their cases, open or closed; the referrer those they
    made; the recipient only those the client shares with them now."""
    if person.role == Role.CLIENT:
        return Referral.objects.filter(case__client=person)
    if person.role == Role.PRACTITIONER:
        return Referral.objects.filter(
            Q(from_practitioner=person) | (Q(to_practitioner=person) & shared_with_recipient())
        )
    return Referral.objects.none()


def get_referral_for_person(person: User, referral_id: object) -> Referral:
    visible = referrals_visible_to(person).select_related(
        "case__data_key",
        "case__client",
        "case__client_location",
        "from_practitioner",
        "to_practitioner",
    )
    return _one_or_404(visible, referral_id)


def may_break_glass(person: User, case: Case) -> bool:
    return person.role in BREAK_GLASS_ROLES or supervised_by(person).filter(pk=case.pk).exists()


def get_case_for_break_glass(person: User, case_id: object) -> Case:
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES).select_related(
        "client", "practitioner", "data_key", "client_location"
    )
    case = _one_or_404(open_cases, case_id)
    if not may_break_glass(person, case):
        raise Http404
    return case


def open_cases_for_lookup(person: User, client: User) -> QuerySet[Case]:
    """The open cases of a client that a moderator or administrator may break glass into."""
    if person.role not in BREAK_GLASS_ROLES:
        return Case.objects.none()
    return Case.objects.filter(client=client, status__in=OPEN_STATUSES).select_related(
        "practitioner"
    )
