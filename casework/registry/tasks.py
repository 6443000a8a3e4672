"""Background work of the registry: checking and applying register imports, and the scheduled
re-reads of registers.

Arguments are ids (JSON), never model instances; each task calls the service that does the work.
"""

from django_tasks import task

from casework.accounts.models import User
from casework.registry import register_import, register_sources


@task()
def check_register_import_task(register_import_id: int) -> None:
    register_import.check_register_import(register_import_id=register_import_id)


@task()
def apply_register_import_task(register_import_id: int, applied_by_id: int | None) -> None:
    applied_by = User.objects.filter(pk=applied_by_id).first() if applied_by_id else None
    register_import.apply_register_import(
        register_import_id=register_import_id, applied_by=applied_by
    )


@task()
def reread_register_source_task(source_id: int) -> None:
    register_sources.reread_register_source(source_id=source_id)
