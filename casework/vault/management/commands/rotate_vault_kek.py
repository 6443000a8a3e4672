"""Re-wrap every data key under the current key encryption key (KEK), online:

    1. set CASEWORK_VAULT_KEY to the new key and put the old one in CASEWORK_VAULT_RETIRED_KEYS;
    2. restart the site and workers (they read data keys under either key meanwhile);
    3. manage.py rotate_vault_kek
    4. remove the old key from CASEWORK_VAULT_RETIRED_KEYS and restart again.

Content is not re-encrypted: only each data key's wrapping changes. Secrets stored before the
vault ("v1:" TOTP secrets and signing keys) are sealed again onto data keys. Running it again
finds nothing to do. Exits non-zero while any live data key is still under another KEK.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.vault.key_service import get_key_service
from casework.vault.models import DataKey
from casework.vault.resealing import reseal_legacy_secrets
from casework.vault.services import rewrap_data_keys


class Command(BaseCommand):
    help = (
        "Re-wrap every data key under the current CASEWORK_VAULT_KEY (in batches, online) and "
        "seal former-format secrets onto data keys; afterwards the retired keys can be removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="data keys per transaction (500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        current = get_key_service().current_kek_id()
        rewrapped = rewrap_data_keys(batch_size=batch_size)
        self.stdout.write(f"Re-wrapped {rewrapped} data keys under key encryption key {current}.")
        resealed = reseal_legacy_secrets()
        self.stdout.write(
            f"Sealed onto data keys: {resealed.mfa_secrets} MFA secrets, "
            f"{resealed.signing_keys} signing keys."
        )
        behind = DataKey.objects.filter(destroyed_at__isnull=True).exclude(kek_id=current).count()
        problems = []
        if behind:
            problems.append(
                f"{behind} data keys are still under another key encryption key: either another "
                "transaction held them (run the command again) or their key is in neither "
                "CASEWORK_VAULT_KEY nor CASEWORK_VAULT_RETIRED_KEYS (the log names them)."
            )
        if resealed.failed:
            problems.append(
                f"{resealed.failed} former-format secrets did not open with any configured key "
                "(the log names them)."
            )
        if problems:
            raise CommandError(" ".join(problems) + " Keep the retired keys until this passes.")
        self.stdout.write(
            self.style.SUCCESS(
                "Every live data key is under the current key: the retired keys can be removed "
                "from CASEWORK_VAULT_RETIRED_KEYS."
            )
        )
