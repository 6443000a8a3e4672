"""Messaging: one send in-process (time and queries), messages sent per second through the
HTTP API beside Matrix Synapse's on the same database kind (``bench.synapse``), and delivery
latency over websockets with 1,000 connections open.

    python -m bench.messaging                  # everything
    python -m bench.messaging --in-process     # only the in-process send (a minute or two)
    python -m bench.messaging --sends-only --layout scaled   # send rates beside Synapse, on PG

Runs on the embedded default (SQLite, in-memory channel layer: one granian ASGI process serves
pages and sockets, as ``make run`` does) and, when DATABASE_URL and REDIS_URL are both set, on
PostgreSQL (a throwaway database on the server DATABASE_URL names) + Redis laid out as
``deploy/Procfile.scaled``: pages on granian's WSGI workers, sockets on an ASGI process, the
two joined by the Redis channel layer.

The set-up signs in 1,000 people (500 conversations, a client and a practitioner in each) by
writing their sessions directly. Phase 1 posts messages from several threads, round-robin over
the senders (each stays under the per-sender rate limit). Phase 2 opens one socket per person,
then sends messages and times each from the start of its POST until the other participant's
socket delivers it: one at a time (no queueing), then several at a time. Everything stays on
127.0.0.1.
"""

import argparse
import asyncio
import dataclasses
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench import synapse
from bench.databases import postgres_server, throwaway_postgres
from bench.serving import ROOT, _free_port

CONVERSATIONS = 500  # two people each: 1,000 sockets
HTTP_MESSAGES = 2000
HTTP_THREADS = 8
LATENCY_MESSAGES = 300
LATENCY_CONCURRENCY = 8
CONNECT_CONCURRENCY = 50
# An event the channel layer dropped: the page's next heartbeat (30 s) would catch up.
LOST_AFTER_SECONDS = 10
BENCH_VAULT_KEY = "casework-messaging-benchmark-vault-key"
CSRF_TOKEN = "benchbenchbenchbenchbenchbench12"  # noqa: S105  (a local throwaway token)

PREPARE = """
import json, uuid, django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
call_command("migrate", verbosity=0)
from casework.messaging import services
from casework.testing import factories
from casework.testing.messaging import place, taking_enquiries

run = uuid.uuid4().hex[:8]
where = place("GB-ENG")

def cookie(person):
    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.create()
    return session.session_key

rows = []
practitioners = [
    taking_enquiries(factories.PractitionerFactory.create(email=f"p{n}-{run}@bench.localhost"))
    for n in range(__CONVERSATIONS__ // 2)
]
for n in range(__CONVERSATIONS__):
    client = factories.ClientFactory.create(email=f"c{n}-{run}@bench.localhost")
    practitioner = practitioners[n % len(practitioners)]
    conversation = services.start_enquiry(
        client=client, practitioner=practitioner, client_jurisdiction=where, body="Hello"
    )
    rows.append({"id": str(conversation.pk), "seq": conversation.last_seq,
                 "people": [cookie(client), cookie(practitioner)]})
print(json.dumps({"session_cookie": settings.SESSION_COOKIE_NAME, "rows": rows}))
"""


IN_PROCESS_CONVERSATIONS = 100
IN_PROCESS_SENDS = 600  # six per person: well under the per-sender limit

# The service the API and the pages call, as they call it (with an idempotency key), on SQLite;
# each send commits, and its relay task is queued in the database as in production.
IN_PROCESS = """
import json, statistics, sys, time, uuid, django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
call_command("migrate", verbosity=0)
from casework.messaging import services
from casework.testing import factories
from casework.testing.messaging import enquiry

conversations, sends = int(sys.argv[1]), int(sys.argv[2])
pairs = []
for n in range(conversations):
    client = factories.ClientFactory.create(email=f"c{n}@bench.localhost")
    practitioner = factories.PractitionerFactory.create(email=f"p{n}@bench.localhost")
    conversation = enquiry(client, practitioner, body="Hello")
    pairs.append((conversation, practitioner))
    pairs.append((conversation, client))

def send(n):
    conversation, sender = pairs[n % len(pairs)]
    services.send_message(
        conversation=conversation, sender=sender, body=f"Benchmark message {n}",
        idempotency_key=uuid.uuid4(),
    )

send(0)  # warm: templates, translations, the vault's keys
connection.force_debug_cursor = True
with CaptureQueriesContext(connection) as client_send:
    send(1)
with CaptureQueriesContext(connection) as practitioner_send:
    send(2)
connection.force_debug_cursor = False
timings = []
for n in range(3, sends):
    started = time.perf_counter()
    send(n)
    timings.append((time.perf_counter() - started) * 1000)
cuts = statistics.quantiles(timings, n=100)
print(json.dumps({
    "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "sends": len(timings),
    "queries": [len(practitioner_send.captured_queries), len(client_send.captured_queries)],
}))
"""


def in_process_send() -> None:
    """One send through ``services.send_message``, in-process on SQLite: time and queries."""
    with tempfile.TemporaryDirectory() as var_dir:
        env = _env(
            {"CASEWORK_VAR_DIR": var_dir, "DATABASE_URL": f"sqlite:///{var_dir}/bench.sqlite3"}
        )
        result = subprocess.run(  # noqa: S603  (our own interpreter, our own script)
            [
                sys.executable, "-c", IN_PROCESS,
                str(IN_PROCESS_CONVERSATIONS), str(IN_PROCESS_SENDS),
            ],
            cwd=ROOT, env=env, check=False, capture_output=True, text=True,
        )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"the in-process send failed:\n{result.stderr}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    practitioner_queries, client_queries = figures["queries"]
    print(
        f"  in-process send (SQLite)   p50 {figures['p50']:6.1f} ms   p95 {figures['p95']:6.1f} ms"
        f"   p99 {figures['p99']:6.1f} ms   ({figures['sends']} sends; {practitioner_queries}"
        f" queries a send, {client_queries} for a client's: the office hours)"
    )


@dataclass(frozen=True)
class Setup:
    name: str
    env: dict[str, str]
    scaled: bool  # pages on WSGI workers, sockets on a separate ASGI process
    peer_database: str | None  # Synapse's: None for SQLite, else a PostgreSQL database's URL


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return {**env, "DJANGO_SETTINGS_MODULE": "casework.settings", **extra}


def _prepare(env: dict[str, str]) -> dict[str, Any]:
    script = PREPARE.replace("__CONVERSATIONS__", str(CONVERSATIONS))
    result = subprocess.run(  # noqa: S603  (our own interpreter, our own script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"preparing the benchmark's data failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _start_server(env: dict[str, str], arguments: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603  (our own server, fixed arguments)
        [
            str(Path(sys.executable).parent / "granian"),
            *arguments,
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "error",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the ASGI server did not start")


def _headers(cookie_name: str, session: str) -> dict[str, str]:
    return {
        "Cookie": f"{cookie_name}={session}; csrftoken={CSRF_TOKEN}",
        "X-CSRFToken": CSRF_TOKEN,
        "Content-Type": "application/json",
    }


def _post(
    connection: http.client.HTTPConnection, path: str, headers: dict[str, str], body: str
) -> int:
    connection.request("POST", path, json.dumps({"body": body}), headers)
    response = connection.getresponse()
    response.read()
    return response.status


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


def http_send_rate(port: int, data: dict[str, Any]) -> synapse.SendFigures:
    senders = [(row["id"], person) for row in data["rows"] for person in row["people"]]
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def work(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(offset, HTTP_MESSAGES, HTTP_THREADS):
            conversation_id, session = senders[n % len(senders)]
            started = time.perf_counter()
            status = _post(
                connection,
                f"/api/v1/conversations/{conversation_id}/messages",
                _headers(data["session_cookie"], session),
                f"Benchmark message {n}",
            )
            with lock:
                latencies.append(time.perf_counter() - started)
                failures[0] += status != 201

    threads = [threading.Thread(target=work, args=(n,)) for n in range(HTTP_THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    p50, p99 = _percentiles(latencies)
    return synapse.SendFigures(len(latencies) / elapsed, p50, p99, failures[0])


async def _open(
    port: int, cookie_name: str, conversation_id: str, session: str, after: int
) -> ClientConnection:
    socket = await connect(
        f"ws://127.0.0.1:{port}/ws/conversations/{conversation_id}/",
        origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
        additional_headers={"Cookie": f"{cookie_name}={session}"},
        max_queue=None,
    )
    await socket.send(json.dumps({"type": "resume", "after": after}))
    while json.loads(await socket.recv())["type"] != "caught_up":
        pass
    return socket


async def websocket_latency(
    http_port: int, live_port: int, data: dict[str, Any]
) -> tuple[int, float, list[tuple[int, float, float, int]]]:
    cookie_name = data["session_cookie"]
    rows = data["rows"]
    # The conversations have moved on in phase 1: resume from their current end.
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    waiting: dict[str, asyncio.Future[float]] = {}

    async def open_one(conversation_id: str, session: str) -> ClientConnection:
        async with gate:
            return await _open(live_port, cookie_name, conversation_id, session, 10**9)

    started_connecting = time.perf_counter()
    sockets = await asyncio.gather(
        *(open_one(row["id"], person) for row in rows for person in row["people"])
    )
    connect_seconds = time.perf_counter() - started_connecting

    async def listen(socket: ClientConnection) -> None:
        async for raw in socket:
            event = json.loads(raw)
            if event["type"] == "message" and not event["message"]["mine"]:
                future = waiting.get(event["message"]["body"])
                if future is not None and not future.done():
                    future.set_result(time.perf_counter())

    listeners = [asyncio.create_task(listen(socket)) for socket in sockets]

    def post_blocking(conversation_id: str, session: str, body: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
        try:
            return _post(
                connection,
                f"/api/v1/conversations/{conversation_id}/messages",
                _headers(cookie_name, session),
                body,
            )
        finally:
            connection.close()

    async def sender(
        first: int, last: int, step: int, latencies: list[float], lost: list[str]
    ) -> None:
        for n in range(first, last, step):
            row = rows[n % len(rows)]
            body = f"Latency probe {n}"
            future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            waiting[body] = future
            started = time.perf_counter()
            status = await asyncio.to_thread(post_blocking, row["id"], row["people"][n % 2], body)
            if status != 201:
                raise RuntimeError(f"sending failed with {status}")
            try:
                arrived = await asyncio.wait_for(future, timeout=LOST_AFTER_SECONDS)
            except TimeoutError:
                lost.append(body)  # the event was dropped; the next heartbeat would catch up
            else:
                latencies.append(arrived - started)

    results = []
    offset = 0
    for concurrency in (1, LATENCY_CONCURRENCY):
        latencies: list[float] = []
        lost: list[str] = []
        end = offset + LATENCY_MESSAGES
        await asyncio.gather(
            *(sender(offset + n, end, concurrency, latencies, lost) for n in range(concurrency))
        )
        offset = end
        results.append((concurrency, *_percentiles(latencies), len(lost)))
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
    return len(sockets), connect_seconds, results


def run(setup: Setup, *, peer: bool, sockets: bool = True) -> None:
    print(f"  {setup.name}: preparing {CONVERSATIONS} conversations ...", flush=True)
    data = _prepare(setup.env)
    asgi = ["--interface", "asginl", "casework.asgi:application", "--workers", "1"]
    servers = []
    try:
        live, live_port = _start_server(setup.env, asgi)
        servers.append(live)
        http_port = live_port
        if setup.scaled:
            wsgi = ["--interface", "wsgi", "casework.wsgi:application", "--workers", "2",
                    "--blocking-threads", "8"]  # fmt: skip
            pages, http_port = _start_server(setup.env, wsgi)
            servers.append(pages)
        ours = http_send_rate(http_port, data)
        print(
            f"    HTTP send    {ours.rate:8.0f} messages/s   p50 {ours.p50:6.1f} ms   p99"
            f" {ours.p99:6.1f} ms   ({HTTP_MESSAGES} messages, {HTTP_THREADS} threads,"
            f" {ours.failures} failed)"
        )
        if peer:
            # The peer runs while Casework's servers idle: each has the machine to itself.
            theirs = synapse.measure(
                setup.peer_database, CONVERSATIONS, HTTP_MESSAGES, HTTP_THREADS
            )
            synapse.compare(setup.name.split(" (")[0], ours, theirs)
        if not sockets:
            return
        count, connect_seconds, results = asyncio.run(websocket_latency(http_port, live_port, data))
        print(f"    websocket    {count} connections open (all opened in {connect_seconds:.1f} s)")
        for concurrency, p50, p99, lost in results:
            print(
                f"    delivery     p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   ({LATENCY_MESSAGES}"
                f" messages, {concurrency} at a time, from the POST to the other's socket;"
                f" {lost} not live within {LOST_AFTER_SECONDS} s)"
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--in-process", action="store_true", help="only the in-process send")
    parser.add_argument("--no-peer", action="store_true", help="leave Matrix Synapse out")
    parser.add_argument(
        "--sends-only", action="store_true", help="the send rates only: no websocket phase"
    )
    parser.add_argument(
        "--layout", choices=("embedded", "scaled", "both"), default="both", help="which to run"
    )
    options = parser.parse_args(argv)
    print("Messaging: one send in-process, HTTP send rate and websocket delivery latency")
    in_process_send()
    if options.in_process:
        return
    sockets = not options.sends_only
    if options.layout in ("embedded", "both"):
        with tempfile.TemporaryDirectory() as var_dir:
            embedded = _env({"CASEWORK_VAR_DIR": var_dir})
            name = "embedded (SQLite, in-memory channel layer, one ASGI process)"
            run(Setup(name, embedded, False, None), peer=not options.no_peer, sockets=sockets)
    if options.layout == "embedded":
        return
    server, redis_url = postgres_server(None), os.environ.get("REDIS_URL")
    if server and redis_url:
        # A database of its own on that server, dropped after the run.
        with throwaway_postgres(server, "messaging") as database:
            env = _env(
                {
                    **database,
                    "REDIS_URL": redis_url,
                    "CASEWORK_VAULT_KEY": os.environ.get("CASEWORK_VAULT_KEY", BENCH_VAULT_KEY),
                }
            )
            setup = Setup(
                "PostgreSQL + Redis (pages on 2 WSGI workers, sockets on ASGI)", env, True, None
            )
            if options.no_peer:
                run(setup, peer=False, sockets=sockets)
            else:
                with throwaway_postgres(server, "synapse") as peer_database:
                    peer_url = peer_database["DATABASE_URL"]
                    with_peer = dataclasses.replace(setup, peer_database=peer_url)
                    run(with_peer, peer=True, sockets=sockets)
    else:
        print("  PostgreSQL + Redis: skipped (set DATABASE_URL and REDIS_URL to run it)")


if __name__ == "__main__":
    main()
