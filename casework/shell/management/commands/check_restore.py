"""After a restore (deploy/restore.sh runs it): is this database whole, and does it open?

1. The audit log's seals and anchors verify (``verify_audit_chain``).
2. Every data key that was not destroyed opens with this site's vault key: sealed messages,
   notes and details are readable again. One that does not open means the vault key given is
   not the one the dump was made under.
3. Every destroyed key (an erased person's, a closed conversation's) is still destroyed: its
   wrapped key is empty, so what it sealed stays unreadable whatever key is given.
4. The site answers: the home page, the directory and /healthz through Django's own handler.

Counts only: nothing read is printed.
"""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.test import Client

from casework.vault.errors import VaultError
from casework.vault.key_service import get_key_service
from casework.vault.models import DataKey

SMOKE_PAGES = ("/healthz", "/", "/find/")


class Command(BaseCommand):
    help = "Check a restored database: audit seals, vault keys, erased keys, and the site."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("verify_audit_chain", stdout=self.stdout, stderr=self.stderr)

        service = get_key_service()
        opened = failed = 0
        for key in DataKey.objects.filter(destroyed_at__isnull=True).iterator():
            try:
                service.unwrap(key.kek_id, bytes(key.wrapped_key), data_key_id=key.id)
            except VaultError:
                failed += 1
            else:
                opened += 1
        if failed:
            raise CommandError(
                f"{failed} of {opened + failed} data keys do not open with this "
                "CASEWORK_VAULT_KEY (or CASEWORK_VAULT_RETIRED_KEYS): restore the vault key "
                "the dump was made under."
            )
        destroyed = DataKey.objects.filter(destroyed_at__isnull=False)
        revived = destroyed.filter(~Q(wrapped_key=b"")).count()
        if revived:
            raise CommandError(f"{revived} destroyed data keys hold key material again.")

        host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
        browser = Client(HTTP_HOST=host, raise_request_exception=False)
        for page in SMOKE_PAGES:
            status = browser.get(page, secure=True).status_code
            if status != 200:
                raise CommandError(f"{page} answered {status} on the restored database.")

        self.stdout.write(
            self.style.SUCCESS(
                f"Restore checked: {opened} data keys open with this vault key, "
                f"{destroyed.count()} destroyed keys stay destroyed, "
                f"{', '.join(SMOKE_PAGES)} answer 200."
            )
        )
