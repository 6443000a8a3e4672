"""What privacy does when something happened (see casework/events/subscribers.py)."""

from casework.events import catalogue as e
from casework.privacy.tasks import send_export_ready


def tell_export_ready(event: e.ExportReady) -> None:
    send_export_ready.enqueue(export_id=event.export_id)
