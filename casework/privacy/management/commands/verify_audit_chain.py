from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.privacy.models import AuditEvent, AuditSealedEvent
from casework.privacy.sealing import unsealed_events
from casework.privacy.verification import check_anchors, find_first_break


class Command(BaseCommand):
    help = (
        "Verify the audit log's seals and anchors; name the first changed, removed or "
        "inserted event."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problem = find_first_break()
        if problem is not None:
            raise CommandError(f"Audit log broken: {problem.explanation} ({problem.kind}).")
        anchor_lines, anchor_problems = check_anchors()
        if anchor_problems:
            raise CommandError(
                "Audit log anchors disagree: "
                + "; ".join(problem.explanation for problem in anchor_problems)
                + "."
            )
        sealed = AuditSealedEvent.objects.count()
        waiting = unsealed_events().count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log intact: {sealed} sealed events verified, {waiting} waiting for "
                f"their seal, {anchor_lines} anchors agree "
                f"({AuditEvent.objects.count()} events in all)."
            )
        )
