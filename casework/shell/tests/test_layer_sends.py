"""Group messages from synchronous code run on one event loop per process (so the channel
layer's connections are kept from one send to the next), except on a thread a running loop's
``sync_to_async`` works for, whose sends stay on that loop."""

import asyncio
import os
import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from casework.shell import layer_sends
from casework.testing.channels import listening_to


class Recorder:
    """A channel layer's ``group_send`` that notes the loop and thread each send ran on."""

    def __init__(self) -> None:
        self.sends: list[tuple[str, asyncio.AbstractEventLoop, threading.Thread]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.sends.append((group, asyncio.get_running_loop(), threading.current_thread()))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(layer_sends, "get_channel_layer", lambda: recorder)
    return recorder


def test_sends_from_several_threads_share_one_loop_that_none_of_them_runs(
    recorder: Recorder,
) -> None:
    callers = [
        threading.Thread(target=layer_sends.group_send, args=(f"group.{n}", {"type": "x"}))
        for n in range(3)
    ]
    for caller in callers:
        caller.start()
        caller.join()
    layer_sends.group_send("group.here", {"type": "x"})

    assert sorted(group for group, _, _ in recorder.sends) == [
        "group.0",
        "group.1",
        "group.2",
        "group.here",
    ]
    assert len({loop for _, loop, _ in recorder.sends}) == 1
    (thread,) = {thread for _, _, thread in recorder.sends}
    assert thread.daemon
    assert thread not in callers
    assert thread is not threading.current_thread()


def test_a_thread_working_for_a_running_loop_sends_on_that_loop(recorder: Recorder) -> None:
    async def socket_work() -> asyncio.AbstractEventLoop:
        await sync_to_async(layer_sends.group_send)("group.socket", {"type": "x"})
        return asyncio.get_running_loop()

    socket_loop = async_to_sync(socket_work)()

    ((group, loop, _),) = recorder.sends
    assert group == "group.socket"
    assert loop is socket_loop


def test_a_send_that_fails_raises_in_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            raise ConnectionError("the layer is down")

    monkeypatch.setattr(layer_sends, "get_channel_layer", Down)
    with pytest.raises(ConnectionError):
        layer_sends.group_send("group.down", {"type": "x"})


def test_a_process_forked_after_the_loop_started_starts_its_own(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer_sends.group_send("group.before", {"type": "x"})
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as in a forked child
    layer_sends.group_send("group.after", {"type": "x"})

    (_, before, _), (_, after, _) = recorder.sends
    assert before is not after
    assert before.is_running()  # the parent's loop is left alone


def test_without_a_channel_layer_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layer_sends, "get_channel_layer", lambda: None)
    layer_sends.group_send("group.nowhere", {"type": "x"})  # no loop, no error


def test_a_listener_hears_a_group_message_sent_from_synchronous_code() -> None:
    layer, channel = listening_to("group.heard")

    layer_sends.group_send("group.heard", {"type": "caseload.changed"})

    async def heard() -> dict[str, Any]:
        message: dict[str, Any] = await asyncio.wait_for(layer.receive(channel), timeout=5)
        return message

    assert async_to_sync(heard)() == {"type": "caseload.changed"}
