"""Break-glass: opening a client's emergency details outside the normal path.

Whoever does it (a moderator, an administrator, the case's supervisor) writes why; the opening
is kept with its reason (sealed under the case's data key), written to the audit log by the
opening's id only (the log is hash-chained and never erased, so it must not hold the reason),
and the client (and their practitioner) are told at once. ``access.get_case_for_break_glass``
decides who may ask.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.care.models import BreakGlassOpening, Case
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy.audit import record_event

SHORTEST_REASON = 15
LONGEST_REASON = 2000


def break_glass(*, case: Case, person: User, reason: str) -> BreakGlassOpening:
    text = (reason or "").replace("\r\n", "\n").strip()
    if len(text) < SHORTEST_REASON:
        raise ValidationError(
            _(
                "Write why you need to open these details (at least %(count)d characters): the "
                "client will read it."
            )
            % {"count": SHORTEST_REASON},
            code="reason_required",
        )
    if len(text) > LONGEST_REASON:
        raise ValidationError(
            _("The reason can be at most %(limit)d characters long.") % {"limit": LONGEST_REASON},
            code="too_long",
        )
    if person.pk in (case.client_id, case.practitioner_id):
        raise ValidationError(_("You can open these details the usual way."), code="normal_path")
    with transaction.atomic():
        opening = BreakGlassOpening(
            case=case, opened_by=person, reason=text, opened_at=timezone.now()
        )
        opening.save(force_insert=True)
        record_event(
            action="care.break_glass",
            actor=person,
            target=case,
            subject_id=case.client_id,
            detail={"opening": str(opening.pk)},
        )
        emit(
            events.EmergencyDetailsOpened(
                case_id=str(case.pk), client_id=case.client_id, practitioner_id=case.practitioner_id
            )
        )
    return opening
