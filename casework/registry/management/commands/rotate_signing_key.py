from typing import Any

from django.core.management.base import BaseCommand

from casework.registry.credentials.keys import rotate_signing_key


class Command(BaseCommand):
    help = (
        "Make a new credential signing key the active one. The old key is retired but stays "
        "in the DID document, so credentials it signed still verify. Prints the new key id."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        key = rotate_signing_key()
        self.stdout.write(key.kid)
