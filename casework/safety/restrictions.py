"""What moderators' decisions in force mean elsewhere: the one place messaging and scheduling
ask "may this person start something new?" and "is this message hidden?"."""

from collections.abc import Iterable

from django.db.models import Q
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


def hidden_messages(message_ids: Iterable[object]) -> set[object]:
    """Which of these messages a moderator hid (a decision still in force)."""
    return set(
        ModerationAction.objects.filter(
            kind=ActionKind.HIDE, in_force=True, message_id__in=list(message_ids)
        ).values_list("message_id", flat=True)
    )
