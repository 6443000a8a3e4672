from django.utils import timezone

from casework.registry.register_sources import queue_due_rereads
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Re-read every regulator's register whose source is due (set on the register imports "
        "page): each reading goes through the import service, as an upload does, and is applied "
        "when every row reads and nothing needs an officer's confirmation."
    )

    def run_round(self) -> tuple[str, bool]:
        queued = queue_due_rereads(now=timezone.now())
        return f"Queued {queued} register re-reads.", queued > 0
