"""The database task queue in tests.

The tests' settings run each task as it is queued (the immediate backend). A test about what
the queue holds, or about a task written with the change that queued it, switches to the
queue the deployed settings configure, ``DATABASE_TASKS``, and runs its worker once
(``run_queued_tasks``) where the worker would have looked at the queue."""

from typing import Any

from django.core.management import call_command

DATABASE_TASKS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend"}
}


def run_queued_tasks() -> None:
    """Every task queued by now, run once by the worker as the deployed one runs them."""
    call_command("db_worker", batch=True, no_startup_delay=True)
