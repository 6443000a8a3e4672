"""Background work of privacy. Arguments are ids (JSON), never model instances."""

from django_tasks import task

from casework.emails import send_now
from casework.privacy import export_archive
from casework.privacy.notices import compose_export_ready
from casework.privacy.rights_models import DataExport, ExportStatus


@task()
def build_data_export(*, export_id: str) -> None:
    """Build and seal one person's export archive."""
    export_archive.build_export(export_id=export_id)


@task()
def send_export_ready(*, export_id: str) -> None:
    """Tell the person their export is ready, if it still is (not expired or erased since)."""
    found = (
        DataExport.objects.select_related("person")
        .filter(pk=export_id, status=ExportStatus.READY)
        .first()
    )
    if found is None or not found.person.is_active or not found.person.email:
        return
    send_now(compose_export_ready(found.person), kind="privacy.export_ready")
