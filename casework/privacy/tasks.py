"""Background work of privacy. Arguments are ids (JSON), never model instances."""

from django_tasks import task

from casework.privacy import export_archive


@task()
def build_data_export(*, export_id: str) -> None:
    """Build and seal one person's export archive."""
    export_archive.build_export(export_id=export_id)
