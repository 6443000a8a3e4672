"""docs/linux-host.md, followed on this machine: its settings file, its commands of step 2 and
the four units' own command lines, then its checks of step 5 and the requests its reverse proxy
sends. What a machine of the test's cannot do is stood in for: /srv/casework is this checkout,
the ports are free ones, the secrets are fresh and the database and Redis are the test's.

On the PostgreSQL + Redis run only (``.ci/run``), as the guide's host has both."""

import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from casework.shell.models import JobLease
from casework.testing.faults import ROOT, database_url_via, free_port, on_postgresql_and_redis
from tests.test_deploy_files import _unit

pytestmark = [
    on_postgresql_and_redis("the guide's host runs PostgreSQL and Redis"),
    pytest.mark.django_db(transaction=True),
]

GUIDE = ROOT / "docs" / "linux-host.md"
SYSTEMD = ROOT / "deploy" / "systemd"
HOST = "casework.example.org"


def _guide_settings() -> dict[str, str]:
    """The variables of the guide's casework.env (step 2), as written there."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    [block] = [block for block in blocks if "CASEWORK_ENV=production" in block]
    found = {}
    for line in block.splitlines():
        name, _, value = line.partition("=")
        found[name.strip()] = value.split("#", 1)[0].strip()
    return found


def _settings_file(tmp_path: Path) -> dict[str, str]:
    from django.conf import settings as django_settings

    db = django_settings.DATABASES["default"]
    written = _guide_settings()
    assert written["CASEWORK_ENV"] == "production"
    # Placeholders and this host's own addresses, replaced; everything else as the guide says.
    for secret in ("SECRET_KEY", "CASEWORK_VAULT_KEY", "CASEWORK_AUDIT_KEY"):
        assert written[secret] == "..."
        written[secret] = secrets.token_urlsafe(40)
    written["DATABASE_URL"] = database_url_via(int(db.get("PORT") or 5432))
    written["REDIS_URL"] = os.environ["REDIS_URL"]
    written["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "PYTEST"))}
    return {**clean, "DJANGO_SETTINGS_MODULE": "casework.settings", **written}


def _command(unit: str, ports: dict[str, int], metrics: Path) -> tuple[list[str], dict[str, str]]:
    service = _unit(SYSTEMD / unit)["Service"]
    assert service["WorkingDirectory"] == "/srv/casework"
    argv = shlex.split(service["ExecStart"])
    argv[0] = argv[0].replace("/srv/casework/.venv/bin", str(Path(sys.executable).parent))
    if "--port" in argv:
        at = argv.index("--port") + 1
        argv[at] = str(ports[argv[at]])
    environment = {}
    for line in service.get("Environment", "").splitlines():
        if line.strip():
            name, _, value = line.partition("=")
            environment[name] = value.replace("/run/casework-metrics", str(metrics))
    return argv, environment


def _get(url: str, headers: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    """The status, body and headers (their names in lower case) of a GET, redirects not followed."""
    request = urllib.request.Request(url, headers={"Host": HOST, **headers})  # noqa: S310

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    status: int
    answered: list[tuple[str, str]]
    try:
        with opener.open(request, timeout=45) as response:
            status, body, answered = (
                response.status,
                response.read().decode(),
                response.headers.items(),
            )
    except urllib.error.HTTPError as error:
        status, body, answered = error.code, error.read().decode(), error.headers.items()
    except OSError:
        return 0, "", {}
    return status, body, {name.lower(): value for name, value in answered}


@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = _settings_file(tmp_path)
    # Step 2, once and after every upgrade (the test database is migrated already).
    for command in (
        ["collectstatic", "--no-input", "--verbosity", "0"],
        ["load_registry_data"],
        ["check", "--deploy"],
    ):
        done = subprocess.run(  # noqa: S603  (our own commands)
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, (command, done.stderr[-3000:])
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    ports = {"8000": free_port(), "8001": free_port()}
    wants = _unit(SYSTEMD / "casework.target")["Unit"]["Wants"].split()
    processes = []
    try:
        for unit in wants:
            argv, environment = _command(unit, ports, metrics)
            processes.append(
                subprocess.Popen(  # noqa: S603  (the unit's own command line)
                    argv, cwd=ROOT, env={**env, **environment}, start_new_session=True
                )
            )
        base = f"http://127.0.0.1:{ports['8000']}"
        deadline = time.monotonic() + 90
        while _get(f"{base}/healthz", {})[0] != 200:
            assert all(process.poll() is None for process in processes), "a unit stopped"
            assert time.monotonic() < deadline, "the web unit did not answer"
            time.sleep(0.3)
        yield base, {"live": f"http://127.0.0.1:{ports['8001']}"}
        assert all(process.poll() is None for process in processes), "a unit stopped"
    finally:
        for process in processes:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_the_guide_s_host_serves_behind_its_proxy_and_runs_its_clock(
    host: tuple[str, dict[str, str]],
) -> None:
    base, _ = host
    # Step 5: /healthz, then /readyz with every dependency, from the host itself.
    assert _get(f"{base}/healthz", {})[0] == 200
    status, body, _ = _get(f"{base}/readyz", {})
    assert status == 200, body
    # What the proxy of step 4 sends: HTTPS, the client's address and a request id.
    proxied = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
        "X-Request-ID": "a" * 32,
    }
    status, body, headers = _get(f"{base}/find/", proxied)
    assert status == 200
    assert headers.get("x-request-id") == "a" * 32  # believed: it came from the trusted proxy
    # Plain HTTP past the proxy is sent to HTTPS (production settings).
    status, _, headers = _get(f"{base}/find/", {})
    assert status == 301
    assert headers["location"].startswith(f"https://{HOST}/")
    # The metrics from the host (CASEWORK_METRICS_ALLOWED_IPS=127.0.0.1), with the proxied page.
    status, body, _ = _get(f"{base}/metrics", {})
    assert status == 200
    assert 'route="directory:search"' in body
    # The scheduler unit's clock takes its jobs.
    deadline = time.monotonic() + 60
    while not JobLease.objects.filter(job="seal_audit_log", last_succeeded=True).exists():
        assert time.monotonic() < deadline, "the scheduler ran no job"
        time.sleep(0.5)
