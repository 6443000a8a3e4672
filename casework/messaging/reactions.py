"""What messaging does when something happened (see casework/events/subscribers.py).

Each reaction runs in the relay's transaction after the change committed, once per event: open
pages are told over the channel layer (ids and sequence numbers only), and offline recipients
get a "new message" email made due.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from casework.events import catalogue as e
from casework.messaging import live, notices, policy
from casework.messaging.models import Participant
from casework.messaging.tasks import send_message_notices
from casework.safety.restrictions import message_of_decision


def announce_sent(event: e.MessageSent) -> None:
    live.announce_new_messages(event.conversation_id, event.seq)


def announce_changed(event: e.MessageChanged) -> None:
    live.announce_changed_message(event.conversation_id, event.seq)


def announce_read(event: e.ConversationRead) -> None:
    live.announce_read(event.conversation_id, event.person_id, event.seq)


def announce_closed(event: e.ConversationClosed) -> None:
    live.announce_closed(event.conversation_id)


def queue_notices(event: e.MessageSent) -> None:
    """Make a notice due for each recipient who is not on the site; the notice task sends it
    when it falls due, unless they came online or read everything meanwhile."""
    now = timezone.now()
    seen_lately = Participant.objects.filter(
        person_id=OuterRef("person_id"), last_seen_at__gte=now - policy.presence_window()
    )
    offline = (
        Participant.objects.filter(conversation_id=event.conversation_id)
        .exclude(person_id=event.sender_id)
        .exclude(Exists(seen_lately))
        .values_list("person_id", flat=True)
    )
    for person_id in offline:
        due = notices.make_due(person_id, now)
        if due is None:
            continue
        if send_message_notices.get_backend().supports_defer:
            send_message_notices.using(run_after=due).enqueue()
        else:
            send_message_notices.enqueue()


def _announce_decision_message(found: tuple[str, int] | None) -> None:
    if found is not None:
        conversation_id, seq = found
        live.announce_changed_message(conversation_id, seq)


def announce_hidden(event: e.ModerationDecided) -> None:
    """A moderator hid a message: open pages replace it with the notice that it was hidden."""
    if event.kind == "hide":
        _announce_decision_message(message_of_decision(action_id=event.action_id))


def announce_shown_again(event: e.AppealDecided) -> None:
    """An appeal overturned a decision: a message it hid comes back on open pages."""
    if event.overturned:
        _announce_decision_message(message_of_decision(appeal_id=event.appeal_id))
