"""Legal holds: a moderator, a regulator officer or an administrator freezes a person's records,
or one case's, with a reason. The retention task skips what a hold in force covers, and an
erasure of a person under one is refused with the reason. Placing and lifting are audited.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.care.models import Case
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.privacy.rights_models import LegalHold

# Who places and lifts holds: the people who investigate (moderators, regulators' officers)
# and administrators, who answer courts and the police.
HOLDERS = frozenset({Role.MODERATOR, Role.OFFICER, Role.ADMIN})
REASON_MAX = 500


def may_hold(person: object) -> bool:
    return isinstance(person, User) and person.is_active and person.role in HOLDERS


def _subject_of(hold: LegalHold) -> int | None:
    if hold.person_id is not None:
        return hold.person_id
    return hold.case.client_id if hold.case is not None else None


def check_hold(
    *, actor: object, reason: str, person: User | None = None, case: Case | None = None
) -> str:
    """Raise ValidationError unless ``actor`` may place this hold; the reason as it is kept.
    Forms call it to show the refusal beside their fields; the service calls it again."""
    if not may_hold(actor):
        raise ValidationError(
            _("Only moderators, regulator officers and administrators place legal holds."),
            code="not_allowed",
        )
    if (person is None) == (case is None):
        raise ValidationError(_("Hold either a person or a case."), code="target")
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the records must be kept."), code="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(
            _("Please keep the reason under %(count)d characters.") % {"count": REASON_MAX},
            code="too_long",
        )
    return reason


def place_legal_hold(
    *,
    actor: User,
    reason: str,
    person: User | None = None,
    case: Case | None = None,
    now: datetime | None = None,
) -> LegalHold:
    """Hold ``person``'s records, or ``case``'s, for ``reason``. A second hold on the same thing
    is allowed: each has its own reason and is lifted on its own."""
    now = now or timezone.now()
    reason = check_hold(actor=actor, person=person, case=case, reason=reason)
    with transaction.atomic():
        hold = LegalHold.objects.create(
            person=person, case=case, reason=reason, placed_by=actor, placed_at=now
        )
        record_event(
            action=actions.PRIVACY_LEGAL_HOLD_PLACED,
            actor=actor,
            target=hold,
            subject_id=_subject_of(hold),
            reason=reason,
            detail={"on": "person" if person is not None else "case"},
        )
    return hold


def lift_legal_hold(*, hold: LegalHold, actor: User, now: datetime | None = None) -> LegalHold:
    """End ``hold``: what it kept follows the ordinary rules again."""
    now = now or timezone.now()
    if not may_hold(actor):
        raise ValidationError(
            _("Only moderators, regulator officers and administrators lift legal holds."),
            code="not_allowed",
        )
    with transaction.atomic():
        locked = (
            LegalHold.objects.select_for_update(of=("self",)).select_related("case").get(pk=hold.pk)
        )
        if not locked.in_force:
            return locked  # lifted already: nothing more to do
        locked.lifted_at = now
        locked.lifted_by = actor
        locked.save(update_fields=["lifted_at", "lifted_by"])
        record_event(
            action=actions.PRIVACY_LEGAL_HOLD_LIFTED,
            actor=actor,
            target=locked,
            subject_id=_subject_of(locked),
        )
    return locked


def holds_in_force() -> "Holds":
    """Every hold in force, read once (for a retention run)."""
    rows = LegalHold.objects.filter(lifted_at__isnull=True).values_list("person_id", "case_id")
    people = {person for person, _case in rows if person is not None}
    cases = {str(case) for _person, case in rows if case is not None}
    return Holds(people=frozenset(people), cases=frozenset(cases))


class Holds:
    """What holds in force cover: people (by id) and cases (by id)."""

    def __init__(self, *, people: frozenset[int], cases: frozenset[str]) -> None:
        self.people = people
        self.cases = cases

    def cover(self, *, people: Iterable[int | None] = (), case_id: str | None = None) -> bool:
        if case_id is not None and case_id in self.cases:
            return True
        return any(person in self.people for person in people if person is not None)


def holds_on(person: User) -> list[LegalHold]:
    """Holds in force on ``person``, or on a case they are the client or practitioner of."""
    return list(
        LegalHold.objects.filter(lifted_at__isnull=True)
        .filter(Q(person=person) | Q(case__client=person) | Q(case__practitioner=person))
        .order_by("placed_at")
    )
