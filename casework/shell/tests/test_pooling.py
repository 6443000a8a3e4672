"""docs/scaling.md's connection pooling, followed as written: PgBouncer (Debian's package;
``.ci/run`` installs it) in transaction mode in front of the test's PostgreSQL, with the
``connect_query`` that ``manage.py pooler_connect_query`` prints, and a web server (granian, as
production runs it) with ``CASEWORK_DB_TRANSACTION_POOLING=true``: pages answer, a message
send is stored whole, and every server connection carries the timeouts. Without the setting,
PgBouncer refuses Casework's connections, which is why the guide asks for it.

On the PostgreSQL + Redis run only (``.ci/run``), as the fault tests.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.messaging.models import Message
from casework.shell.management.commands.pooler_connect_query import connect_query
from casework.testing import messaging
from casework.testing.faults import (
    ROOT,
    database_url_via,
    free_port,
    get,
    on_postgresql_and_redis,
    post_json,
    server_env,
    wait_until_listening,
    web_server,
)

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

pytestmark = [
    on_postgresql_and_redis("the pooling guide is followed on the PostgreSQL + Redis layout"),
    pytest.mark.skipif(not Path(PGBOUNCER).exists(), reason="PgBouncer is not installed"),
    # The server reads what the test wrote: committed, not inside the test's transaction.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def pgbouncer() -> Iterator[int]:
    """PgBouncer in transaction mode on a free port, as docs/scaling.md configures it."""
    db = settings.DATABASES["default"]
    port = free_port()
    user = db.get("USER") or "root"
    # PgBouncer will not run as root: as nobody, it reads its files from a folder anyone may
    # enter (pytest's own are private), and logs to its standard error.
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o755)
        config = Path(folder) / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432}"
            f" connect_query='{connect_query()}'\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            "pool_mode = transaction\ndefault_pool_size = 4\nmax_client_conn = 200\n"
            f"auth_type = trust\nauth_file = {Path(folder) / 'users.txt'}\n"
        )
        (Path(folder) / "users.txt").write_text(f'"{user}" ""\n')
        for written in Path(folder).iterdir():
            written.chmod(0o644)
        as_nobody = ["-u", "nobody"] if os.geteuid() == 0 else []
        process = subprocess.Popen([PGBOUNCER, *as_nobody, str(config)])  # noqa: S603
        try:
            wait_until_listening(process, port, "PgBouncer")
            yield port
        finally:
            process.terminate()
            process.wait(10)


def _run_django(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "PYTEST"))}
    return subprocess.run(  # noqa: S603  (our interpreter, code written in this file)
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "casework.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


SHOW_TIMEOUTS = """
from django.db import connection
from casework.accounts.models import User
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    print(cursor.fetchone()[0])
    cursor.execute("SHOW lock_timeout")
    print(cursor.fetchone()[0])
    cursor.execute("SHOW jit")
    print(cursor.fetchone()[0])
    cursor.execute("SHOW max_parallel_workers_per_gather")
    print(cursor.fetchone()[0])
print(sum(1 for _ in User.objects.order_by("pk").iterator(chunk_size=1)))
"""


def test_with_the_setting_every_connection_through_pgbouncer_carries_the_timeouts(
    pgbouncer: int, tmp_path: Path, client_person: User
) -> None:
    env = {**server_env(database_url_via(pgbouncer), tmp_path)}
    env["CASEWORK_DB_STATEMENT_TIMEOUT"] = "30"
    env["CASEWORK_DB_LOCK_TIMEOUT"] = "10"

    pooled = _run_django({**env, "CASEWORK_DB_TRANSACTION_POOLING": "true"}, SHOW_TIMEOUTS)
    direct = _run_django(env, SHOW_TIMEOUTS)

    assert pooled.returncode == 0, pooled.stderr
    statement, lock, jit, parallel, people = pooled.stdout.split()
    assert (statement, lock, jit, parallel) == ("30s", "10s", "off", "0")
    # iterator() reads in chunks on the client: no server-side cursor to lose between
    # transactions that PgBouncer may give to different server connections.
    assert int(people) == User.objects.count() >= 1
    assert direct.returncode != 0
    assert "unsupported startup parameter: options" in direct.stderr


def test_the_site_serves_pages_and_stores_sends_whole_through_pgbouncer(
    pgbouncer: int, tmp_path: Path, client_person: User, practitioner: User
) -> None:
    conversation = messaging.enquiry(client_person, practitioner)
    token = create_api_token(
        person=practitioner, name="Pooled", scopes=["messaging:write"], days=7, now=timezone.now()
    )[1]
    env = {
        **server_env(database_url_via(pgbouncer), tmp_path),
        "CASEWORK_DB_TRANSACTION_POOLING": "true",
        # The server seals and signs with the test's keys: the rows it reads are the test's.
        "CASEWORK_VAULT_KEY": settings.VAULT_KEY,
        "CASEWORK_AUDIT_KEY": settings.AUDIT_KEY,
    }
    with web_server(env, workers=1, threads=4) as (_, base):
        assert [get(f"{base}{page}")[0] for page in ("/", "/find/", "/readyz")] == [200] * 3
        statuses = [
            post_json(
                f"{base}/api/v1/conversations/{conversation.pk}/messages",
                {"body": f"Pooled update {number}"},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"pool-{number}"},
                timeout=30,
            )[0]
            for number in range(5)
        ]

    assert statuses == [201] * 5
    stored = Message.objects.filter(conversation=conversation, sender=practitioner)
    assert stored.count() == 5
