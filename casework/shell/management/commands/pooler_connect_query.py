"""The ``connect_query`` a transaction pooler runs on each server connection it opens.

Behind PgBouncer in transaction mode (``CASEWORK_DB_TRANSACTION_POOLING=true``) Casework cannot
send its server settings (statement and lock timeouts, no JIT, no parallel workers) when it
connects: the pooler refuses the ``options`` startup parameter. The pooler sets them instead,
from this line, so they come from the same settings (``CASEWORK_DB_STATEMENT_TIMEOUT``,
``CASEWORK_DB_LOCK_TIMEOUT``) as without a pooler.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


def connect_query() -> str:
    return " ".join(
        f"SET {name} = {value};" for name, value in settings.DATABASE_SERVER_SETTINGS.items()
    )


class Command(BaseCommand):
    help = "Print the connect_query for PgBouncer's [databases] entry (docs/scaling.md)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(connect_query())
