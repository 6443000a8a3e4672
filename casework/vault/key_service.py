"""Where key encryption keys (KEKs) live, behind a small protocol.

``LocalKeyService`` derives its KEKs from ``settings.VAULT_KEY`` (the one that wraps) and
``settings.VAULT_RETIRED_KEYS`` (still unwrap, never wrap). An external key service (a KMS)
implements the same three methods and is named in ``settings.VAULT_KEY_SERVICE``.

Each wrapped data key is bound to its data key id as associated data, so a wrapped key copied
onto another ``DataKey`` row does not unwrap.
"""

import hashlib
import os
import uuid
from functools import cache
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from casework.vault.errors import DecryptionFailed, KeyEncryptionKeyUnknown

_NONCE_BYTES = 12
_SETTINGS = {"VAULT_KEY", "VAULT_RETIRED_KEYS", "VAULT_KEY_SERVICE"}


class KeyService(Protocol):
    def current_kek_id(self) -> str:
        """The id of the KEK that wraps new data keys."""

    def wrap(self, dek: bytes, *, data_key_id: uuid.UUID) -> tuple[str, bytes]:
        """Wrap a data key under the current KEK: (kek_id, wrapped)."""

    def unwrap(self, kek_id: str, wrapped: bytes, *, data_key_id: uuid.UUID) -> bytes:
        """Unwrap with the KEK named; ``KeyEncryptionKeyUnknown`` when it is not held."""


def _wrapping_aad(data_key_id: uuid.UUID) -> bytes:
    return b"casework vault data key " + data_key_id.bytes


def derive_kek(secret: str) -> bytes:
    """A 256-bit KEK from an operator's secret of any length (HKDF-SHA256)."""
    return HKDF(
        algorithm=SHA256(), length=32, salt=None, info=b"casework vault key encryption key"
    ).derive(secret.encode("utf-8"))


def kek_fingerprint(kek: bytes) -> str:
    """A short one-way id for a KEK: tells keys apart, reveals nothing about them."""
    return hashlib.sha256(b"casework vault kek id " + kek).hexdigest()[:16]


class LocalKeyService:
    """KEKs derived from secrets in the environment (CASEWORK_VAULT_KEY and the retired ones)."""

    def __init__(self) -> None:
        current: str = settings.VAULT_KEY
        if not current:
            raise ImproperlyConfigured("CASEWORK_VAULT_KEY must be set: it wraps every data key.")
        self._current = derive_kek(current)
        self._current_id = kek_fingerprint(self._current)
        self._keks = {self._current_id: self._current}
        for retired in settings.VAULT_RETIRED_KEYS:
            kek = derive_kek(retired)
            self._keks.setdefault(kek_fingerprint(kek), kek)

    def current_kek_id(self) -> str:
        return self._current_id

    def wrap(self, dek: bytes, *, data_key_id: uuid.UUID) -> tuple[str, bytes]:
        nonce = os.urandom(_NONCE_BYTES)
        wrapped = AESGCM(self._current).encrypt(nonce, dek, _wrapping_aad(data_key_id))
        return self._current_id, nonce + wrapped

    def unwrap(self, kek_id: str, wrapped: bytes, *, data_key_id: uuid.UUID) -> bytes:
        kek = self._keks.get(kek_id)
        if kek is None:
            raise KeyEncryptionKeyUnknown(data_key_id, kek_id=kek_id)
        try:
            return AESGCM(kek).decrypt(
                wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], _wrapping_aad(data_key_id)
            )
        except (InvalidTag, ValueError):
            raise DecryptionFailed(
                data_key_id,
                context="its wrapped key",
                why=f"the wrapped key does not open under key encryption key {kek_id}",
            ) from None


@cache
def get_key_service() -> KeyService:
    """The configured key service, built once per process (and again when settings change)."""
    service_class = import_string(settings.VAULT_KEY_SERVICE)
    service: KeyService = service_class()
    return service


@receiver(setting_changed)
def _forget_key_service(*, setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS:
        get_key_service.cache_clear()
