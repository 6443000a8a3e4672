"""What travels through the channel layer about a video session: the session's state changed
("waiting", "started", "ended"), never who or where. Signalling (offers, answers, ICE
candidates) passes between the two parties' sockets through the same group; each socket checks
its person may still signal before relaying anything (``consumers``)."""

from typing import Any

from casework.shell import layer_sends


def call_group(appointment_id: int) -> str:
    return f"video.call.{int(appointment_id)}"


def announce(appointment_id: int, state: str) -> None:
    message: dict[str, Any] = {"type": "call.state", "state": state}
    layer_sends.group_send(call_group(appointment_id), message)
