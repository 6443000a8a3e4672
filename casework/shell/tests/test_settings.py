"""Production refuses to start without its secrets; secrets may come from files."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from casework.environment import env_bool, env_int, env_list, env_secret

ROOT = Path(__file__).resolve().parents[3]
# What each PostgreSQL connection asks of the server with 20 s and 5 s timeouts configured.
SERVER_SETTINGS = (
    "-c statement_timeout=20000 -c lock_timeout=5000 -c jit=off"
    " -c max_parallel_workers_per_gather=0"
)
PRODUCTION_ENV = {
    "CASEWORK_ENV": "production",
    "SECRET_KEY": "x" * 60,
    "DATABASE_URL": "sqlite:///:memory:",
    "ALLOWED_HOSTS": "casework.example",
    "CASEWORK_VAULT_KEY": "vault-key-for-this-test",
    "CASEWORK_AUDIT_KEY": "audit-key-for-this-test-of-32-characters",
}


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "SECRET"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "casework.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_starts_with_its_secrets() -> None:
    assert "started" in _start(PRODUCTION_ENV).stdout


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CASEWORK_VAULT_KEY", "CASEWORK_AUDIT_KEY"],
)
def test_production_refuses_to_start_without_each_secret(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _start(env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize("audit_key", ["short", "vault-key-for-this-test"])
def test_production_refuses_an_audit_key_too_short_or_the_vault_s(audit_key: str) -> None:
    result = _start({**PRODUCTION_ENV, "CASEWORK_AUDIT_KEY": audit_key})
    assert result.returncode != 0
    assert "CASEWORK_AUDIT_KEY must be at least 32 characters and differ" in result.stderr


def test_a_secret_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.setenv("CW_TEST_SECRET_FILE", str(secret_file))
    assert env_secret("CW_TEST_SECRET", required=True) == "from-a-file"


def test_a_secret_given_twice_or_from_a_missing_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CW_TEST_SECRET", "inline")
    monkeypatch.setenv("CW_TEST_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("CW_TEST_SECRET", required=True)
    monkeypatch.delenv("CW_TEST_SECRET")
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_secret("CW_TEST_SECRET", required=True)


def test_typed_readers_fail_loudly_on_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CW_TEST_BOOL", "perhaps")
    monkeypatch.setenv("CW_TEST_INT", "thirty")
    monkeypatch.setenv("CW_TEST_LIST", " a, b ,,c ")
    with pytest.raises(ImproperlyConfigured, match="CW_TEST_BOOL"):
        env_bool("CW_TEST_BOOL")
    with pytest.raises(ImproperlyConfigured, match="CW_TEST_INT"):
        env_int("CW_TEST_INT", 1)
    assert env_list("CW_TEST_LIST") == ["a", "b", "c"]


def test_a_whole_number_below_its_minimum_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CW_TEST_INT", "-1")
    with pytest.raises(ImproperlyConfigured, match="CW_TEST_INT must be 0 or more"):
        env_int("CW_TEST_INT", 3, minimum=0)
    monkeypatch.setenv("CW_TEST_INT", "0")
    assert env_int("CW_TEST_INT", 3, minimum=0) == 0
    monkeypatch.delenv("CW_TEST_INT")
    assert env_int("CW_TEST_INT", 3, minimum=1) == 3


def _settings_of(env: dict[str, str], *names: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "SECRET"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    code = "import django; django.setup(); from django.conf import settings\n" + "".join(
        f"print(repr(settings.{name}))\n" for name in names
    )
    result = subprocess.run(  # noqa: S603  (our interpreter, code written above)
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "casework.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_limits_an_operator_tunes_come_from_the_environment() -> None:
    env = {
        "CASEWORK_MESSAGES_PER_MINUTE": "7",
        "CASEWORK_ENQUIRIES_PER_DAY": "2",
        "CASEWORK_ATTACHMENT_MAX_MB": "3",
        "CASEWORK_PHOTO_MAX_MB": "1",
        "CASEWORK_EVIDENCE_MAX_MB": "4",
    }
    assert _settings_of(
        env,
        "MESSAGING_MESSAGES_PER_MINUTE",
        "MESSAGING_ENQUIRIES_PER_DAY",
        "MESSAGING_ATTACHMENT_MAX_BYTES",
        "DIRECTORY_PHOTO_MAX_BYTES",
        "REGISTRY_EVIDENCE_MAX_BYTES",
    ) == ["7", "2", str(3 * 1024 * 1024), str(1024 * 1024), str(4 * 1024 * 1024)]


def test_a_limit_of_zero_is_refused_with_its_name() -> None:
    result = _start({"CASEWORK_MESSAGES_PER_MINUTE": "0"})
    assert result.returncode != 0
    assert "CASEWORK_MESSAGES_PER_MINUTE must be 1 or more" in result.stderr


def test_postgresql_connections_carry_the_timeouts() -> None:
    env = {
        "DATABASE_URL": "postgres://casework@db.example:5432/casework",
        "CASEWORK_DB_STATEMENT_TIMEOUT": "20",
        "CASEWORK_DB_LOCK_TIMEOUT": "5",
        "CASEWORK_DB_CONNECT_TIMEOUT": "4",
    }
    engine, options, answer = _settings_of(
        env,
        "DATABASES['default']['ENGINE']",
        "DATABASES['default']['OPTIONS']",
        "DATABASE_ANSWER_SECONDS",
    )
    assert engine == "'casework.shell.postgresql'"
    assert SERVER_SETTINGS in options
    assert "'connect_timeout': 4" in options
    assert answer == "25"


def test_the_replica_carries_the_timeouts_and_keeps_its_own_options() -> None:
    env = {
        "DATABASE_URL": "postgres://casework@db.example:5432/casework?sslmode=disable",
        "DATABASE_REPLICA_URL": "postgres://casework@replica.example:5432/casework?sslmode=require",
        "CASEWORK_DB_STATEMENT_TIMEOUT": "20",
        "CASEWORK_DB_LOCK_TIMEOUT": "5",
    }
    engine, options = _settings_of(
        env, "DATABASES['replica']['ENGINE']", "DATABASES['replica']['OPTIONS']"
    )
    assert engine == "'casework.shell.postgresql'"
    assert SERVER_SETTINGS in options
    assert "'sslmode': 'require'" in options


def test_a_database_urls_own_server_settings_are_kept_beside_the_timeouts() -> None:
    env = {
        "DATABASE_URL": (
            "postgres://casework@db.example:5432/casework?options=-c%20search_path%3Dcasework"
        ),
        "CASEWORK_DB_STATEMENT_TIMEOUT": "20",
        "CASEWORK_DB_LOCK_TIMEOUT": "5",
    }
    (options,) = _settings_of(env, "DATABASES['default']['OPTIONS']['options']")
    assert options == f"'-c search_path=casework {SERVER_SETTINGS}'"


def test_behind_a_transaction_pooler_the_timeouts_are_not_sent_and_no_cursor_outlives_one() -> None:
    env = {
        "DATABASE_URL": "postgres://casework@pooler.example:6432/casework?sslmode=disable",
        "DATABASE_REPLICA_URL": "postgres://casework@pooler.example:6432/replica",
        "CASEWORK_DB_TRANSACTION_POOLING": "true",
        "CASEWORK_DB_CONNECT_TIMEOUT": "4",
    }
    options, cursors, replica_options, replica_cursors = _settings_of(
        env,
        "DATABASES['default']['OPTIONS']",
        "DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS']",
        "DATABASES['replica']['OPTIONS']",
        "DATABASES['replica']['DISABLE_SERVER_SIDE_CURSORS']",
    )
    assert options == "{'sslmode': 'disable', 'connect_timeout': 4}"
    assert replica_options == "{'connect_timeout': 4}"
    assert (cursors, replica_cursors) == ("True", "True")


def test_workers_starting_together_on_a_fresh_machine_share_one_set_of_secrets(
    tmp_path: Path,
) -> None:
    # Two web workers that each generated their own secret would refuse each other's sessions
    # and seal data the other cannot open; one that read a half-written file had none at all.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "SECRET"))}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "casework.settings"}
    env["CASEWORK_VAR_DIR"] = str(tmp_path)
    start = time.time() + 3  # every worker has imported Python by then and reads settings at once
    show = (
        f"import time; time.sleep(max(0, {start} - time.time())); "
        "from django.conf import settings; "
        "print(settings.SECRET_KEY, settings.VAULT_KEY, settings.AUDIT_KEY)"
    )
    workers = [
        subprocess.Popen(  # noqa: S603  (our own interpreter, a fixed line)
            [sys.executable, "-c", show], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    seen = {worker.communicate(timeout=60)[0].strip() for worker in workers}
    assert len(seen) == 1
    secret_key, vault_key, audit_key = seen.pop().split(" ")
    assert secret_key == (tmp_path / "development-secret-key").read_text().strip()
    assert len(secret_key) > 50
    assert vault_key
    assert audit_key
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
