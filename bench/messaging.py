"""Messaging: one send in-process (time and queries), messages sent per second through the
HTTP API beside Matrix Synapse's on the same database kind (``bench.synapse``), and delivery
latency over websockets with 1,000 connections open.

    python -m bench.messaging                  # everything
    python -m bench.messaging --in-process     # only the in-process send (a minute or two)
    python -m bench.messaging --sends-only --layout scaled   # send rates beside Synapse, on PG
    python -m bench.messaging --delivery-only --layout embedded   # only the websocket phase
    python -m bench.messaging --sends-only --no-in-process --conversations 50 --messages 400
                                               # what make bench SCALE=small runs

Runs laid out as ``make run`` lays them out: on the embedded default (SQLite, in-memory channel
layer: pages on a granian WSGI worker, sockets on one granian ASGI process, the others handing
group messages to it over the loopback bridge, ``deploy/Procfile.embedded``) and, when
DATABASE_URL and REDIS_URL are both set, on PostgreSQL (a throwaway database on the server
DATABASE_URL names) + Redis as ``deploy/Procfile.scaled``: pages on two WSGI workers, sockets on
an ASGI process, the two joined by the Redis channel layer. Both run the task worker, which
relays each event after its commit and so announces new messages to open sockets.

The set-up makes 500 conversations (``--conversations``), a client and a practitioner in each.
Before each phase that sends, everyone is signed in afresh (one session per person and
conversation, written directly), so that no staff session has gone idle however long the earlier
steps took. Phase 1, after one untimed send per thread (Synapse's the same), posts messages
from several threads, round-robin over the senders (each stays under the per-sender rate
limit). Phase 2 opens one socket per person and conversation (1,000), then sends messages and
times each from the start of its POST until the other participant's socket delivers it: one at
a time (no queueing), then several at a time; it also prints the POST's own time, the rest
being the relay and the socket. Everything stays on 127.0.0.1.
"""

import argparse
import asyncio
import dataclasses
import functools
import http.client
import json
import math
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

from bench import pages, synapse
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
# So many lost and none delivered: live delivery is not joined up at all; stop rather than wait.
GIVE_UP_AFTER_LOST = 5
# As deploy/Procfile.*: the task worker looks for new tasks every second when it has none.
WORKER_INTERVAL = 1.0
BENCH_VAULT_KEY = "casework-messaging-benchmark-vault-key"
CSRF_TOKEN = "benchbenchbenchbenchbenchbench12"  # noqa: S105  (a local throwaway token)

PREPARE = """
import json, uuid, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from casework.messaging import services
from casework.testing import factories
from casework.testing.messaging import place, taking_enquiries

run = uuid.uuid4().hex[:8]
where = place("GB-ENG")

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
                 "person_ids": [client.pk, practitioner.pk]})
print(json.dumps({"rows": rows}))
"""

# Signs everyone in afresh, just before a phase that needs them: one session per person and
# conversation, written directly, stamped as signed in and seen now, so that no staff session
# has gone idle (30 minutes) however long the set-up or an earlier phase took. It first waits
# for the task worker to finish what is due (the set-up's and an earlier phase's relays), so
# that a phase starts on an idle worker.
SIGN_IN = """
import json, sys, time, django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from casework.accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from casework.accounts.models import User

rows = json.load(sys.stdin)
deadline = time.monotonic() + float(sys.argv[1])
while DBTaskResult.objects.ready().exists() or DBTaskResult.objects.running().exists():
    if time.monotonic() > deadline:
        sys.exit("the task worker did not finish the tasks waiting for it")
    time.sleep(0.5)
people = User.objects.in_bulk({pk for row in rows for pk in row})
now = int(time.time())

def cookie(person):
    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    session.create()
    return session.session_key

with transaction.atomic():
    cookies = [[cookie(people[pk]) for pk in row] for row in rows]
print(json.dumps({"session_cookie": settings.SESSION_COOKIE_NAME, "cookies": cookies}))
"""
# How long the set-up's and phase 1's waiting tasks may take the worker before a phase.
DRAIN_SECONDS = 900


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
class Volume:
    """How many conversations (two people each) and messages a run sends, the same for the peer."""

    conversations: int = CONVERSATIONS
    messages: int = HTTP_MESSAGES


@dataclass(frozen=True)
class PeerResult:
    """One layout's send rates beside Synapse's, on the same database kind."""

    layout: str
    volume: Volume
    ours: synapse.SendFigures
    theirs: synapse.SendFigures


@dataclass(frozen=True)
class Setup:
    name: str
    env: dict[str, str]
    scaled: bool  # pages on WSGI workers, sockets on a separate ASGI process
    peer_database: str | None  # Synapse's: None for SQLite, else a PostgreSQL database's URL


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return {**env, "DJANGO_SETTINGS_MODULE": "casework.settings", **extra}


def _prepare(env: dict[str, str], conversations: int) -> dict[str, Any]:
    script = PREPARE.replace("__CONVERSATIONS__", str(conversations))
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


def _sign_in(env: dict[str, str], data: dict[str, Any]) -> None:
    """Fresh sessions for everyone in ``data``, written now (see ``SIGN_IN``)."""
    result = subprocess.run(  # noqa: S603  (our own interpreter, our own script)
        [sys.executable, "-c", SIGN_IN, str(DRAIN_SECONDS)],
        cwd=ROOT,
        env=env,
        input=json.dumps([row["person_ids"] for row in data["rows"]]),
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"signing the benchmark's people in failed:\n{result.stderr}")
    signed_in = json.loads(result.stdout.strip().splitlines()[-1])
    data["session_cookie"] = signed_in["session_cookie"]
    for row, cookies in zip(data["rows"], signed_in["cookies"], strict=True):
        row["people"] = cookies


def _start_worker(env: dict[str, str], interval: float) -> subprocess.Popen[bytes]:
    """The task worker, as the Procfiles run it: it relays each event after its commit, and so
    announces new messages to open sockets."""
    return subprocess.Popen(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "manage.py", "db_worker", "--interval", str(interval)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


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


def _percentiles(seconds: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 in milliseconds (NaN with fewer than two figures)."""
    if len(seconds) < 2:
        return math.nan, math.nan, math.nan
    cuts = statistics.quantiles(seconds, n=100)
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def http_send_rate(port: int, data: dict[str, Any], messages: int) -> synapse.SendFigures:
    senders = [(row["id"], person) for row in data["rows"] for person in row["people"]]
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def post(connection: http.client.HTTPConnection, n: int) -> int:
        conversation_id, session = senders[n % len(senders)]
        return _post(
            connection,
            f"/api/v1/conversations/{conversation_id}/messages",
            _headers(data["session_cookie"], session),
            f"Benchmark message {n}",
        )

    synapse.warm_up(
        lambda n: post(http.client.HTTPConnection("127.0.0.1", port, timeout=30), n), HTTP_THREADS
    )

    def work(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(offset, messages, HTTP_THREADS):
            started = time.perf_counter()
            status = post(connection, n)
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
    p50, _, p99 = _percentiles(latencies)
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


@dataclass(frozen=True)
class Delivery:
    concurrency: int
    p50: float  # ms, from the start of the POST to the other's socket
    p95: float
    p99: float
    lost: int  # not delivered live within LOST_AFTER_SECONDS
    post_p50: float  # ms, the POST alone (until its 201)
    post_p99: float


async def websocket_latency(
    http_port: int, live_port: int, data: dict[str, Any]
) -> tuple[int, float, list[Delivery]]:
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
        first: int,
        last: int,
        step: int,
        latencies: list[float],
        posts: list[float],
        lost: list[str],
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
            posts.append(time.perf_counter() - started)
            try:
                arrived = await asyncio.wait_for(future, timeout=LOST_AFTER_SECONDS)
            except TimeoutError:
                lost.append(body)  # the event was dropped; the next heartbeat would catch up
                if len(lost) >= GIVE_UP_AFTER_LOST and not latencies:
                    raise RuntimeError(
                        "no message arrived live: are the task worker and the live process"
                        " joined (the channel layer, or the bridge without Redis)?"
                    ) from None
            else:
                latencies.append(arrived - started)

    results = []
    offset = 0
    for concurrency in (1, LATENCY_CONCURRENCY):
        latencies: list[float] = []
        posts: list[float] = []
        lost: list[str] = []
        end = offset + LATENCY_MESSAGES
        await asyncio.gather(
            *(
                sender(offset + n, end, concurrency, latencies, posts, lost)
                for n in range(concurrency)
            )
        )
        offset = end
        p50, p95, p99 = _percentiles(latencies)
        post_p50, _, post_p99 = _percentiles(posts)
        results.append(Delivery(concurrency, p50, p95, p99, len(lost), post_p50, post_p99))
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
    return len(sockets), connect_seconds, results


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run(
    setup: Setup,
    *,
    peer: bool,
    sends: bool = True,
    sockets: bool = True,
    worker_interval: float = WORKER_INTERVAL,
    volume: Volume = Volume(),
) -> PeerResult | None:
    """The phases asked for on one layout; the send rates beside Synapse's when the peer ran."""
    print(f"  {setup.name}: preparing {volume.conversations} conversations ...", flush=True)
    data = _prepare(setup.env, volume.conversations)
    compared = None
    processes = []
    try:
        # Laid out as deploy/Procfile.embedded or .scaled: sockets on one ASGI process, pages on
        # WSGI workers, and the task worker that relays events (and so announces messages).
        asgi = ["--interface", "asginl", "casework.asgi:application", "--workers", "1"]
        live, live_port = _start_server(setup.env, asgi)
        processes.append(live)
        others = setup.env
        if not setup.scaled:
            # Without Redis the others hand their group messages to the live process.
            others = {
                **setup.env,
                "CASEWORK_LIVE_URL": f"ws://127.0.0.1:{live_port}",
                "CASEWORK_LIVE_BRIDGE_URL": f"http://127.0.0.1:{live_port}/_live/bridge",
            }
        wsgi = ["--interface", "wsgi", "casework.wsgi:application",
                "--workers", "2" if setup.scaled else "1", "--blocking-threads", "8"]  # fmt: skip
        pages, http_port = _start_server(others, wsgi)
        processes.append(pages)
        processes.append(_start_worker(others, worker_interval))
        if sends:
            _sign_in(setup.env, data)
            ours = http_send_rate(http_port, data, volume.messages)
            print(
                f"    HTTP send    {ours.rate:8.0f} messages/s   p50 {ours.p50:6.1f} ms   p99"
                f" {ours.p99:6.1f} ms   ({volume.messages} messages, {HTTP_THREADS} threads,"
                f" {ours.failures} failed)"
            )
            if peer:
                # The peer runs while Casework's servers idle: each has the machine to itself.
                theirs = synapse.measure(
                    setup.peer_database, volume.conversations, volume.messages, HTTP_THREADS
                )
                synapse.compare(setup.name.split(" (")[0], ours, theirs)
                layout = "scaled (PostgreSQL + Redis)" if setup.scaled else "embedded (SQLite)"
                compared = PeerResult(layout, volume, ours, theirs)
        if not sockets:
            return compared
        # Sessions written now, whatever the earlier phases took: none has gone idle.
        _sign_in(setup.env, data)
        count, connect_seconds, results = asyncio.run(websocket_latency(http_port, live_port, data))
        print(f"    websocket    {count} connections open (all opened in {connect_seconds:.1f} s)")
        for result in results:
            print(
                f"    delivery     p50 {result.p50:6.1f} ms   p95 {result.p95:6.1f} ms   p99"
                f" {result.p99:6.1f} ms   ({LATENCY_MESSAGES} messages, {result.concurrency} at a"
                f" time, from the POST to the other's socket; the POST alone p50"
                f" {result.post_p50:.1f} ms, p99 {result.post_p99:.1f} ms; {result.lost} not live"
                f" within {LOST_AFTER_SECONDS} s; task worker polling every {worker_interval:g} s)"
            )
    finally:
        for process in reversed(processes):
            _stop(process)
    return compared


def peer_table(results: list[PeerResult]) -> list[str]:
    """A Markdown table of each layout's send rates beside Synapse's and the two targets."""
    lines = [
        f"Each side sent the same messages from {HTTP_THREADS} threads, round-robin over the two"
        f" people of each conversation (Synapse: as many private rooms), on the same database"
        f" kind: Casework through `POST /api/v1/conversations/{{id}}/messages` (screened, sealed,"
        f" audited, relayed to open pages), {synapse.SYNAPSE} through the client-server API's"
        f" send with its rate limits lifted.",
        "",
        "| layout | messages (conversations) | Casework messages/s | p50 ms | p99 ms "
        "| Synapse messages/s | p50 ms | p99 ms | Casework / Synapse (target 5) "
        "| our p99 ≤ Synapse's p50 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        ours, theirs = result.ours, result.theirs
        failed = ours.failures + theirs.failures
        note = f" ({failed} failed)" if failed else ""
        lines.append(
            f"| {result.layout}{note} | {result.volume.messages:,}"
            f" ({result.volume.conversations:,}) | {ours.rate:,.0f} | {ours.p50:.1f}"
            f" | {ours.p99:.1f} | {theirs.rate:,.0f} | {theirs.p50:.1f} | {theirs.p99:.1f}"
            f" | {ours.rate / theirs.rate:.2f} | {'yes' if ours.p99 <= theirs.p50 else 'no'} |"
        )
    return lines


def _scaled_services() -> tuple[str, str | None]:
    """PostgreSQL's server and Redis's URL: DATABASE_URL and REDIS_URL when set, else the
    local ones when they answer, as ``bench.pages`` finds them."""
    server, redis_url = postgres_server(None), os.environ.get("REDIS_URL")
    if not server and pages.answers(5432):
        server = pages.POSTGRES
    if not redis_url and pages.answers(6379):
        redis_url = pages.REDIS
    return server, redis_url


def main(argv: list[str] | None = None) -> list[PeerResult]:
    """Runs what ``argv`` asks for; the send rates beside Synapse's for each layout it ran."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--in-process", action="store_true", help="only the in-process send")
    parser.add_argument("--no-peer", action="store_true", help="leave Matrix Synapse out")
    parser.add_argument(
        "--no-in-process", action="store_true", help="leave the in-process send out"
    )
    parser.add_argument(
        "--sends-only", action="store_true", help="the send rates only: no websocket phase"
    )
    parser.add_argument(
        "--delivery-only",
        action="store_true",
        help="websocket delivery latency only: no in-process send, HTTP send rate or peer",
    )
    parser.add_argument(
        "--worker-interval",
        type=float,
        default=WORKER_INTERVAL,
        help="seconds the task worker waits before looking again when it has no task"
        f" (default {WORKER_INTERVAL:g}, as the Procfiles)",
    )
    parser.add_argument(
        "--layout", choices=("embedded", "scaled", "both"), default="both", help="which to run"
    )
    parser.add_argument(
        "--conversations",
        type=int,
        default=CONVERSATIONS,
        help=f"two people each, one socket per person (default {CONVERSATIONS})",
    )
    parser.add_argument(
        "--messages",
        type=int,
        default=HTTP_MESSAGES,
        help=f"sent by each side in the send phase (default {HTTP_MESSAGES})",
    )
    options = parser.parse_args(argv)
    if options.delivery_only and (options.sends_only or options.in_process):
        parser.error("--delivery-only leaves out what --sends-only and --in-process ask for")
    if options.conversations < 1 or options.messages < 2 * HTTP_THREADS:
        parser.error(f"at least one conversation and {2 * HTTP_THREADS} messages")
    volume = Volume(options.conversations, options.messages)
    # Each sender stays under the per-sender limit (30 a minute) whatever the rate.
    if options.messages > 20 * 2 * options.conversations:
        parser.error("at most 20 messages per person: more conversations, or fewer messages")
    print("Messaging: one send in-process, HTTP send rate and websocket delivery latency")
    if options.in_process and options.no_in_process:
        parser.error("--in-process and --no-in-process ask for nothing")
    if not (options.delivery_only or options.no_in_process):
        in_process_send()
    if options.in_process:
        return []
    peer = not (options.no_peer or options.delivery_only)
    phases = functools.partial(
        run,
        sends=not options.delivery_only,
        sockets=not options.sends_only,
        worker_interval=options.worker_interval,
        volume=volume,
    )
    results: list[PeerResult] = []
    if options.layout in ("embedded", "both"):
        # A stopped server's worker may still be closing its SQLite files as the directory goes:
        # left in the temporary directory rather than losing the PostgreSQL run after it.
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as var_dir:
            embedded = _env({"CASEWORK_VAR_DIR": var_dir})
            name = "embedded (SQLite, pages on 1 WSGI worker, sockets on ASGI, the bridge between)"
            if result := phases(Setup(name, embedded, False, None), peer=peer):
                results.append(result)
    if options.layout == "embedded":
        return results
    server, redis_url = _scaled_services()
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
            if not peer:
                phases(setup, peer=False)
            else:
                with throwaway_postgres(server, "synapse") as peer_database:
                    peer_url = peer_database["DATABASE_URL"]
                    with_peer = dataclasses.replace(setup, peer_database=peer_url)
                    if result := phases(with_peer, peer=True):
                        results.append(result)
    else:
        print("  PostgreSQL + Redis: skipped (not named by DATABASE_URL and REDIS_URL, nor local)")
    return results


if __name__ == "__main__":
    main()
