"""Sealing again, in the vault's format, the secrets stored before the vault existed.

TOTP secrets and recovery-code seeds (allauth's ``Authenticator.data``) and the registry's
signing keys were sealed as "v1:" under a key derived from the vault key itself, so they would
stop opening once that key is removed. ``rotate_vault_kek`` calls ``reseal_legacy_secrets`` to
move each of them onto a data key ("v2:"); after that only data keys depend on the KEK.
"""

import logging
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.db import transaction

from casework.accounts.adapters import MFAAdapter
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.credentials import keys
from casework.registry.credentials.models import SigningKey
from casework.vault import legacy
from casework.vault.errors import VaultError

logger = logging.getLogger("casework.vault")

# The members of Authenticator.data that allauth passes through MFAAdapter.encrypt.
_MFA_SEALED_MEMBERS = ("secret", "seed")
_MFA_SEALED_LISTS = ("migrated_codes",)


@dataclass(frozen=True)
class Resealed:
    mfa_secrets: int
    signing_keys: int
    failed: int


def _is_legacy(value: object) -> bool:
    return isinstance(value, str) and legacy.is_legacy(value)


def _has_legacy_members(data: dict[str, object]) -> bool:
    lists = [data.get(name) for name in _MFA_SEALED_LISTS]
    return any(_is_legacy(data.get(name)) for name in _MFA_SEALED_MEMBERS) or any(
        isinstance(items, list) and any(_is_legacy(item) for item in items) for items in lists
    )


def _reseal_mfa_secrets() -> tuple[int, int]:
    adapter = MFAAdapter()

    def again(value: object) -> object:
        if isinstance(value, str) and _is_legacy(value):
            return adapter.encrypt(adapter.decrypt(value))
        return value

    resealed = failed = 0
    candidates = Authenticator.objects.filter(
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).values_list("pk", "data")
    for pk, data in candidates:
        if not isinstance(data, dict) or not _has_legacy_members(data):
            continue
        try:
            with transaction.atomic():
                authenticator = Authenticator.objects.select_for_update().get(pk=pk)
                data = dict(authenticator.data)
                for name in _MFA_SEALED_MEMBERS:
                    if name in data:
                        data[name] = again(data[name])
                for name in _MFA_SEALED_LISTS:
                    if isinstance(data.get(name), list):
                        data[name] = [again(item) for item in data[name]]
                authenticator.data = data
                authenticator.save(update_fields=["data"])
        except VaultError as error:
            logger.error("vault: MFA authenticator %s left in the former format: %s", pk, error)
            failed += 1
            continue
        resealed += 1
    return resealed, failed


def _reseal_signing_keys() -> tuple[int, int]:
    resealed = failed = 0
    candidates = SigningKey.objects.filter(
        private_key_encrypted__startswith=legacy.PREFIX
    ).values_list("pk", flat=True)
    for pk in candidates:
        try:
            with transaction.atomic():
                key = SigningKey.objects.select_for_update().get(pk=pk)
                # The registry's own codec: it reads "v1:" and writes the vault's "v2:".
                key.private_key_encrypted = keys._seal(
                    keys._open(key.private_key_encrypted, key.kid), key.kid
                )
                key.save(update_fields=["private_key_encrypted"])
        except VaultError as error:
            logger.error("vault: signing key %s left in the former format: %s", pk, error)
            failed += 1
            continue
        resealed += 1
    return resealed, failed


def reseal_legacy_secrets() -> Resealed:
    """Seal every "v1:" secret again as "v2:"; idempotent. Audited when anything changed."""
    mfa_secrets, mfa_failed = _reseal_mfa_secrets()
    signing_keys, keys_failed = _reseal_signing_keys()
    result = Resealed(mfa_secrets, signing_keys, mfa_failed + keys_failed)
    if mfa_secrets or signing_keys:
        record_event(
            action=actions.VAULT_LEGACY_SECRETS_RESEALED,
            detail={"mfa_secrets": mfa_secrets, "signing_keys": signing_keys},
        )
    return result
