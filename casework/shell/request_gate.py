"""The gate in front of a web process's database work: at most ``places`` requests inside at once.

A web worker has a fixed number of threads (granian's ``--blocking-threads``, from
CASEWORK_WEB_THREADS). When the database hangs, every request that asks it holds its thread
for the whole answer limit, the threads run out, and even ``/healthz`` queues behind them. The
gate keeps a few threads free: a request finding it full waits for a place as long as the
requests inside keep moving (a busy minute is served a little late, not refused: up to
``wait`` seconds), but when nobody has gone in or out for ``stuck`` seconds the requests inside
are waiting on the database, and it is refused at once with the 503 page (outages.py).
``/healthz`` never passes through the gate. Until its first request is answered a process is
still loading, not stuck: the gate stands open.
"""

import threading
import time


class RequestGate:
    def __init__(self, places: int, *, wait: float = 5.0, stuck: float = 1.0) -> None:
        self.places = places
        self.wait = wait
        self.stuck = stuck
        self._inside = 0
        self._last_moved = time.monotonic()
        self._warm = False
        self._changed = threading.Condition()

    def enter(self) -> bool:
        """Take a place (True), or give up (False): the gate stayed full for ``wait``
        seconds, or it is full of requests that have not moved for ``stuck`` seconds."""
        if self.places <= 0:  # no gate
            return True
        deadline = time.monotonic() + self.wait
        with self._changed:
            while self._warm and self._inside >= self.places:
                now = time.monotonic()
                if now >= deadline or now - self._last_moved >= self.stuck:
                    return False
                self._changed.wait(min(deadline, self._last_moved + self.stuck) - now)
            self._inside += 1
            self._last_moved = time.monotonic()
            return True

    def leave(self) -> None:
        if self.places <= 0:
            return
        with self._changed:
            self._inside -= 1
            self._warm = True
            self._last_moved = time.monotonic()
            self._changed.notify()
