"""Requests per second for a page under granian's WSGI and ASGI modes, on loopback.

Starts each server on a free local port, sends a bounded number of keep-alive requests from a
few client threads, and prints requests/s and latency percentiles. The load stays on 127.0.0.1.
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS_PER_CLIENT = 2000
CLIENTS = 4
PATH = "/healthz"

Figures = tuple[float, float, float]  # requests/s, p50 ms, p99 ms


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", PATH)
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not start")


def _client(port: int, path: str, latencies: list[float]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(REQUESTS_PER_CLIENT):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)


def _load(port: int, path: str) -> Figures:
    latencies: list[float] = []
    threads = [
        threading.Thread(target=_client, args=(port, path, latencies)) for _ in range(CLIENTS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000


def measure(
    interface: str,
    target: str,
    paths: tuple[str, ...] = (PATH,),
    env: dict[str, str] | None = None,
) -> list[Figures]:
    """Figures for each path, all served by one server process."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603  (our own server, fixed arguments)
        [
            str(Path(sys.executable).parent / "granian"),
            "--interface", interface, target,
            "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1", "--log-level", "error",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "casework.settings", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_until_up(port)
        return [_load(port, path) for path in paths]
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    print(f"Serving {PATH}: {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests, one worker")
    for interface, target in (
        ("wsgi", "casework.wsgi:application"),
        ("asginl", "casework.asgi:application"),
    ):
        [(rate, p50, p99)] = measure(interface, target)
        print(f"  granian {interface:<6} {rate:8.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")


if __name__ == "__main__":
    main()
