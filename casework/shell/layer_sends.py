"""Group messages sent from synchronous code: a page's request, a task, the clock.

``async_to_sync`` in a thread with no event loop of its own starts a thread and an event loop
for each call, and channels_redis opens its connections per event loop: on the scaled layout
each announcement paid for a thread, a loop and a new Redis connection, a median of 3.8 ms
against 0.5-1.0 ms on one loop kept for the process (2026-12-06, load 7-9). Here such sends run
on one event loop per process, on a daemon thread started by the first of them, which keeps
the layer's connections from one send to the next.

A thread that a running event loop's ``sync_to_async`` works for (a socket's database work in
the live process) sends on that loop, as before: the in-memory layer's queues are read there,
and the loop's own work waits for that thread.
"""

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

T = TypeVar("T")


def outer_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop whose ``sync_to_async`` runs this thread, while it runs. asgiref leaves
    it on the thread afterwards: a stopped or closed one, or one of the process this one was
    forked from, is not this thread's any more."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    if isinstance(loop, asyncio.AbstractEventLoop) and pid == os.getpid() and loop.is_running():
        return loop
    return None


class _ProcessLoop:
    """One event loop for the process, on a daemon thread, started at first use (and again in
    a process forked after it started: the thread does not cross a fork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if (
                self._loop is None
                or self._thread is None
                or self._pid != os.getpid()
                or not self._thread.is_alive()
            ):
                self._loop = asyncio.new_event_loop()
                running = threading.Event()
                self._thread = threading.Thread(
                    target=_run_forever,
                    args=(self._loop, running),
                    name="casework-layer-sends",
                    daemon=True,
                )
                self._thread.start()
                running.wait()
                self._pid = os.getpid()
            return self._loop


def _run_forever(loop: asyncio.AbstractEventLoop, running: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(running.set)
    loop.run_forever()


_process = _ProcessLoop()


def on_process_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on this process's loop and wait for its result (or its error). Not
    for a thread that ``outer_loop`` names: its sends belong on that loop."""
    return asyncio.run_coroutine_threadsafe(coroutine, _process.loop()).result()


def group_send(group: str, message: dict[str, Any]) -> None:
    """``message`` to ``group`` through this process's channel layer, if there is one."""
    layer = get_channel_layer()
    if layer is None:
        return
    if outer_loop() is not None:
        async_to_sync(layer.group_send)(group, message)
    else:
        on_process_loop(layer.group_send(group, message))
