"""Faults for tests, on loopback only: a TCP proxy in front of PostgreSQL that the test freezes
or cuts, and a real web server (granian, as production runs it) to answer through it."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from casework.shell.supervisor import web_command

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class FaultyProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream`` until told otherwise.

    ``freeze()``: connections stay open and new ones are accepted, but no byte goes through
    in either direction -- a server that hangs. ``cut()``: every connection is closed and new
    ones are refused -- a server that is down. ``heal()`` undoes either.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by cut() or close()
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                self._flowing.wait()  # frozen: hold every byte until heal()
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._close_pair(source, target)

    def _close_pair(self, *pair: socket.socket) -> None:
        with self._lock:
            for sock in pair:
                self._sockets.discard(sock)
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def freeze(self) -> None:
        self._flowing.clear()

    def cut(self) -> None:
        if self._listener is not None:
            # shutdown() first: a close() alone leaves the thread blocked in accept() holding
            # the listening socket open, still taking connections.
            with suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets = list(self._sockets)
        self._close_pair(*sockets)

    def heal(self) -> None:
        self._flowing.set()
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self._flowing.set()
        self.cut()


def on_postgresql_and_redis(why: str) -> pytest.MarkDecorator:
    """Tests of servers of their own (faults, the pooling guide): on the PostgreSQL + Redis run
    only (``.ci/run``)."""
    return pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"), reason=why
    )


def server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """What a web server under test runs with: the test's database (through ``database_url``:
    a proxy, a pooler), the test's Redis, quick limits and quiet logs."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "CASEWORK_VAR_DIR": str(tmp_path),
        "CASEWORK_DB_CONNECT_TIMEOUT": "2",
        "CASEWORK_DB_REQUEST_TIMEOUT": "2",
        "CASEWORK_AUDIT_ANCHOR": "casework.privacy.anchors.NullAnchor",
        "LOG_LEVEL": "ERROR",
    }


def database_url_via(port: int) -> str:
    """The test database's URL through whatever listens on ``port`` on loopback."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "root"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@127.0.0.1:{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_listening(
    process: subprocess.Popen[bytes], port: int, name: str, *, seconds: float = 15
) -> None:
    """Return once ``process`` (a server of the test's, called ``name``) accepts connections
    on 127.0.0.1:``port``; raise if it ends or takes longer than ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start (its standard error says why)")
        time.sleep(0.1)


def get(url: str, *, timeout: float = 45) -> tuple[int, float]:
    """The status of a GET of ``url`` and the seconds it took (0 when nothing answered). The
    first page a worker serves loads much of Django: on a busy machine, many seconds."""
    return _answer(urllib.request.Request(url), timeout=timeout)  # noqa: S310  (loopback)


def post_json(
    url: str, body: object, *, headers: dict[str, str], timeout: float = 45
) -> tuple[int, float]:
    """As ``get``, for a POST of ``body`` as JSON."""
    request = urllib.request.Request(  # noqa: S310  (loopback)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    return _answer(request, timeout=timeout)


def _answer(request: urllib.request.Request, *, timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            status: int = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, time.monotonic() - started


@contextmanager
def web_server(
    env: dict[str, str], *, workers: int = 1, threads: int = 4
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Pages on granian's WSGI workers, as in production, with failed workers respawned; yields
    the server process and its base URL once ``/healthz`` answers."""
    port = free_port()
    command = web_command(
        {
            "CASEWORK_PORT": str(port),
            "CASEWORK_WEB_WORKERS": str(workers),
            "CASEWORK_WEB_THREADS": str(threads),
        }
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "PYTEST"))}
    process = subprocess.Popen(  # noqa: S603  (our own server, our own arguments)
        command,
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "casework.settings", **env},
        start_new_session=True,  # its group is killed whole at the end: no worker left behind
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(f"{base}/healthz", timeout=1)[0] != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.2)
        yield process, base
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(10)
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def worker_pids(server: subprocess.Popen[bytes]) -> set[int]:
    """The server's worker processes (its children)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    return {int(pid) for pid in children.split()}


def _guide_pages_proxy(upstream_port: int) -> tuple[str, str]:
    """docs/linux-host.md's nginx for pages, as written: its ``casework_pages`` upstream, sent
    to ``upstream_port``, and its ``location /``."""
    guide = (ROOT / "docs" / "linux-host.md").read_text()
    block = guide.split("```nginx\n", 1)[1].split("```", 1)[0]
    upstream = next(
        (line for line in block.splitlines() if line.startswith("upstream casework_pages")), ""
    )
    location = re.search(r"^    location / \{\n.*?^    \}\n", block, re.MULTILINE | re.DOTALL)
    if "127.0.0.1:8000" not in upstream or location is None:
        raise RuntimeError("docs/linux-host.md no longer has the pages' upstream and location")
    return upstream.replace("127.0.0.1:8000", f"127.0.0.1:{upstream_port}"), location.group(0)


@contextmanager
def guide_nginx(upstream_port: int) -> Iterator[str]:
    """Debian's nginx (``.ci/run`` installs it) in front of the pages on ``upstream_port`` as the
    Linux host guide sets it up, on plain HTTP instead of TLS; yields its base URL."""
    upstream, location = _guide_pages_proxy(upstream_port)
    port = free_port()
    # As root nginx's workers run as nobody: its files in a folder anyone may enter (pytest's
    # own are private). Its errors go to its standard error, which pytest shows on a failure.
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o755)
        temp_paths = "".join(
            f"    {kind}_temp_path {folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        config = Path(folder) / "nginx.conf"
        config.write_text(
            f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
            "events { worker_connections 512; }\n"
            f"http {{\n{temp_paths}    access_log off;\n    {upstream}\n"
            f"    server {{\n    listen 127.0.0.1:{port};\n{location}    }}\n}}\n"
        )
        command = [NGINX, "-e", "stderr", "-p", folder, "-c", str(config)]
        process = subprocess.Popen(command)  # noqa: S603  (Debian's nginx, our own file)
        try:
            wait_until_listening(process, port, "nginx")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()  # nginx's fast shutdown
            process.wait(10)
