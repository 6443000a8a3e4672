"""make run-prod's supervisor: the production layout, and a process that exits is started again
while the others keep running (under honcho one exit stopped them all)."""

import sys
import time
from pathlib import Path

import pytest

from casework.shell.supervisor import Program, Supervisor, programs

PYTHON = sys.executable


def test_the_layout_is_web_live_task_workers_and_one_clock() -> None:
    listed = programs({"CASEWORK_WEB_WORKERS": "3", "CASEWORK_TASK_WORKERS": "2"})
    assert [program.name for program in listed] == [
        "web",
        "live",
        "worker-1",
        "worker-2",
        "clock",
    ]
    web, live = listed[0].command, listed[1].command
    assert "casework.wsgi:application" in web
    assert web[web.index("--workers") + 1] == "3"
    assert "casework.asgi:application" in live
    assert "--respawn-failed-workers" in web
    assert "--respawn-failed-workers" in live
    # A graceful restart gives each new worker time to start before its predecessor stops.
    assert web[web.index("--respawn-interval") + 1] == "15"
    slower = programs({"CASEWORK_WEB_BOOT_SECONDS": "40"})[1].command
    assert slower[slower.index("--respawn-interval") + 1] == "40"
    assert listed[-1].command[-1] == "clock"


def test_the_web_process_runs_with_two_malloc_arenas_unless_told_otherwise(
    tmp_path: Path,
) -> None:
    web, *others = programs({})
    assert web.environment == {"MALLOC_ARENA_MAX": "2"}
    assert all(not program.environment for program in others)
    assert programs({"MALLOC_ARENA_MAX": "4"})[0].environment == {"MALLOC_ARENA_MAX": "4"}
    # What a program is given reaches its process, over the supervisor's own environment.
    said = tmp_path / "said"
    shows = "import os, sys; open(sys.argv[1], 'w').write(os.environ['MALLOC_ARENA_MAX'])"
    program = Program("shows", [PYTHON, "-c", shows, str(said)], environment=web.environment)
    supervisor = Supervisor([program], cwd=tmp_path)
    supervisor.start(program)
    assert program.process is not None
    program.process.wait(10)
    assert said.read_text() == "2"


def test_a_mistyped_count_stops_it_with_the_variable_s_name() -> None:
    with pytest.raises(SystemExit, match="CASEWORK_WEB_WORKERS"):
        programs({"CASEWORK_WEB_WORKERS": "two"})
    with pytest.raises(SystemExit, match="CASEWORK_TASK_WORKERS must be 1 or more"):
        programs({"CASEWORK_TASK_WORKERS": "0"})


def _until(condition: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def test_a_process_that_exits_is_started_again_and_the_others_keep_running(
    tmp_path: Path,
) -> None:
    crashing = Program("crashing", [PYTHON, "-c", "raise SystemExit(3)"])
    steady = Program("steady", [PYTHON, "-c", "import time; time.sleep(60)"])
    supervisor = Supervisor([crashing, steady], cwd=tmp_path)
    for program in (crashing, steady):
        supervisor.start(program)
    assert crashing.process is not None
    assert steady.process is not None
    first, steady_pid = crashing.process.pid, steady.process.pid
    try:
        _until(lambda: crashing.process is not None and crashing.process.poll() is not None)
        supervisor.watch()
        assert crashing.history == [3]
        assert crashing.restart_at is not None
        crashing.restart_at = time.monotonic()  # its pause is over
        supervisor.watch()
        assert crashing.process is not None
        assert crashing.process.pid != first
        assert steady.process.pid == steady_pid
        assert steady.process.poll() is None
    finally:
        supervisor.stop()
    assert steady.process.poll() is not None  # stopped with the supervisor


def test_a_process_that_keeps_failing_waits_longer_each_time(tmp_path: Path) -> None:
    crashing = Program("crashing", [PYTHON, "-c", "raise SystemExit(1)"])
    supervisor = Supervisor([crashing], cwd=tmp_path)
    pauses = []
    for _ in range(3):
        supervisor.start(crashing)
        _until(lambda: crashing.process is not None and crashing.process.poll() is not None)
        now = time.monotonic()
        supervisor.watch()
        assert crashing.restart_at is not None
        pauses.append(round(crashing.restart_at - now))
    assert pauses == [1, 2, 4]
