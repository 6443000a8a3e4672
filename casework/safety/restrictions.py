"""What moderators' decisions in force mean elsewhere: the one place messaging and scheduling
ask "may this person start something new?" and "is this message hidden?"."""

import uuid
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import User
from casework.safety.models import ActionKind, ModerationAction

# Said by the services that refuse a restricted person.
RESTRICTED_MESSAGE = _(
    "A moderator's decision stops new enquiries and bookings on your account for now. "
    "Your statement of reasons says why and how to appeal."
)


def is_restricted(person: User) -> bool:
    """No new enquiries or bookings: a restriction in force on ``person``."""
    restricted: bool = ModerationAction.objects.filter(
        affected=person, kind=ActionKind.RESTRICT, in_force=True
    ).exists()
    return restricted


def restricted_among(people: Iterable[User]) -> bool:
    ids = [person.pk for person in people]
    found: bool = ModerationAction.objects.filter(
        Q(affected_id__in=ids), kind=ActionKind.RESTRICT, in_force=True
    ).exists()
    return found


def restricted_expression(person_field: str) -> Exists:
    """For querysets: the person in ``person_field`` is under a restriction in force (the
    directory leaves such a practitioner out, as it leaves out a suspended one)."""
    return Exists(
        ModerationAction.objects.filter(
            affected_id=OuterRef(person_field), kind=ActionKind.RESTRICT, in_force=True
        )
    )


def hidden_messages(message_ids: Iterable[object]) -> set[object]:
    """Which of these messages a moderator hid (a decision still in force)."""
    return set(
        ModerationAction.objects.filter(
            kind=ActionKind.HIDE, in_force=True, message_id__in=list(message_ids)
        ).values_list("message_id", flat=True)
    )


def is_hidden(message_id: uuid.UUID | str) -> bool:
    hidden: bool = ModerationAction.objects.filter(
        kind=ActionKind.HIDE, in_force=True, message_id=message_id
    ).exists()
    return hidden


def message_of_decision(
    *, action_id: object = None, appeal_id: object = None
) -> tuple[str, int] | None:
    """The conversation and place of the message a "hide" decision (or the decision an appeal
    is about) names, if any: for open pages to show it hidden, or shown again after an appeal
    overturned the decision."""
    chosen = Q(pk=action_id) if action_id is not None else Q(appeal__pk=appeal_id)
    found = (
        ModerationAction.objects.filter(chosen, kind=ActionKind.HIDE)
        .values_list("message__conversation_id", "message__seq")
        .first()
    )
    if found is None or found[0] is None:
        return None
    return str(found[0]), int(found[1])
