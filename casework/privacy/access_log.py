"""Who has looked at a person's record: the events of the audit log about them, by someone
else, of an action shown to them (``actions.Action.label``), newest first.

Shown to clients on ``/care/my/`` and to everyone on their account page. The system's own
actions (no actor) and the person's own are left out. Where the action needed a reason (opening
emergency details by break-glass), the app that keeps the reason registers a source for it
(``reason_source``), so this module never reaches into another app's tables.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from casework.accounts.models import Role, User
from casework.privacy import actions
from casework.privacy.models import AuditEvent

SHOWN = 20

# For an action whose events carry a reason elsewhere: given the events, their reasons by seq.
ReasonSource = Callable[[list[AuditEvent]], dict[int, str]]
_REASON_SOURCES: dict[str, ReasonSource] = {}


def reason_source(action: actions.Action) -> Callable[[ReasonSource], ReasonSource]:
    """Register where the reasons for ``action`` are kept (one query for all its events)."""

    def register(source: ReasonSource) -> ReasonSource:
        _REASON_SOURCES[action] = source
        return source

    return register


@dataclass(frozen=True)
class Access:
    at: datetime
    who: str
    role: str
    what: str
    reason: str


def accesses_of(person: User, *, limit: int = SHOWN) -> list[Access]:
    """The latest ``limit`` accesses to ``person``'s record by other people.

    Queries: the events (one), the names of who acted (one), and one per action with a
    reason source among them (break-glass: one)."""
    events = list(
        AuditEvent.objects.filter(
            subject_id=person.pk,
            action__in=[str(action) for action in actions.shown_actions()],
            actor_id__isnull=False,
        )
        .exclude(actor_id=person.pk)
        .order_by("-occurred_at", "-seq")[:limit]
    )
    people = _people({event.actor_id for event in events if event.actor_id is not None})
    reasons: dict[int, str] = {}
    for action in sorted({event.action for event in events} & set(_REASON_SOURCES)):
        reasons.update(_REASON_SOURCES[action]([e for e in events if e.action == action]))
    roles = dict(Role.choices)
    return [
        Access(
            at=event.occurred_at,
            who=people.get(event.actor_id or 0, ""),
            role=str(roles.get(event.actor_role, "")),
            what=actions.label_of(event.action),
            reason=reasons.get(event.seq, event.reason),
        )
        for event in events
    ]


def _people(ids: Iterable[int]) -> dict[int, str]:
    """Names as the person acting is known on the site (an erased person: no name)."""
    found = User.objects.filter(pk__in=set(ids)).only("pk", "role", "alias", "legal_name")
    return {person.pk: person.display_name for person in found}
