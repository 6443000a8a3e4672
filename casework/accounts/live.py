"""Live account events over websockets: an ended session's open pages are told at once."""

import hashlib
from collections.abc import Iterable

from casework.shell import layer_sends


def session_group(session_key: str) -> str:
    # Group names travel through the channel layer (Redis in production): never the raw key.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def announce_sessions_ended(session_keys: list[str]) -> None:
    announce_to_session_groups([session_group(key) for key in session_keys])


def announce_to_session_groups(groups: Iterable[str]) -> None:
    for group in groups:
        layer_sends.group_send(group, {"type": "session.ended"})
