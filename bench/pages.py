"""Casework's public pages beside a bare Django project (the floor), served the same way.

    python -m bench.pages --scale small     # about 5 minutes: data, both layouts, report

For each layout, the data generator (``bench.generate``) fills a throwaway database, the floor
(``bench/floor/``: Django's default middleware, a trivial view and a one-indexed-query view)
gets its own tables beside it, and both are started under the same server with the same
settings:

- embedded: granian WSGI, one worker and eight blocking threads, SQLite
  (``deploy/Procfile.embedded``: websockets on their own ASGI process, reached through the
  live bridge);
- scaled: granian WSGI, two workers and eight blocking threads, PostgreSQL, with Redis as
  Casework's cache (``deploy/Procfile.scaled``); run when PostgreSQL answers on localhost.

Then wrk loads each page in interleaved rounds (floor, floor query, each page; again; again),
and the table gives each page's median requests/s over the rounds, its latency percentiles
from the median round, and its ratio to the floor's one-query view. The load stays on
127.0.0.1 and every run is bounded in time. The table goes to ``bench/results/`` and into the
README between its ``bench:pages`` markers.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import chart
from bench.databases import throwaway_postgres, throwaway_sqlite
from bench.serving import ROOT

FLOOR = ROOT / "bench" / "floor"
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
POSTGRES = "postgresql://root@127.0.0.1:5432/postgres"
# Another database number for runs side by side on one machine: CASEWORK_BENCH_REDIS_URL.
REDIS = os.environ.get("CASEWORK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
CONNECTIONS = 8

# wrk's summary as one line the runner reads: requests, errors, microseconds, percentiles.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), e.status))
end
"""


@dataclass(frozen=True)
class Preset:
    seconds: int
    rounds: int


PRESETS = {
    "small": Preset(seconds=4, rounds=3),
    "medium": Preset(seconds=10, rounds=3),
    "large": Preset(seconds=10, rounds=3),
}


@dataclass(frozen=True)
class Layout:
    name: str
    interface: str
    workers: int
    threads: int
    casework: str
    floor: str


EMBEDDED = Layout("embedded", "wsgi", 1, 8, "casework.wsgi:application", "floor.wsgi:application")
SCALED = Layout("scaled", "wsgi", 2, 8, "casework.wsgi:application", "floor.wsgi:application")


@dataclass
class Run:
    rate: float
    p50: float  # milliseconds
    p95: float
    p99: float
    errors: int


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def ensure_wrk() -> str:
    """wrk from Debian's package, installed when missing (as CI installs chromium)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing Debian's wrk for the page benchmark.", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603  (a fixed package name)
        [*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL
    )
    return shutil.which("wrk") or "/usr/bin/wrk"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _python(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> str:
    result = subprocess.run(  # noqa: S603  (our own interpreter and modules)
        [sys.executable, *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


@contextmanager
def _server(
    layout: Layout, target: str, env: dict[str, str], cwd: Path
) -> Iterator[tuple[int, int]]:
    """``target`` under granian as ``layout`` serves it: its port and granian's parent pid."""
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "granian"),
        "--interface", layout.interface, target,
        "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(layout.workers), "--log-level", "error",
    ]  # fmt: skip
    if layout.interface == "wsgi":
        command += ["--blocking-threads", str(layout.threads)]
    server = subprocess.Popen(  # noqa: S603  (our own server, fixed arguments)
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its workers are ended with it, as one process group
    )
    try:
        deadline = time.monotonic() + 90
        while not answers(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"{target} in {cwd} did not start on port {port}")
            time.sleep(0.3)
        yield port, server.pid
    finally:
        _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Ask the server and its workers to stop; end them when they have not within 10 s."""
    group = os.getpgid(server.pid)
    os.killpg(group, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        server.wait(timeout=10)


def _get(port: int, path: str) -> int:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def wrk_figures(wrk: str, script: str, port: int, path: str, seconds: int) -> list[int]:
    """The numbers ``script`` prints on its ``BENCH`` line after loading ``path``."""
    result = subprocess.run(  # noqa: S603  (wrk on our own loopback server, bounded in time)
        [
            wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "30s",
            "-s", script, f"http://127.0.0.1:{port}{path}",
        ],
        check=True, capture_output=True, text=True, timeout=seconds + 60,
    )  # fmt: skip
    line = next(row for row in result.stdout.splitlines() if row.startswith("BENCH "))
    return [int(n) for n in line.split()[1:]]


def _wrk(wrk: str, script: str, port: int, path: str, seconds: int) -> Run:
    requests, errors, micros, p50, p95, p99, _status = wrk_figures(wrk, script, port, path, seconds)
    return Run(requests / (micros / 1e6), p50 / 1000, p95 / 1000, p99 / 1000, errors)


def _pages(made: dict[str, Any]) -> dict[str, str]:
    number = made["number"]
    return {
        "`/`": "/",
        "`/find/?where=GB-ENG&language=en`": "/find/?where=GB-ENG&language=en",
        "a profile": f"/practitioners/{made['slug']}/",
        "`/verify/?number=...`": f"/verify/?number={number}",
        "`/api/v1/verify?number=...`": f"/api/v1/verify?number={number}",
    }


FLOOR_TRIVIAL = "floor: trivial view"
FLOOR_QUERY = "floor: one-query view"


def _casework_env(layout: Layout, db: dict[str, str]) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casework.settings",
        **db,
        # The pages are measured, not the per-address limits that guard them.
        "CASEWORK_VERIFY_API_RATE": "1000000000/m",
    }
    if layout is SCALED:
        env["REDIS_URL"] = REDIS
    return env


def generate_all(scale: str, layouts: list[tuple[Layout, dict[str, str]]]) -> list[dict[str, Any]]:
    """Fill every layout's database at once: SQLite's load is CPU, PostgreSQL's partly waiting."""
    print(f"  generating the {scale} data set for {len(layouts)} layout(s)...", flush=True)
    children = [
        subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [sys.executable, "-m", "bench.generate", "--scale", scale],
            cwd=ROOT,
            env=_casework_env(layout, db),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for layout, db in layouts
    ]
    made: list[dict[str, Any]] = []
    for (layout, _db), child in zip(layouts, children, strict=True):
        out, err = child.communicate()
        if child.returncode:
            raise RuntimeError(f"generating the {layout.name} data failed:\n{err}")
        made.append(json.loads(out.splitlines()[-1]))
        print(
            f"  {layout.name}: {made[-1]['practitioners']:,} practitioners, "
            f"{made[-1]['clients']:,} clients in {made[-1]['seconds']:.0f} s",
            flush=True,
        )
    return made


def measure_layout(
    layout: Layout, preset: Preset, wrk: str, db: dict[str, str], made: dict[str, Any]
) -> dict[str, list[Run]]:
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "casework.settings"}
    casework_env = _casework_env(layout, db)
    floor_env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "floor.settings",
        "FLOOR_DATABASE_URL": db["DATABASE_URL"],
        "PYTHONPATH": str(FLOOR),
    }
    _python(["manage.py", "seed"], floor_env, cwd=FLOOR)
    targets = {
        FLOOR_TRIVIAL: ("floor", "/"),
        FLOOR_QUERY: ("floor", "/query/?key=item-500"),
        **{label: ("casework", path) for label, path in _pages(made).items()},
    }
    runs: dict[str, list[Run]] = {label: [] for label in targets}
    with ExitStack() as stack, tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        ports = {
            "floor": stack.enter_context(_server(layout, layout.floor, floor_env, FLOOR))[0],
            "casework": stack.enter_context(_server(layout, layout.casework, casework_env, ROOT))[
                0
            ],
        }
        for server, path in targets.values():  # warm up, and check each answers 200
            status = _get(ports[server], path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
        for round_number in range(preset.rounds):
            for label, (server, path) in targets.items():
                runs[label].append(_wrk(wrk, script.name, ports[server], path, preset.seconds))
            print(f"  {layout.name}: round {round_number + 1} of {preset.rounds} done", flush=True)
    return runs


def _median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.rate)[len(runs) // 2]


def table(results: dict[str, dict[str, list[Run]]]) -> list[str]:
    lines = [
        "| layout | page | req/s (median) | req/s (rounds) | p50 ms | p95 ms | p99 ms "
        "| ratio to the one-query floor |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for layout, runs in results.items():
        floor_rate = statistics.median(run.rate for run in runs[FLOOR_QUERY])
        for label, page_runs in runs.items():
            middle = _median_run(page_runs)
            rate = statistics.median(run.rate for run in page_runs)
            rounds = ", ".join(f"{run.rate:.0f}" for run in page_runs)
            errors = sum(run.errors for run in page_runs)
            note = f" ({errors} errors)" if errors else ""
            lines.append(
                f"| {layout} | {label}{note} | {rate:,.0f} | {rounds} | {middle.p50:.1f} "
                f"| {middle.p95:.1f} | {middle.p99:.1f} | {rate / floor_rate:.2f} |"
            )
    return lines


def _machine() -> str:
    # The load says how much else ran beside the benchmark: on a shared machine the absolute
    # figures move with it, the ratios (measured in the same rounds) much less.
    load = os.getloadavg()[1]
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"load average {load:.1f} over the last 5 minutes"
    )


def report(
    scale: str, preset: Preset, results: dict[str, dict[str, list[Run]]], made: dict[str, Any]
) -> str:
    today = datetime.now(tz=UTC)
    return "\n".join(
        [
            f"Measured {today:%Y-%m-%d %H:%M} UTC on {_machine()}, `--scale {scale}` "
            f"({made['practitioners']:,} listed practitioners, {made['clients']:,} clients of the "
            f"profiled practitioner); wrk, {CONNECTIONS} connections, {preset.seconds} s runs, "
            f"{preset.rounds} interleaved rounds.",
            "",
            *table(results),
            "",
        ]
    )


def _into_readme(marker: str, text: str) -> None:
    """``text`` in place of what the README holds between its ``bench:<marker>`` markers."""
    start, end = f"<!-- bench:{marker} -->", f"<!-- /bench:{marker} -->"
    readme = README.read_text(encoding="utf-8")
    if start in readme and end in readme:
        before, rest = readme.split(start, 1)
        after = rest.split(end, 1)[1]
        README.write_text(f"{before}{start}\n{text}{end}{after}", encoding="utf-8")


def write_report(text: str, scale: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"pages-{datetime.now(tz=UTC):%Y-%m-%d}-{scale}.md"
    path.write_text("# Pages beside the floor\n\n" + text, encoding="utf-8")
    _into_readme("pages", text)
    return path


def add_to_report(path: Path, marker: str, heading: str, text: str) -> None:
    """Another table of the same run (the messaging peer's): after the pages' in the report,
    and in the README between its ``bench:<marker>`` markers."""
    with path.open("a", encoding="utf-8") as report_file:
        report_file.write(f"\n## {heading}\n\n{text}")
    _into_readme(marker, text)


def main(argv: list[str] | None = None) -> Path | None:
    """Measures and writes the report; its path, or None when no layout could run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", choices=sorted(PRESETS), default="small")
    parser.add_argument(
        "--layouts", nargs="+", choices=["embedded", "scaled"], default=["embedded", "scaled"]
    )
    options = parser.parse_args(argv)
    preset = PRESETS[options.scale]
    wrk = ensure_wrk()
    print(f"Pages beside the floor, --scale {options.scale}:", flush=True)
    results: dict[str, dict[str, list[Run]]] = {}
    with ExitStack() as databases:
        layouts: list[tuple[Layout, dict[str, str]]] = []
        if "embedded" in options.layouts:
            layouts.append((EMBEDDED, databases.enter_context(throwaway_sqlite())))
        if "scaled" in options.layouts:
            if answers(5432) and answers(6379):
                db = databases.enter_context(throwaway_postgres(POSTGRES, "pages"))
                layouts.append((SCALED, db))
            else:
                print("  scaled: skipped (PostgreSQL and Redis do not both answer on localhost).")
        if not layouts:
            return None
        everything = generate_all(options.scale, layouts)
        for (layout, db), made in zip(layouts, everything, strict=True):
            results[layout.name] = measure_layout(layout, preset, wrk, db, made)
    text = report(options.scale, preset, results, everything[0])
    print(text)
    written = write_report(text, options.scale)
    print(f"Written to {written.relative_to(ROOT)} and {chart.draw(written).relative_to(ROOT)}")
    return written


if __name__ == "__main__":
    main()
