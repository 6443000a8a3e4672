from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.privacy.audit import find_first_break
from casework.privacy.models import AuditChainHead


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; name the first changed, removed or inserted event."

    def handle(self, *args: Any, **options: Any) -> None:
        problem = find_first_break()
        if problem is not None:
            raise CommandError(f"Audit chain broken: {problem.explanation} ({problem.kind}).")
        head = AuditChainHead.objects.filter(id=1).first()
        count = head.seq if head else 0
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} events verified."))
