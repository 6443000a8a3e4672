from typing import Any

from django.core.management.base import BaseCommand

from casework.scheduling.tasks import send_due_reminders


class Command(BaseCommand):
    help = (
        "Send every appointment reminder that is due and unsent. Each reminder has its own "
        "task at its time; this is for task backends that cannot defer, and for lost tasks."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_due_reminders.call()
        self.stdout.write(f"Sent {sent} reminders.")
