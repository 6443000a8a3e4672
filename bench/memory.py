"""The web process's memory at steady state: the embedded layout's page worker under load.

    python -m bench.memory                      # about 4 minutes: data, nine rounds of wrk
    python -m bench.memory --stages             # where it goes: RSS after each start-up stage
    python -m bench.memory --tree /tmp/before   # another checkout beside this one, same data

Starts the page server as ``deploy/Procfile.embedded`` does (granian WSGI, one worker, eight
blocking threads, the variables its web line sets) on the small data set in a throwaway SQLite
database, then sends wrk over the public pages in rounds: ``/``, ``/find/`` at 100 addresses,
every generated profile, and both verifications (the page and the API) for as many
registrations (the generated practitioners not in good standing answer 404: wrk counts those
as errors). After each round it prints the RSS of the worker and of granian's parent. The
worker's figure after the last rounds is the steady state issue 21's target ("≤ 150 MB RSS")
is about.

With ``--tree``, each other checkout's server is started on the same database beside this
one's, and the rounds alternate between them (this tree, the other, again), so a before and an
after are measured in one run under the same load on the machine. The other tree runs with
this tree's interpreter and packages. ``--malloc-arena-max N`` adds one more server of this
tree with glibc's ``MALLOC_ARENA_MAX`` set to N (glibc gives threads arenas of their own, up to
eight per core, and the worker has eight threads).

``--stages`` imports Casework step by step in this process, without a server, and prints the
RSS after each: the settings, ``django.setup()``, the URLs and the WSGI application, then one
visit of each kind of public page through the WSGI application, then the Python heap by
package (tracemalloc) and the modules loaded.
"""

import argparse
import itertools
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.databases import throwaway_sqlite
from bench.pages import (
    EMBEDDED,
    _casework_env,
    _get,
    _server,
    ensure_wrk,
    generate_all,
    wrk_figures,
)
from bench.serving import ROOT

ROUNDS = 9
SECONDS = 15
CONNECTIONS = 8
FIND_ADDRESSES = 100
WHERE = ("GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR", "IE", "NZ", "CA", "ZA", "HK", "")
LANGUAGES = ("en", "es", "fr", "cy", "pl", "ur", "zh", "ar", "bfi", "pa")

# wrk walks the list of paths, each connection from its own place in it.
WRK_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local index = 0
setup = function(thread) index = index + 1; thread:set("start", index * 997) end
init = function(args) counter = start end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""

# The pages' paths, read from the generated database by a child process.
LIST_PATHS = """
import json
import django
django.setup()
from casework.directory.models import PractitionerProfile
from casework.registry.models import RegistrationClaim
slugs = list(PractitionerProfile.objects.values_list("slug", flat=True).order_by("pk")[:%d])
numbers = list(
    RegistrationClaim.objects.values_list("registration_number", flat=True).order_by("pk")[:%d]
)
print(json.dumps({"slugs": slugs, "numbers": numbers}))
"""


def _paths(env: dict[str, str], limit: int) -> list[str]:
    result = subprocess.run(  # noqa: S603  (our own interpreter, a fixed script)
        [sys.executable, "-c", LIST_PATHS % (limit, limit)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    found = json.loads(result.stdout.splitlines()[-1])
    finds = [
        f"/find/?where={where}&language={language}" for where in WHERE for language in LANGUAGES
    ][:FIND_ADDRESSES]
    paths = ["/", *finds]
    paths += [f"/practitioners/{slug}/" for slug in found["slugs"]]
    paths += [f"/verify/?number={number}" for number in found["numbers"]]
    paths += [f"/api/v1/verify?number={number}" for number in found["numbers"]]
    random.Random(21).shuffle(paths)
    return paths


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def _mapped_mib(pid: int, largest: int = 8) -> str:
    """Where a process's resident memory is, from /proc/PID/smaps: anonymous memory (Python's
    heap and malloc's, thread stacks) apart from each mapped file (shared libraries, a
    database's file)."""
    resident: dict[str, int] = {}
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if fields and not fields[0].endswith(":"):  # a mapping's header: address, ..., path
            name = fields[5] if len(fields) > 5 else "anonymous"
            name = "anonymous" if name.startswith("[heap]") or name == "anonymous" else name
        elif fields and fields[0] == "Rss:":
            resident[name] = resident.get(name, 0) + int(fields[1])
    top = sorted(resident.items(), key=lambda item: -item[1])[:largest]
    return ", ".join(f"{Path(path).name} {kib / 1024:.1f}" for path, kib in top)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _procfile_web_env(tree: Path) -> dict[str, str]:
    """The variables the tree's ``deploy/Procfile.embedded`` sets on its web line (``env A=1
    B=2 granian ...``): the live process's addresses (not started here: the public pages send
    it nothing) and whatever else the web process is given there."""
    procfile = (tree / "deploy" / "Procfile.embedded").read_text(encoding="utf-8")
    line = next(row for row in procfile.splitlines() if row.startswith("web:"))
    words = shlex.split(line.removeprefix("web:"))
    if not words or words[0] != "env":
        return {}
    assignments = itertools.takewhile(lambda word: "=" in word, words[1:])
    return dict(word.split("=", 1) for word in assignments)


def load(trees: list[Path], arena_max: str | None, rounds: int, seconds: int) -> None:
    wrk = ensure_wrk()
    with ExitStack() as stack:
        db = stack.enter_context(throwaway_sqlite())
        made = generate_all("small", [(EMBEDDED, db)])[0]
        env = _casework_env(EMBEDDED, db)
        paths = _paths(env, made["practitioners"])
        listing = stack.enter_context(tempfile.NamedTemporaryFile("w", suffix=".txt"))
        listing.write("\n".join(paths) + "\n")
        listing.flush()
        script = stack.enter_context(tempfile.NamedTemporaryFile("w", suffix=".lua"))
        script.write(WRK_SCRIPT % listing.name)
        script.flush()
        variants = [(str(tree), tree, {**env, **_procfile_web_env(tree)}) for tree in trees]
        if arena_max:
            variants.append(
                (
                    f"{ROOT}, MALLOC_ARENA_MAX={arena_max}",
                    ROOT,
                    {**env, **_procfile_web_env(ROOT), "MALLOC_ARENA_MAX": arena_max},
                )
            )
        servers = [
            # The web line of deploy/Procfile.embedded; the other tree's casework package
            # comes before this tree's installed one.
            (
                label,
                *stack.enter_context(
                    _server(
                        EMBEDDED, EMBEDDED.casework, {**server_env, "PYTHONPATH": str(tree)}, tree
                    )
                ),
            )
            for label, tree, server_env in variants
        ]
        print(
            f"  {len(paths):,} paths; {rounds} rounds of {seconds} s, {CONNECTIONS} connections",
            flush=True,
        )
        for label, port, parent in servers:
            for path in ("/", paths[0]):
                status = _get(port, path)
                if status != 200:
                    raise RuntimeError(f"{label}: {path} answered {status}")
            workers = _descendants(parent)
            print(
                f"  {label}: started, worker {_rss_mib(workers[0]):.0f} MiB, "
                f"parent {_rss_mib(parent):.0f} MiB",
                flush=True,
            )
        served = dict.fromkeys((label for label, _port, _parent in servers), 0)
        for round_number in range(1, rounds + 1):
            for label, port, parent in servers:
                requests, errors = wrk_figures(wrk, script.name, port, "/", seconds)
                served[label] += requests
                rss = ", ".join(f"{_rss_mib(pid):.0f}" for pid in _descendants(parent))
                print(
                    f"  round {round_number}: {label}: {requests:,} requests "
                    f"({errors} errors; {served[label]:,} so far), worker RSS {rss} MiB, parent "
                    f"{_rss_mib(parent):.0f} MiB, load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        for label, _port, parent in servers:
            print(f"  {label}: worker's resident MiB by mapping: "
                  f"{_mapped_mib(_descendants(parent)[0])}", flush=True)  # fmt: skip


def _rss_here() -> float:
    return _rss_mib(os.getpid())


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return lambda data: None


def stages(*, trace: bool) -> None:
    """Casework's start-up, one stage at a time, with the RSS after each."""
    import gc
    import tracemalloc
    from collections import Counter

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    print(f"  Python, the bench's own imports: {_rss_here():.0f} MiB, {len(sys.modules)} modules")
    if trace:
        tracemalloc.start()
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018  (reading a setting imports the settings module)
    print(f"  the settings' imports: {_rss_here():.0f} MiB, {len(sys.modules)} modules")
    import django

    django.setup()
    print(f"  django.setup(): {_rss_here():.0f} MiB, {len(sys.modules)} modules")
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018  (builds the URL tree, importing every view)
    from casework.wsgi import application

    print(f"  the URLs and views, the WSGI app: {_rss_here():.0f} MiB, {len(sys.modules)} modules")
    if os.environ.get("DATABASE_URL"):
        from wsgiref.util import setup_testing_defaults

        for path in ("/", "/find/?where=GB-ENG&language=en", "/practitioners/p-1/",
                     "/verify/?number=B0000001", "/api/v1/verify?number=B0000001"):  # fmt: skip
            environ: dict[str, Any] = {"PATH_INFO": path.split("?")[0]}
            environ["QUERY_STRING"] = path.partition("?")[2]
            environ["HTTP_HOST"] = "localhost"
            setup_testing_defaults(environ)
            b"".join(application(environ, _start_response))
        print(f"  one visit of each public page: {_rss_here():.0f} MiB, {len(sys.modules)} modules")
    gc.collect()
    if trace:
        heap: Counter[str] = Counter()
        for stat in tracemalloc.take_snapshot().statistics("filename"):
            name = stat.traceback[0].filename
            if "site-packages/" in name:
                name = name.split("site-packages/")[1].split("/")[0]
            elif "<frozen importlib" in name:
                name = "module code (importlib)"
            elif "/casework/" in name:
                name = "casework"
            heap[name] += stat.size
        print(f"  Python heap {sum(heap.values()) / 2**20:.0f} MiB; the largest parts:")
        for name, size in heap.most_common(12):
            print(f"    {size / 2**20:5.1f} MiB {name}")
    packages = Counter(module.split(".")[0] for module in sys.modules)
    print("  modules by package: " + ", ".join(f"{n} {c}" for n, c in packages.most_common(25)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stages", action="store_true", help="start-up stages, no server")
    parser.add_argument("--trace", action="store_true", help="with --stages: the heap by package")
    parser.add_argument("--tree", type=Path, action="append", default=[], help="another checkout")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--seconds", type=int, default=SECONDS, help="of each round")
    parser.add_argument("--malloc-arena-max", help="glibc's MALLOC_ARENA_MAX for the servers")
    options = parser.parse_args(argv)
    if options.stages:
        stages(trace=options.trace)
        return
    print("The embedded web process's memory under load:", flush=True)
    load([ROOT, *options.tree], options.malloc_arena_max, options.rounds, options.seconds)


if __name__ == "__main__":
    main()
