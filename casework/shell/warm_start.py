"""What a serving process does once, when its first request has been answered."""

import gc
import threading
from typing import Any

from django.core.signals import request_finished

_once = threading.Lock()
_done = False


def ready_to_serve() -> None:
    """Once the process's first request is answered, put every object made so far beyond the
    cyclic garbage collector's reach.

    A served process holds about 180,000 objects from its imports (modules, classes, functions,
    the URL patterns and the views, loaded by that first request) that live as long as it does.
    Python's full collection walks all of them: one every couple of hundred requests, 120-190 ms
    each, inside whichever request was unlucky (``docs/performance.md``). Frozen, they are never
    walked again; they are still freed by reference counting if dropped.

    Not at import: loading the URLs and views before the first request made a second worker
    start later, and the request gate (``request_gate.py``) of a worker that has answered
    nothing yet stands open; under a frozen database that worker's threads all waited on it and
    ``/healthz`` queued behind them (``test_faults``)."""
    request_finished.connect(_freeze_once, dispatch_uid="casework.shell.warm_start")


def _freeze_once(**_kwargs: Any) -> None:
    global _done
    with _once:
        if _done:
            return
        _done = True
    request_finished.disconnect(dispatch_uid="casework.shell.warm_start")
    gc.collect()
    gc.freeze()
