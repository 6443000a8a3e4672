from typing import Any

from django.core.management.base import BaseCommand

from casework.events.catalogue import KINDS
from casework.events.subscribers import subscribers_of


class Command(BaseCommand):
    help = "Print every domain event and who reacts to it, in the order the relay runs them."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, kind in sorted(KINDS.items()):
            self.stdout.write(f"{name} ({kind.__name__}): {kind.summary()}")
            reactions = subscribers_of(kind)
            if not reactions:
                self.stdout.write("    (no reactions)")
            for subscriber in reactions:
                self.stdout.write(f"    -> {subscriber.name}: {subscriber.does}")
