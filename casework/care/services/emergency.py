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
from casework.privacy import access_log, actions
from casework.privacy.audit import record_event
from casework.privacy.models import AuditEvent

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
            action=actions.CARE_BREAK_GLASS,
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


@access_log.reason_source(actions.CARE_BREAK_GLASS)
def break_glass_reasons(events: list[AuditEvent]) -> dict[int, str]:
    """The reasons given for break-glass openings, for the client's access log (one query):
    the events name their opening, whose reason is sealed under the case's key."""
    by_opening = {str(event.detail.get("opening", "")): event.seq for event in events}
    openings = BreakGlassOpening.objects.filter(pk__in=[k for k in by_opening if k]).select_related(
        "case__data_key"
    )
    return {by_opening[str(opening.pk)]: opening.reason for opening in openings}
