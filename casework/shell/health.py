"""Liveness and readiness: /healthz answers while the process runs (OutageMiddleware answers
it before any dependency is asked); /readyz checks each dependency (database, cache, channel
layer, task queue), side by side, and answers within ``READYZ_TIMEOUT_SECONDS`` even when one
of them hangs: that one is reported as timed out."""

import threading
import time
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections

from casework.shell.live_bridge import BridgedChannelLayer
from casework.shell.postgresql.patience import answer_within


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer is configured")
    if isinstance(layer, BridgedChannelLayer) and layer.bridge_url:
        layer.ping()  # the live process holds the websockets: does it take our messages?
        return
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.send)(channel, {"type": "readyz.ping"})
    message = async_to_sync(layer.receive)(channel)
    if message.get("type") != "readyz.ping":
        raise RuntimeError("the channel layer did not deliver a message")


def check_task_queue() -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.exists()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
    "task_queue": check_task_queue,
}


def _run_check(check: Callable[[], None], result: dict[str, object], limit: float) -> None:
    started = time.perf_counter()
    try:
        # The thread's own connection waits no longer than the probe as a whole.
        with answer_within(limit):
            check()
    except Exception as error:
        result.update(ok=False, error=type(error).__name__)
    else:
        result["ok"] = True
    finally:
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        connections.close_all()  # this thread's connections: it ends here


def run_checks() -> dict[str, dict[str, object]]:
    limit = float(settings.READYZ_TIMEOUT_SECONDS)
    results: dict[str, dict[str, object]] = {name: {} for name in CHECKS}
    threads = [
        threading.Thread(
            target=_run_check, args=(check, results[name], limit), name=f"readyz-{name}"
        )
        for name, check in CHECKS.items()
    ]
    started = time.monotonic()
    for thread in threads:
        thread.daemon = True  # a check that hangs past the limit must not hold up an exit
        thread.start()
    for thread in threads:
        thread.join(max(0.0, limit - (time.monotonic() - started)))
    report: dict[str, dict[str, object]] = {}
    for name, thread in zip(CHECKS, threads, strict=True):
        if thread.is_alive() or "ok" not in results[name]:
            report[name] = {"ok": False, "error": "timeout", "ms": round(limit * 1000, 1)}
        else:
            report[name] = dict(results[name])
    return report
