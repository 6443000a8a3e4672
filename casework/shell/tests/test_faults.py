"""Faults as an operator meets them, against a real web server (granian, as production runs it)
on loopback: PostgreSQL frozen and PostgreSQL down behind a proxy the test controls, and a web
worker killed; and two clocks at once. Pages answer 503 within seconds, /healthz answers
throughout, the site recovers without a restart, and each periodic job runs once. Each test
is bounded (a few seconds of its own beside the servers' start-up).

On the PostgreSQL + Redis run only (``.ci/run``): the embedded layout has no server to lose.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from casework.shell.schedule import SCHEDULE
from casework.testing.faults import ROOT, FaultyProxy, get, web_server, worker_pids

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="fault tests run on the PostgreSQL + Redis layout",
    ),
    # The server reads what the test wrote: committed, not inside the test's transaction.
    pytest.mark.django_db(transaction=True),
]

PAGE = "/find/"  # the public directory: every answer asks the database


def _server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "CASEWORK_VAR_DIR": str(tmp_path),
        "CASEWORK_DB_CONNECT_TIMEOUT": "2",
        "CASEWORK_DB_REQUEST_TIMEOUT": "2",
        "CASEWORK_AUDIT_ANCHOR": "casework.privacy.anchors.NullAnchor",
        "LOG_LEVEL": "ERROR",
    }


def _test_database_url(port: int) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "root"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@127.0.0.1:{port}/{db['NAME']}"


@pytest.fixture
def proxy() -> Iterator[FaultyProxy]:
    db = settings.DATABASES["default"]
    faulty = FaultyProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    yield faulty
    faulty.close()


@pytest.fixture
def site(proxy: FaultyProxy, tmp_path: Path) -> Iterator[str]:
    with web_server(_server_env(_test_database_url(proxy.port), tmp_path)) as (_, base):
        yield base


def _at_once(url: str, count: int, *, timeout: float) -> list[tuple[int, float]]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: get(url, timeout=timeout), range(count)))


def _while_pages_wait(base: str, pages: int) -> tuple[list[tuple[int, float]], float]:
    """Ask for ``pages`` pages at once and, while they wait, for /healthz: the pages' statuses
    and times, and how long /healthz took."""
    with ThreadPoolExecutor(pages) as pool:
        answers = [pool.submit(get, base + PAGE, timeout=10) for _ in range(pages)]
        time.sleep(0.3)  # the pages are waiting on the database by now
        health, health_took = get(base + "/healthz", timeout=5)
        assert health == 200
        return [answer.result() for answer in answers], health_took


def test_with_postgresql_frozen_pages_answer_503_within_5_seconds_and_then_recover(
    proxy: FaultyProxy, site: str
) -> None:
    assert get(site + PAGE)[0] == 200  # the worker now holds a connection through the proxy
    proxy.freeze()
    answers, health_took = _while_pages_wait(site, pages=3)
    assert [status for status, _ in answers] == [503, 503, 503]
    assert max(took for _, took in answers) < 5
    assert health_took < 2  # the pages wait 2 s for the database; /healthz does not wait
    proxy.heal()
    assert get(site + PAGE)[0] == 200  # the same process, a new connection


def test_with_postgresql_down_pages_answer_503_at_once_and_then_recover(
    proxy: FaultyProxy, site: str
) -> None:
    assert get(site + PAGE)[0] == 200
    proxy.cut()
    answers, _ = _while_pages_wait(site, pages=3)
    assert [status for status, _ in answers] == [503, 503, 503]
    assert max(took for _, took in answers) < 5
    assert get(site + "/api/v1/practitioners")[0] == 503
    proxy.heal()
    assert get(site + PAGE)[0] == 200


def test_a_web_worker_killed_under_load_is_replaced_and_the_other_keeps_answering(
    tmp_path: Path,
) -> None:
    db = settings.DATABASES["default"]
    url = _test_database_url(int(db.get("PORT") or 5432))
    assert urlsplit(url).hostname == "127.0.0.1"
    with web_server(_server_env(url, tmp_path), workers=2) as (server, base):
        deadline = time.monotonic() + 15
        while len(worker_pids(server)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        before = worker_pids(server)
        assert len(before) == 2
        # Each worker loads Django on its first request: several seconds on a busy machine.
        assert all(status == 200 for status, _ in _at_once(base + PAGE, 8, timeout=30))
        statuses: list[int] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                statuses.append(get(base + PAGE, timeout=15)[0])

        loaders = [threading.Thread(target=load) for _ in range(4)]
        for loader in loaders:
            loader.start()
        try:
            time.sleep(0.5)
            victim = min(before)
            os.kill(victim, signal.SIGKILL)
            answered_at_kill = len(statuses)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                workers = worker_pids(server)
                if len(workers) == 2 and victim not in workers:
                    break
                time.sleep(0.1)
            replaced = worker_pids(server)
            time.sleep(0.5)
        finally:
            stop.set()
            for loader in loaders:
                loader.join(10)
        assert server.poll() is None  # the server itself never stopped
        assert len(replaced) == 2
        assert victim not in replaced
        assert statuses.count(200) > answered_at_kill  # the survivor went on answering
        # Only requests the killed worker was holding may have failed.
        assert len([status for status in statuses if status != 200]) <= 8
        assert [get(base + PAGE)[0] for _ in range(6)] == [200] * 6


# `manage.py clock --once`, saying which jobs it took (the clock reports only jobs that did
# something).
CLOCK_SAYING_WHAT_IT_RUNS = """
import django
django.setup()
from django.core.management import call_command
from casework.shell import schedule
take_lease = schedule.take_lease
def saying(job, **kwargs):
    taken = take_lease(job, **kwargs)
    if taken:
        print("runs", job.command, flush=True)
    return taken
schedule.take_lease = saying
call_command("clock", "--once")
"""


def test_two_clocks_started_at_once_run_each_periodic_job_once(tmp_path: Path) -> None:
    db = settings.DATABASES["default"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "PYTEST"))},
        **_server_env(_test_database_url(int(db.get("PORT") or 5432)), tmp_path),
        "DJANGO_SETTINGS_MODULE": "casework.settings",
    }
    clocks = [
        subprocess.Popen(  # noqa: S603  (our own command)
            [sys.executable, "-c", CLOCK_SAYING_WHAT_IT_RUNS],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [clock.communicate(timeout=120)[0] for clock in clocks]
    assert [clock.returncode for clock in clocks] == [0, 0]
    for job in SCHEDULE:
        runs = sum(line == f"runs {job.command}" for out in outputs for line in out.splitlines())
        assert runs == 1, (job.command, outputs)
