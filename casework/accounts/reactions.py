"""The accounts' reactions to domain events (listed in ``casework/events/subscribers.py``)."""

from casework.accounts import live
from casework.events.catalogue import SessionsEnded


def announce_sessions_ended(event: SessionsEnded) -> None:
    live.announce_to_session_groups(event.groups)
