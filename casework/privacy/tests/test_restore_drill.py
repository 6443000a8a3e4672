"""The restore drill: back up with deploy/backup.sh, restore into a fresh database with
deploy/restore.sh, and find the site whole there (PostgreSQL only: the scripts drive pg_dump).

On the restored database, in a process of its own with the site's keys: the audit chain
verifies, sealed messages and notes open with the vault key, what an erasure destroyed stays
unreadable, and the site answers (``check_restore``)."""

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from casework.messaging.models import Message
from casework.privacy import erasure
from casework.privacy.rights_models import ErasureStatus
from casework.privacy.tests.conftest import Practice
from casework.shell.postgresql.patience import answer_within

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the backup scripts drive pg_dump"
    ),
    pytest.mark.django_db(transaction=True),
]

# What the restored process prints about the practice's rows (ids filled in by the test).
PROBE = """
import json
from casework.care.models import CaseNote
from casework.messaging.models import Message
from casework.vault.errors import VaultError

def body(message_id):
    try:
        return Message.objects.select_related("conversation__data_key").get(pk=message_id).body
    except VaultError as error:
        return type(error).__name__

note = CaseNote.objects.select_related("case__data_key").get(pk=NOTE)
print(json.dumps({
    "kept": [body(pk) for pk in KEPT],
    "erased": [body(pk) for pk in ERASED],
    "note": note.content["data"],
}))
"""


def _url(name: str) -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{user}@"
    return f"postgresql://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _env(database: str, tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "DATABASE"))}
    return {
        **keep,
        "DATABASE_URL": _url(database),
        "CASEWORK_VAULT_KEY": settings.VAULT_KEY,
        "CASEWORK_AUDIT_KEY": settings.AUDIT_KEY,
        "SECRET_KEY": settings.SECRET_KEY,
        "CASEWORK_VAR_DIR": str(tmp_path / "var"),
        "CASEWORK_AUDIT_ANCHOR": "casework.privacy.anchors.NullAnchor",
        "PYTHON": sys.executable,
    }


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603  (our own scripts, our own arguments)
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _unhurried(statement: str) -> None:
    """Creating or dropping a database, without the site's limits on a statement's time: on a
    busy machine either can outlast them (it writes and removes whole directories). Both
    limits: the server's (statement_timeout; neither statement can run inside a transaction,
    where SET LOCAL would hold) and our backend's wait for the answer, past which it closes the
    connection (casework/shell/postgresql/base.py)."""
    with answer_within(0), connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        try:
            cursor.execute(statement)
        finally:
            cursor.execute("RESET statement_timeout")


def test_a_backup_restores_whole_into_a_fresh_database(
    practice: Practice, frozen: Any, tmp_path: Path
) -> None:
    # Kit asks to be erased; the clock erases her after the cooling-off period.
    request = erasure.request_erasure(person=practice.other_client)
    frozen.move_to(request.erase_after + timedelta(minutes=1))
    assert erasure.erase_due() == 1
    request.refresh_from_db()
    assert request.status == ErasureStatus.DONE
    call_command("seal_audit_log")

    kept = list(
        Message.objects.filter(conversation=practice.conversation)
        .order_by("seq")
        .values_list("pk", flat=True)
    )
    erased = list(
        Message.objects.filter(conversation=practice.other_conversation)
        .order_by("seq")
        .values_list("pk", flat=True)
    )
    assert kept
    assert erased

    source = connection.settings_dict["NAME"]
    backup = _run(["bash", "deploy/backup.sh", str(tmp_path / "backups")], _env(source, tmp_path))
    dump = Path(backup.stdout.strip().splitlines()[-1])
    assert dump.exists()
    assert dump.stat().st_size > 0
    assert b"ROBIN-SAYS" not in dump.read_bytes()  # sealed: ciphertext only

    fresh = f"casework_drill_{uuid.uuid4().hex[:12]}"
    _unhurried(f'CREATE DATABASE "{fresh}"')
    try:
        env = _env(fresh, tmp_path)
        restored = _run(["bash", "deploy/restore.sh", str(dump)], env)
        assert "Audit log intact" in restored.stdout
        assert "Restore checked" in restored.stdout

        # Restoring over data is refused.
        again = subprocess.run(  # noqa: S603
            ["bash", "deploy/restore.sh", str(dump)],  # noqa: S607
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert again.returncode == 3

        probe = (
            PROBE.replace("KEPT", json.dumps([str(pk) for pk in kept]))
            .replace("ERASED", json.dumps([str(pk) for pk in erased]))
            .replace("NOTE", json.dumps(str(practice.note.pk)))
        )
        read = _run([sys.executable, "manage.py", "shell", "-c", probe], env)
        found = json.loads(read.stdout.strip().splitlines()[-1])
        assert found["kept"][0].startswith("ROBIN-SAYS")
        assert found["kept"][1].startswith("AMARA-TO-ROBIN")
        assert found["note"] == "AMARA-NOTE slept badly"
        assert set(found["erased"]) == {"DataKeyDestroyed"}

        # The wrong vault key: the check refuses the restore.
        wrong = subprocess.run(
            [sys.executable, "manage.py", "check_restore"],
            env={**env, "CASEWORK_VAULT_KEY": "not-the-vault-key-of-this-dump"},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert wrong.returncode != 0
        assert "do not open with this" in wrong.stderr
    finally:
        _unhurried(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
