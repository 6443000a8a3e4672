"""The peer for messaging: Matrix Synapse, sent the same messages at the same concurrency as
Casework's send path, on the same database kind, in the same run.

    python -m bench.synapse              # Synapse alone, on SQLite (and PostgreSQL when set)

Synapse is never a project dependency: it is installed once (pinned) into its own virtualenv
under ``var/synapse-venv`` from PyPI, and runs as one homeserver process (Synapse's own single
process deployment) listening on 127.0.0.1 only, with federation off and every rate limit
lifted, so that it is measured at its best. ``bench.messaging`` calls ``measure`` beside its
own HTTP send and prints both and the ratio.

A Synapse message is a room event sent by ``PUT /_matrix/client/v3/rooms/{room}/send/
m.room.message/{txn}`` with the sender's access token: the client-server API's send, as a
Matrix client makes it (the transaction id plays the part of Casework's Idempotency-Key).
Rooms are private chats of two people, as Casework's conversations are.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from bench.serving import ROOT, _free_port

SYNAPSE = "matrix-synapse==1.163.2"
# Synapse imports psycopg2; the wheel needs no compiler or libpq headers.
POSTGRES_DRIVER = "psycopg2-binary==2.9.13"
VENV = ROOT / "var" / "synapse-venv"
SERVER_NAME = "bench.localhost"
UNLIMITED = {"per_second": 1_000_000, "burst_count": 1_000_000}
PREPARE_THREADS = 8


def python() -> Path:
    """Synapse's interpreter, installing Synapse into its own virtualenv the first time."""
    interpreter = VENV / "bin" / "python"
    marker = VENV / f".installed-{SYNAPSE}"
    if not marker.exists():
        print(f"  installing {SYNAPSE} into {VENV.relative_to(ROOT)} (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603  (pinned packages from the registry, our own venv)
            [str(interpreter), "-m", "pip", "install", "--quiet", SYNAPSE, POSTGRES_DRIVER],
            check=True,
        )
        marker.touch()
    return interpreter


def _database(database_url: str | None, folder: Path) -> dict[str, Any]:
    if not database_url:
        return {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}}
    parts = urlsplit(database_url)
    return {
        "name": "psycopg2",
        # The throwaway database is created with the server's default locale; Synapse wants C
        # for its sort order, which these messages never depend on.
        "allow_unsafe_locale": True,
        "args": {
            "user": parts.username or "root",
            "password": parts.password or "",
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "database": parts.path.lstrip("/"),
            "cp_min": 5,
            "cp_max": 10,
        },
    }


def _config(folder: Path, port: int, database_url: str | None) -> Path:
    logging = folder / "log.config"
    # YAML reads JSON: no YAML writer needed on our side.
    logging.write_text(
        json.dumps(
            {
                "version": 1,
                "handlers": {"console": {"class": "logging.StreamHandler"}},
                "root": {"level": "ERROR", "handlers": ["console"]},
                "disable_existing_loggers": False,
            }
        )
    )
    config = {
        "server_name": SERVER_NAME,
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": _database(database_url, folder),
        "log_config": str(logging),
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "report_stats": False,
        "macaroon_secret_key": uuid.uuid4().hex,
        "form_secret": uuid.uuid4().hex,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "enable_registration": True,
        "enable_registration_without_verification": True,
        "bcrypt_rounds": 4,  # registration is set-up, not what is measured
        "presence": {"enabled": False},
        "rc_message": UNLIMITED,
        "rc_registration": UNLIMITED,
        "rc_login": {"address": UNLIMITED, "account": UNLIMITED, "failed_attempts": UNLIMITED},
        "rc_joins": {"local": UNLIMITED, "remote": UNLIMITED},
        "rc_joins_per_room": UNLIMITED,
        "rc_invites": {"per_room": UNLIMITED, "per_user": UNLIMITED, "per_issuer": UNLIMITED},
        "rc_room_creation": UNLIMITED,
    }
    path = folder / "homeserver.yaml"
    path.write_text(json.dumps(config))
    return path


@contextmanager
def homeserver(database_url: str | None) -> Iterator[int]:
    """A Synapse of its own, on SQLite in a temporary folder or on ``database_url``: its port."""
    interpreter = python()
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        config = _config(Path(folder), port, database_url)
        base = [str(interpreter), "-m", "synapse.app.homeserver", "--config-path", str(config)]
        subprocess.run([*base, "--generate-keys"], check=True, capture_output=True)  # noqa: S603
        said = Path(folder) / "stderr.log"  # a file, not a pipe: nothing blocks on it
        with said.open("wb") as errors:
            server = subprocess.Popen(  # noqa: S603  (Synapse, our own configuration)
                base, stdout=subprocess.DEVNULL, stderr=errors
            )
        try:
            _wait_for_health(port, server, said)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_for_health(port: int, server: subprocess.Popen[bytes], said: Path) -> None:
    deadline = time.monotonic() + 180  # the first start creates the schema
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Synapse did not start:\n{said.read_text()[-3000:]}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            probe.request("GET", "/health")
            if probe.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("Synapse did not answer /health within 180 s")


def _call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: dict[str, Any],
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, json.dumps(body), headers)
    response = connection.getresponse()
    answer = response.read()
    return response.status, (json.loads(answer) if answer else {})


def _register(port: int, name: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, answer = _call(
        connection,
        "POST",
        "/_matrix/client/v3/register",
        {"username": name, "password": uuid.uuid4().hex, "auth": {"type": "m.login.dummy"}},
    )
    if status != 200:
        raise RuntimeError(f"registering {name} failed: {status} {answer}")
    token: str = answer["access_token"]
    return token


def _private_chat(port: int, opener: str, other: str, other_name: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, answer = _call(
        connection,
        "POST",
        "/_matrix/client/v3/createRoom",
        {"preset": "trusted_private_chat", "is_direct": True,
         "invite": [f"@{other_name}:{SERVER_NAME}"]},
        opener,
    )  # fmt: skip
    if status != 200:
        raise RuntimeError(f"creating a room failed: {status} {answer}")
    room: str = answer["room_id"]
    status, answer = _call(connection, "POST", f"/_matrix/client/v3/join/{quote(room)}", {}, other)
    if status != 200:
        raise RuntimeError(f"joining a room failed: {status} {answer}")
    return room


def prepare(port: int, rooms: int) -> list[tuple[str, str]]:
    """``rooms`` private chats of two people: each person's (room, access token), pair by pair."""
    run = uuid.uuid4().hex[:6]

    def pair(n: int) -> list[tuple[str, str]]:
        opener_name, other_name = f"c{n}-{run}", f"p{n}-{run}"
        opener, other = _register(port, opener_name), _register(port, other_name)
        room = _private_chat(port, opener, other, other_name)
        return [(room, opener), (room, other)]

    with ThreadPoolExecutor(PREPARE_THREADS) as pool:
        return [sender for senders in pool.map(pair, range(rooms)) for sender in senders]


@dataclass(frozen=True)
class SendFigures:
    rate: float  # messages a second
    p50: float  # ms
    p99: float  # ms
    failures: int


def warm_up(send: Callable[[int], int], count: int) -> None:
    """``count`` sends, one at a time and not timed, before a timed phase: the first sends of a
    freshly started server load what they need (modules, templates, caches), which would
    otherwise be the phase's slowest figures. Both sides warm up the same way."""
    for n in range(count):
        send(n)


def send_rate(
    port: int, senders: list[tuple[str, str]], messages: int, threads: int
) -> SendFigures:
    """``messages`` sent round-robin over ``senders`` from ``threads`` threads, each on one
    kept-alive connection: as ``bench.messaging.http_send_rate`` sends Casework's."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def put(connection: http.client.HTTPConnection, n: int) -> int:
        room, token = senders[n % len(senders)]
        path = f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/{uuid.uuid4().hex}"
        body = {"msgtype": "m.text", "body": f"Benchmark message {n}"}
        return _call(connection, "PUT", path, body, token)[0]

    warm_up(lambda n: put(http.client.HTTPConnection("127.0.0.1", port, timeout=60), n), threads)

    def work(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n in range(offset, messages, threads):
            started = time.perf_counter()
            status = put(connection, n)
            with lock:
                latencies.append(time.perf_counter() - started)
                failures[0] += status != 200

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return SendFigures(len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, failures[0])


def measure(database_url: str | None, rooms: int, messages: int, threads: int) -> SendFigures:
    """Synapse's send rate on SQLite (``database_url`` None) or on that PostgreSQL database."""
    with homeserver(database_url) as port:
        print(f"    Synapse: {rooms} private chats of two ...", flush=True)
        senders = prepare(port, rooms)
        return send_rate(port, senders, messages, threads)


def compare(name: str, ours: SendFigures, peer: SendFigures) -> None:
    """Both send rates and the two ratios the performance targets name."""
    print(
        f"    Synapse send {peer.rate:8.0f} messages/s   p50 {peer.p50:6.1f} ms   p99"
        f" {peer.p99:6.1f} ms   ({peer.failures} failed)"
    )
    print(
        f"    {name}: Casework / Synapse messages/s {ours.rate / peer.rate:5.2f}x (target 5x);"
        f" our p99 {ours.p99:.1f} ms against Synapse's p50 {peer.p50:.1f} ms"
        f" ({'holds' if ours.p99 <= peer.p50 else 'does not hold'})"
    )


def main(argv: list[str] | None = None) -> None:
    from bench.databases import postgres_server, throwaway_postgres
    from bench.messaging import CONVERSATIONS, HTTP_MESSAGES, HTTP_THREADS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rooms", type=int, default=CONVERSATIONS)
    options = parser.parse_args(argv)
    print("Synapse alone (bench.messaging runs it beside Casework)")
    peer = measure(None, options.rooms, HTTP_MESSAGES, HTTP_THREADS)
    print(f"  SQLite      {peer}")
    server = postgres_server(None)
    if server:
        with throwaway_postgres(server, "synapse") as database:
            peer = measure(database["DATABASE_URL"], options.rooms, HTTP_MESSAGES, HTTP_THREADS)
        print(f"  PostgreSQL  {peer}")
    elif os.environ.get("DATABASE_URL"):
        print("  PostgreSQL: skipped (DATABASE_URL does not name PostgreSQL)")


if __name__ == "__main__":
    main()
