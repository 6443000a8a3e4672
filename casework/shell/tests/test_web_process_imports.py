"""What the web process loads: the page worker holds only what pages need, because every module
it imports stays in its memory for its whole life (issue 21: ≤ 150 MB at steady state,
measured by ``python -m bench.memory``).

Each check starts a fresh interpreter, as granian does, so that what this test process has
already imported (the test tools bring rich, Twisted, requests...) does not count.
"""

import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# Loaded only where they are used, never by starting the web process:
HEAVY = (
    "rich",  # structlog's optional rich tracebacks (casework/shell/logs.py)
    "twisted",  # structlog's optional Twisted support (casework/shell/logs.py)
    "pywebpush",  # sending a push, in the task worker (casework/accounts/push.py)
    "aiohttp",  # pywebpush's
    "requests",  # pywebpush's
    "redis",  # only with REDIS_URL (casework/shell/outages.py looks its errors up)
    "icalendar",  # writing a calendar (casework/scheduling/calendar.py)
    "PIL",  # reading an uploaded photo (casework/directory/photos.py)
    "markdown_it",  # rendering a bio as it is saved (casework/directory/bio.py)
    "psycopg",  # only on PostgreSQL (the answer limit is casework/shell/postgresql/patience.py)
    "profanity_check",  # the community guard's model, loaded on first use
    "sklearn",  # profanity_check's
    "phonenumbers",  # screening a text for contact details (safety/detection.py, community/guard)
)

START_THE_WEB_PROCESS = """
import json
import sys

from casework.wsgi import application  # django.setup(), as granian's worker does
from django.urls import get_resolver

get_resolver().reverse_dict  # every URL module and the views they import
loaded = sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)
still_importable = []
for name in json.loads(sys.argv[2]):
    __import__(name)
    still_importable.append(name)
print(json.dumps({"loaded": loaded, "still_importable": still_importable}))
"""


def _start(heavy: tuple[str, ...], importable: list[str], var_dir: Path) -> dict[str, list[str]]:
    result = _run_in_own_process(
        START_THE_WEB_PROCESS, var_dir, json.dumps(heavy), json.dumps(importable)
    )
    answer: dict[str, list[str]] = json.loads(result.stdout.splitlines()[-1])
    return answer


def test_the_web_process_starts_without_the_modules_only_some_work_needs(
    tmp_path: Path,
) -> None:
    installed = [name for name in ("rich", "twisted") if find_spec(name) is not None]

    answer = _start(HEAVY, installed, tmp_path)

    assert answer["loaded"] == []
    # structlog was kept from rich and Twisted only while it was imported: anything else in
    # the process may still use them.
    assert answer["still_importable"] == installed


FIRST_READ_WITH_REDIS_DOWN = """
import json
import sys
from contextlib import suppress

from casework.wsgi import application
from django.core.cache import cache

from casework.shell.outages import cache_outages

loaded_before = "redis" in sys.modules
read = "not tried"
# As the kept pages, the cards and the search's vocabularies read the cache: the errors are
# named before the read that loads the client.
with suppress(*cache_outages()):
    read = cache.get("anything")
print(json.dumps({"loaded_before": loaded_before, "read": read}))
"""


def _run_in_own_process(
    script: str, tmp_path: Path, *arguments: str, **settings: str
) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter, as granian starts one: the embedded layout (SQLite in
    ``tmp_path``, never opened unless the script does, and no Redis) with ``settings`` added to
    its environment; it must end without error."""
    unset = ("REDIS_URL", "REDIS_URL_FILE", "DATABASE_URL", "DATABASE_URL_FILE")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/casework.sqlite3",
        DJANGO_SETTINGS_MODULE="casework.settings",
        LOG_LEVEL="ERROR",
        **settings,
    )
    result = subprocess.run(  # noqa: S603  (our own interpreter and a fixed script)
        [sys.executable, "-c", script, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _run_with_redis_named(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``script`` in a process of its own whose settings name Redis as the cache, where nothing
    listens (port 1)."""
    return _run_in_own_process(script, tmp_path, REDIS_URL="redis://127.0.0.1:1/0")


def test_redis_loaded_by_the_first_cache_use_is_still_seen_as_an_outage(tmp_path: Path) -> None:
    # The first cache read of a process loads the Redis client after ``suppress`` has named
    # the errors to pass over: with Redis down, the read is passed over even then.
    result = _run_with_redis_named(FIRST_READ_WITH_REDIS_DOWN, tmp_path)

    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer == {"loaded_before": False, "read": "not tried"}


# One thread imports the Redis client, slowed down inside ``redis.exceptions`` (its module is
# in sys.modules, its names not yet); another asks for the errors meanwhile, as a web worker's
# threads do on their first requests together.
ERRORS_WHILE_ANOTHER_THREAD_IMPORTS = """
import importlib.abc, importlib.util, json, sys, threading, time
import django
django.setup()
from casework.shell.outages import cache_outages

entered = threading.Event()

class Slow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "redis.exceptions":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            entered.set()
            time.sleep(1)
            run(module)

        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, Slow())
importer = threading.Thread(target=lambda: importlib.import_module("redis"))
importer.start()
entered.wait(30)
errors = cache_outages()
importer.join()
print(json.dumps([f"{error.__module__}.{error.__name__}" for error in errors]))
"""


def test_the_errors_are_named_while_another_thread_is_still_importing_redis(
    tmp_path: Path,
) -> None:
    result = _run_with_redis_named(ERRORS_WHILE_ANOTHER_THREAD_IMPORTS, tmp_path)

    assert json.loads(result.stdout.splitlines()[-1]) == [
        "redis.exceptions.ConnectionError",
        "redis.exceptions.TimeoutError",
    ]


READY_TO_SERVE = """
import gc
import json

import casework.{entry}  # as granian's worker does
from django.core.signals import request_finished

def listening():
    return any(key[0] == "casework.shell.warm_start" for key, *_ in request_finished.receivers)


before = gc.get_freeze_count(), listening()
request_finished.send(sender=None)  # the first request answered
print(json.dumps({{"before": before, "after": [gc.get_freeze_count(), listening()]}}))
"""


@pytest.mark.parametrize("entry", ["wsgi", "asgi"])
def test_a_serving_process_puts_its_start_beyond_the_collector_after_its_first_request(
    tmp_path: Path, entry: str
) -> None:
    # Python's full collection walked the ~180,000 objects made at start in whichever request
    # it fell on (120-190 ms, docs/performance.md): frozen once, they are not walked again.
    result = _run_in_own_process(READY_TO_SERVE.format(entry=entry), tmp_path)
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["before"] == [0, True]
    # Once: no later request pays for a collection of its own.
    frozen, still_listening = answer["after"]
    assert frozen > 50_000
    assert still_listening is False
