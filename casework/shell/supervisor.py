"""``make run-prod``: every process of the production layout on one machine, kept running.

Pages on granian's WSGI workers, websockets on granian's ASGI workers, task workers and one
clock (the README's *Running it like production*). Unlike honcho, which stops everything when
one process exits, this supervisor starts again whatever exits; granian itself replaces a web
worker that dies (``--respawn-failed-workers``), so a crashed worker costs only the requests
it held.

Signals: ``SIGTERM`` or ``SIGINT`` stop every process gracefully (granian finishes the requests
in flight, a task worker its task), killing what has not stopped after ``GRACE_SECONDS``. Each
process runs in a group of its own, killed whole when it ends: a granian killed or crashed
leaves no worker behind.
``SIGHUP`` restarts gracefully, for a new release: granian replaces its workers one by one,
each once its successor has had ``CASEWORK_WEB_BOOT_SECONDS`` to start, and the task workers
and the clock are stopped and started again.

Reads no Django settings itself: each process does, from the same environment.
"""

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from django.core.exceptions import ImproperlyConfigured

from casework.environment import env_int

logger = logging.getLogger("casework.supervisor")

GRACE_SECONDS = 30
# A process that exits sooner than this after starting is started again after a growing pause
# (1, 2, 4 ... 30 seconds), so that one that cannot start does not spin.
STEADY_SECONDS = 10
MAX_PAUSE_SECONDS = 30.0


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    # The settings' rule for a count, stopping the supervisor (not a request) when it fails.
    try:
        return env_int(name, default, minimum=1, environ=env)
    except ImproperlyConfigured as wrong:
        raise SystemExit(str(wrong)) from None


@dataclass
class Program:
    name: str
    command: list[str]
    # granian reloads its workers on SIGHUP; the others are restarted instead.
    reloads_on_hup: bool = False
    # Set for this process only, over the supervisor's own environment.
    environment: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    pause: float = 1.0
    restart_at: float | None = None
    history: list[int] = field(default_factory=list)  # exit codes, for the log


def _common(env: Mapping[str, str]) -> list[str]:
    return [
        "--host",
        env.get("CASEWORK_HOST", "127.0.0.1"),
        "--respawn-failed-workers",
        # HTTP/1.1 only, which is what a reverse proxy speaks to its upstream. Under the default
        # (auto) a worker reads a new connection's first bytes to tell HTTP/1 from HTTP/2, and
        # a worker told to stop while it reads them closes the connection unanswered: in three
        # of five graceful restarts under load, one request (of 8,000-16,000) got no answer.
        # A stopping worker still closes a connection it accepted but had not read: the
        # guide's nginx asks again (docs/linux-host.md, step 3, and test_faults).
        "--http",
        "1",
        # On SIGHUP granian starts each new worker, waits this long and stops the one it
        # replaces, without waiting for the new one to listen: a wait shorter than a worker's
        # start-up (about 7 s on two busy cores) leaves the port refusing connections for the
        # difference. A worker that died is replaced at once, whatever this says.
        "--respawn-interval",
        str(_positive(env, "CASEWORK_WEB_BOOT_SECONDS", 15)),
        "--workers-kill-timeout",
        str(GRACE_SECONDS),
        "--log-level",
        "warning",
    ]


def web_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """Pages on granian's WSGI workers (the fault tests start the same command)."""
    env = os.environ if environ is None else environ
    return [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "wsgi",
        "casework.wsgi:application",
        "--port",
        str(_positive(env, "CASEWORK_PORT", 8000)),
        "--workers",
        str(_positive(env, "CASEWORK_WEB_WORKERS", 2)),
        "--blocking-threads",
        str(_positive(env, "CASEWORK_WEB_THREADS", 8)),
        *_common(env),
    ]


def live_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """Websockets on granian's ASGI workers (the live bridge's test starts the same command)."""
    env = os.environ if environ is None else environ
    return [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "asginl",
        "casework.asgi:application",
        "--port",
        str(_positive(env, "CASEWORK_LIVE_PORT", 8001)),
        "--workers",
        str(_positive(env, "CASEWORK_LIVE_WORKERS", 1)),
        *_common(env),
    ]


def programs(environ: Mapping[str, str] | None = None) -> list[Program]:
    """The processes, from CASEWORK_HOST, CASEWORK_PORT, CASEWORK_LIVE_PORT,
    CASEWORK_WEB_WORKERS, CASEWORK_WEB_THREADS, CASEWORK_LIVE_WORKERS, CASEWORK_TASK_WORKERS
    and CASEWORK_WEB_BOOT_SECONDS."""
    env = os.environ if environ is None else environ
    python = sys.executable
    listed = [
        # Two malloc arenas, not one per thread, for the web worker's threads, as the
        # Procfiles and the systemd unit run it: about 8-12 MiB less at steady state
        # (python -m bench.memory, README Performance). A value set already is kept.
        Program(
            "web",
            web_command(env),
            reloads_on_hup=True,
            environment={"MALLOC_ARENA_MAX": env.get("MALLOC_ARENA_MAX", "2")},
        ),
        Program("live", live_command(env), reloads_on_hup=True),
    ]
    for index in range(_positive(env, "CASEWORK_TASK_WORKERS", 2)):
        listed.append(
            Program(f"worker-{index + 1}", [python, "manage.py", "db_worker", "--interval", "1"])
        )
    # One clock: a second would be harmless (each job runs once across clocks, JobLease) but
    # idle.
    listed.append(Program("clock", [python, "manage.py", "clock"]))
    return listed


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the process and every process it started (its group: see ``Supervisor.start``)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class Supervisor:
    def __init__(self, listed: list[Program], *, cwd: Path) -> None:
        self.programs = listed
        self.cwd = cwd
        self.stopping = False
        self.reload_requested = False

    def start(self, program: Program) -> None:
        # A process group of its own: granian's workers are its children, and a main process
        # killed or crashed must not leave them serving (and holding the port) on their own.
        program.process = subprocess.Popen(  # noqa: S603
            program.command,
            cwd=self.cwd,
            env={**os.environ, **program.environment},
            start_new_session=True,
        )
        program.started_at = time.monotonic()
        program.restart_at = None
        logger.info("%s started (pid %s)", program.name, program.process.pid)

    def on_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def on_hup(self, signum: int, frame: FrameType | None) -> None:
        self.reload_requested = True

    def reload(self) -> None:
        self.reload_requested = False
        logger.info("restarting gracefully")
        for program in self.programs:
            if program.process is None or program.process.poll() is not None:
                continue
            if program.reloads_on_hup:
                program.process.send_signal(signal.SIGHUP)
            else:
                program.process.terminate()  # watched: started again when it has stopped
                program.pause = 0.0

    def watch(self) -> None:
        if self.stopping:
            return  # stopping: nothing is started again
        now = time.monotonic()
        for program in self.programs:
            process = program.process
            if process is None or process.poll() is None:
                if process is None and program.restart_at is not None and now >= program.restart_at:
                    self.start(program)
                continue
            program.history.append(process.returncode)
            program.process = None
            _kill_group(process)  # whatever it left behind
            if now - program.started_at >= STEADY_SECONDS:
                program.pause = min(program.pause, 1.0)
            logger.warning(
                "%s exited (code %s): starting it again in %.0f s",
                program.name,
                process.returncode,
                program.pause,
            )
            program.restart_at = now + program.pause
            program.pause = min(max(program.pause * 2, 1.0), MAX_PAUSE_SECONDS)

    def stop(self) -> int:
        running = [p.process for p in self.programs if p.process and p.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("pid %s did not stop in %s s: killed", process.pid, GRACE_SECONDS)
                _kill_group(process)
                process.wait()
            _kill_group(process)
        return 0

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.on_stop)
        signal.signal(signal.SIGINT, self.on_stop)
        signal.signal(signal.SIGHUP, self.on_hup)
        for program in self.programs:
            self.start(program)
        while not self.stopping:
            if self.reload_requested:
                self.reload()
            self.watch()
            time.sleep(0.2)
        logger.info("stopping")
        return self.stop()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s supervisor %(message)s")
    root = Path(__file__).resolve().parents[2]
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several processes count requests and tasks: their figures meet in one directory,
        # emptied at each start (prometheus-client's multiprocess mode; docs/observability.md).
        shared = root / "var" / "metrics"
        shutil.rmtree(shared, ignore_errors=True)
        shared.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    return Supervisor(programs(), cwd=root).run()


if __name__ == "__main__":
    sys.exit(main())
