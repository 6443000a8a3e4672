"""Production refuses to start without its secrets; secrets may come from files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from casework.environment import env_bool, env_int, env_list, env_secret

ROOT = Path(__file__).resolve().parents[3]
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
