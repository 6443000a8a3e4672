from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from casework.accounts.models import Role, User
from casework.scheduling.freshness import refresh_next_free


class Command(BaseCommand):
    help = (
        "Recompute every practitioner's next free slot and queue its next refresh (after a "
        "restore, or when the task queue was emptied)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for practitioner in User.objects.filter(role=Role.PRACTITIONER).iterator():
            with transaction.atomic():
                refresh_next_free(practitioner)
            count += 1
        self.stdout.write(f"Refreshed the next free slot of {count} practitioners.")
