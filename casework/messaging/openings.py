"""Opening a conversation is reading someone's messages: one audit event per opening.

Whichever way the messages are read (the page, the API, the live socket), the opening is
recorded once, not each message: a conversation read for an hour is one event, and the other
person sees it among who has looked at their record.
"""

from datetime import timedelta
from typing import Literal

from django.utils import timezone

from casework.accounts.models import User
from casework.messaging.models import Conversation, Participant
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.privacy.models import AuditEvent

Way = Literal["page", "api", "socket"]

# An app reading through the API polls with a cursor and keeps no page open: its reads within
# this long of the last recorded one are the same opening.
API_OPENING = timedelta(minutes=30)


def record_opening(*, conversation: Conversation, person: User, way: Way) -> None:
    if way == "api" and _opened_through_api_lately(conversation, person):
        return
    # In a conversation of two, the record read is the other person's too; in a larger one
    # (none today) nobody in particular.
    others = list(
        Participant.objects.filter(conversation=conversation)
        .exclude(person=person)
        .values_list("person_id", flat=True)[:2]
    )
    record_event(
        action=actions.MESSAGING_CONVERSATION_OPENED,
        actor=person,
        target=conversation,
        subject_id=others[0] if len(others) == 1 else None,
        detail={"way": way},
    )


def _opened_through_api_lately(conversation: Conversation, person: User) -> bool:
    return AuditEvent.objects.filter(
        actor_id=person.pk,
        action=actions.MESSAGING_CONVERSATION_OPENED,
        object_id=str(conversation.pk),
        occurred_at__gte=timezone.now() - API_OPENING,
        detail__way="api",
    ).exists()
