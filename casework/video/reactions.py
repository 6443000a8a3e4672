"""What the video app does when something happened (see casework/events/subscribers.py): tell
the open join pages of that appointment, which reload what they show over HTTP."""

from casework.events import catalogue as e
from casework.video import live


def announce_waiting(event: e.VideoClientWaiting) -> None:
    live.announce(event.appointment_id, "waiting")


def announce_started(event: e.VideoSessionStarted) -> None:
    live.announce(event.appointment_id, "started")


def announce_ended(event: e.VideoSessionEnded) -> None:
    live.announce(event.appointment_id, "ended")
