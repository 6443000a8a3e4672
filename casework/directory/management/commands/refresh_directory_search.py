from typing import Any

from django.core.management.base import BaseCommand

from casework.directory.services import refresh_search_documents


class Command(BaseCommand):
    help = (
        "Rebuild the directory's search documents: run after the specialty vocabulary or "
        "its translations change (profiles are otherwise indexed when they are saved)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = refresh_search_documents()
        self.stdout.write(f"Search documents rebuilt: {changed} changed.")
