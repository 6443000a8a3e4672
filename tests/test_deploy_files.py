"""The deployment files stay true to the code: the compose file parses, and every unit, the
Dockerfile and the compose file start commands, modules and variables that exist.

Nothing is built or started here (no Docker on CI); what can drift is checked instead: a
management command renamed, an ASGI/WSGI module moved, a variable the settings no longer
read, a file the Dockerfile copies that is gone, a guide naming a file that is not there."""

import configparser
import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
GUIDES = sorted((ROOT / "docs").glob("*.md"))
DEPLOY = ROOT / "deploy"
# Read by libraries or the processes themselves rather than by casework/settings.py.
OTHER_VARIABLES = {
    "PROMETHEUS_MULTIPROC_DIR",
    "MALLOC_ARENA_MAX",  # glibc's
    "DJANGO_SETTINGS_MODULE",
    "CASEWORK_BACKUP_DIR",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PIP_NO_CACHE_DIR",
}


def _settings_source() -> str:
    return (ROOT / "casework" / "settings.py").read_text(encoding="utf-8")


def assert_variable_is_read(name: str) -> None:
    if name in OTHER_VARIABLES:
        return
    source = _settings_source()
    if f'"{name}"' in source:
        return
    # NAME_FILE: the file holding a secret read by env_secret("NAME", ...).
    base = name.removesuffix("_FILE")
    assert name.endswith("_FILE"), f"{name} is set but casework/settings.py never reads it"
    assert re.search(rf'env_secret\(\s*"{base}"', source), f"{base} is not read as a secret"


def assert_command_exists(argv: list[str]) -> None:
    """``python manage.py NAME``, ``granian ... module:app`` or a script of ours."""
    program = Path(argv[0]).name
    if program in {"python", "python3"}:
        assert argv[1] == "manage.py"
        assert argv[2] in get_commands(), f"no management command {argv[2]!r}"
    elif program == "granian":
        interface = argv[argv.index("--interface") + 1]
        target = next(arg for arg in argv if ":" in arg and not arg.startswith("-"))
        module, attribute = target.split(":")
        assert {"wsgi": "wsgi", "asginl": "asgi", "asgi": "asgi"}[interface] in module
        assert hasattr(importlib.import_module(module), attribute), target
    elif argv[0].startswith("/srv/casework/deploy/"):
        assert (ROOT / argv[0].removeprefix("/srv/casework/")).exists(), argv[0]
    else:
        pytest.fail(f"unknown program {argv[0]!r}")


class _Repeated(dict[str, Any]):
    """A unit's section as systemd reads it: a key given on several lines (``Environment=``,
    ``ExecStartPre=``) adds up, one value per line, rather than the last line winning."""

    def __setitem__(self, key: str, value: Any) -> None:
        # While reading, configparser stores each line's value as a one-item list.
        if isinstance(value, list) and isinstance(self.get(key), list):
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(
        strict=False,
        interpolation=None,
        dict_type=_Repeated,
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_each_systemd_unit_starts_something_that_exists(unit: Path) -> None:
    service = _unit(unit)["Service"]
    argv = shlex.split(service["ExecStart"])
    assert_command_exists(argv)
    for line in service.get("Environment", "").splitlines():
        if line.strip():
            assert_variable_is_read(line.split("=", 1)[0])
    assert service["EnvironmentFile"] == "/etc/casework/casework.env"


def test_a_key_on_several_lines_adds_up_as_systemd_reads_it() -> None:
    """The web unit sets two variables on two Environment= lines; read as one, the metrics
    directory was lost and each web worker counted only its own requests."""
    environment = _unit(ROOT / "deploy" / "systemd" / "casework-web.service")["Service"]
    names = [line.split("=", 1)[0] for line in environment["Environment"].splitlines()]
    assert names == ["PROMETHEUS_MULTIPROC_DIR", "MALLOC_ARENA_MAX"]


def test_the_target_starts_the_four_processes() -> None:
    wants = _unit(ROOT / "deploy" / "systemd" / "casework.target")["Unit"]["Wants"].split()
    assert wants == [
        "casework-web.service",
        "casework-live.service",
        "casework-worker.service",
        "casework-scheduler.service",
    ]
    for name in wants:
        assert (ROOT / "deploy" / "systemd" / name).exists()


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_compose_file_runs_the_site_on_postgresql_and_redis() -> None:
    services = _compose()["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("migrate", "web", "live", "worker", "scheduler"):
        service = services[name]
        assert service["build"] == "."
        assert_command_exists(service["command"])
        environment = service["environment"]
        assert environment["CASEWORK_ENV"] == "production"
        assert environment["DATABASE_URL_FILE"].startswith("/run/secrets/")
        assert environment["REDIS_URL"].startswith("redis://")
        for variable in environment:
            assert_variable_is_read(variable)
        for secret in service["secrets"]:
            assert secret in _compose()["secrets"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


def test_the_compose_files_secrets_are_the_ones_production_requires() -> None:
    environment = _compose()["services"]["web"]["environment"]
    for required in ("SECRET_KEY", "CASEWORK_VAULT_KEY", "CASEWORK_AUDIT_KEY", "DATABASE_URL"):
        assert f"{required}_FILE" in environment
        assert required not in environment
    assert "ALLOWED_HOSTS" in environment
    # No password stands in the file itself: the database's is a secret too.
    database = _compose()["services"]["db"]
    assert "POSTGRES_PASSWORD" not in database["environment"]
    assert database["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert "db_password" in database["secrets"]


def test_the_dockerfile_copies_files_that_exist_and_runs_the_web_process() -> None:
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    assert lines[next(i for i, line in enumerate(lines) if line.strip())].startswith("# ")
    assert any(line.startswith("FROM python:3.11") for line in lines)
    for line in lines:
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    [cmd] = [line for line in lines if line.startswith("CMD ")]
    argv = yaml.safe_load(cmd.removeprefix("CMD "))
    assert_command_exists(argv)
    exposed = {port for line in lines if line.startswith("EXPOSE ") for port in line.split()[1:]}
    assert exposed == {"8000", "8001"}
    for line in lines:
        for name in re.findall(r"\b([A-Z][A-Z0-9_]{2,})=", line):
            assert_variable_is_read(name)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_file_a_guide_names_exists(guide: Path) -> None:
    text = guide.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:deploy|docs|casework|tests)/[\w./-]+)`", text))
    named |= {name for name in ("Dockerfile", "compose.yaml") if f"`{name}`" in text}
    for path in named:
        assert (ROOT / path).exists(), f"{guide.name} names {path}, which does not exist"
    for command in re.findall(r"manage\.py ([a-z_]+)", text):
        assert command in get_commands(), f"{guide.name} names manage.py {command}"


def test_the_guides_are_there() -> None:
    assert {guide.name for guide in GUIDES} >= {
        "linux-host.md",
        "containers.md",
        "scaling.md",
        "backups.md",
        "observability.md",
    }


def _libpq_environment(database_url: str) -> subprocess.CompletedProcess[str]:
    script = DEPLOY / "libpq_environment.sh"
    return subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        ["/bin/bash", "-ec", f'source "{script}"; env | grep ^PG | sort'],
        env={"DATABASE_URL": database_url, "PATH": os.environ["PATH"], "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )


def test_backups_hand_the_database_to_libpq_through_its_environment() -> None:
    """backup.sh and restore.sh never put DATABASE_URL (and its password) on a command line,
    where the process list shows it to every user of the host."""
    done = _libpq_environment(
        "postgres://case%40work:s3cr%2Ft@db.internal:6432/casework?sslmode=require"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "PGDATABASE=casework",
        "PGHOST=db.internal",
        "PGPASSWORD=s3cr/t",
        "PGPORT=6432",
        "PGSSLMODE=require",
        "PGUSER=case@work",
    ]
    for script in ("backup.sh", "restore.sh"):
        text = (DEPLOY / script).read_text()
        assert "libpq_environment.sh" in text
        assert '--dbname="$DATABASE_URL"' not in text


def test_a_database_parameter_libpq_would_not_get_stops_the_backup() -> None:
    done = _libpq_environment("postgres://casework@localhost/casework?target_session_attrs=any")
    assert done.returncode != 0
    assert "target_session_attrs" in done.stderr
