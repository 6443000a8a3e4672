"""Sealing content under a data key: AES-256-GCM bound to where the content lives.

Format of a sealed value::

    version (1 byte) | data key id (16 bytes) | nonce (12 bytes) | ciphertext and tag

The associated data is ``version | data key id | context``; the context names the row and
field (``messaging.message.body:<uuid>``), so a ciphertext copied to another row or field, or
under another key, fails to authenticate instead of opening.

Unwrapped data keys are kept in a small in-process LRU, keyed by data key id and KEK id, so a
page of 500 messages unwraps once. A destroyed key is refused before the cache is consulted
(its row says so), and destroying evicts it.
"""

import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.signals import setting_changed
from django.dispatch import receiver

from casework.vault.errors import (
    DataKeyDestroyed,
    DataKeyMissing,
    DecryptionFailed,
    KeyEncryptionKeyUnknown,
    logged,
)
from casework.vault.key_service import get_key_service
from casework.vault.models import DataKey

VERSION = b"\x01"
_KEY_ID_BYTES = 16
_NONCE_BYTES = 12
_TAG_BYTES = 16
_HEADER_BYTES = len(VERSION) + _KEY_ID_BYTES
_SMALLEST = _HEADER_BYTES + _NONCE_BYTES + _TAG_BYTES
CACHE_SIZE = 1024


class _DataKeyCache:
    """Unwrapped data keys by (data key id, KEK id), least recently used evicted first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: OrderedDict[tuple[uuid.UUID, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, data_key_id: uuid.UUID, kek_id: str) -> bytes | None:
        with self._lock:
            dek = self._keys.get((data_key_id, kek_id))
            if dek is not None:
                self._keys.move_to_end((data_key_id, kek_id))
            return dek

    def put(self, data_key_id: uuid.UUID, kek_id: str, dek: bytes) -> None:
        with self._lock:
            self._keys[(data_key_id, kek_id)] = dek
            self._keys.move_to_end((data_key_id, kek_id))
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)

    def forget(self, data_key_id: uuid.UUID) -> None:
        with self._lock:
            for entry in [entry for entry in self._keys if entry[0] == data_key_id]:
                del self._keys[entry]

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()

    def __contains__(self, data_key_id: object) -> bool:
        with self._lock:
            return any(entry[0] == data_key_id for entry in self._keys)


data_key_cache = _DataKeyCache(CACHE_SIZE)


@receiver(setting_changed)
def _forget_unwrapped_keys(*, setting: str, **kwargs: Any) -> None:
    # Under another set of KEKs a cached key may no longer be one this process could unwrap.
    if setting in {"VAULT_KEY", "VAULT_RETIRED_KEYS", "VAULT_KEY_SERVICE"}:
        data_key_cache.clear()


def remember_data_key(data_key: DataKey, dek: bytes) -> None:
    """Cache a data key just made, so its first use does not unwrap it again."""
    data_key_cache.put(data_key.id, data_key.kek_id, dek)


def data_key_material(data_key: DataKey, *, context: str) -> bytes:
    """The unwrapped data key: from the cache, or unwrapped by the key service."""
    if data_key.is_destroyed:
        raise logged(DataKeyDestroyed(data_key.id, context=context))
    dek = data_key_cache.get(data_key.id, data_key.kek_id)
    if dek is None:
        try:
            dek = get_key_service().unwrap(
                data_key.kek_id, bytes(data_key.wrapped_key), data_key_id=data_key.id
            )
        except (KeyEncryptionKeyUnknown, DecryptionFailed) as error:
            raise logged(error) from None
        data_key_cache.put(data_key.id, data_key.kek_id, dek)
    return dek


class Openings:
    """Whether someone's sealed content was opened while it was watched (a request, say)."""

    __slots__ = ("someones_content",)

    def __init__(self) -> None:
        self.someones_content = False


_openings: ContextVar[Openings | None] = ContextVar("casework_vault_openings", default=None)


@contextmanager
def watching_openings() -> Iterator[Openings]:
    """Note whether anything sealed under a person's, a case's or a conversation's key (not
    the system's: sign-in factors, signing keys, the outbox) is opened meanwhile, so that a
    response carrying it can be kept out of caches whichever route served it."""
    openings = Openings()
    token = _openings.set(openings)
    try:
        yield openings
    finally:
        _openings.reset(token)


def _note_opening(data_key: DataKey) -> None:
    openings = _openings.get()
    if openings is not None and not data_key.owner.startswith("system:"):
        openings.someones_content = True


def _aad(header: bytes, context: str) -> bytes:
    return header + context.encode("utf-8")


def seal(data_key: DataKey, plaintext: bytes, *, context: str) -> bytes:
    """Encrypt ``plaintext`` under ``data_key``, bound to ``context`` (which row and field)."""
    dek = data_key_material(data_key, context=context)
    header = VERSION + data_key.id.bytes
    nonce = os.urandom(_NONCE_BYTES)
    return header + nonce + AESGCM(dek).encrypt(nonce, plaintext, _aad(header, context))


def sealed_key_id(sealed: bytes, *, context: str) -> uuid.UUID:
    """The id of the data key a sealed value names (read from its header, not verified)."""
    sealed = bytes(sealed)
    if len(sealed) < _SMALLEST:
        raise logged(DecryptionFailed(None, context=context, why="too short to be sealed"))
    if sealed[:1] != VERSION:
        raise logged(
            DecryptionFailed(None, context=context, why=f"unknown format version {sealed[0]}")
        )
    return uuid.UUID(bytes=sealed[1:_HEADER_BYTES])


def unseal(data_key: DataKey, sealed: bytes, *, context: str) -> bytes:
    """Decrypt what ``seal`` made for this key and context.

    Raises ``DataKeyDestroyed`` when the key was destroyed, ``DecryptionFailed`` for corrupted
    bytes, another key's or another row's ciphertext, ``KeyEncryptionKeyUnknown`` when no KEK
    held can unwrap the key. Never returns an empty value instead.
    """
    sealed = bytes(sealed)
    named = sealed_key_id(sealed, context=context)
    if named != data_key.id:
        raise logged(
            DecryptionFailed(data_key.id, context=context, why=f"sealed under data key {named}")
        )
    dek = data_key_material(data_key, context=context)
    header = sealed[:_HEADER_BYTES]
    nonce = sealed[_HEADER_BYTES : _HEADER_BYTES + _NONCE_BYTES]
    try:
        plaintext = AESGCM(dek).decrypt(
            nonce, sealed[_HEADER_BYTES + _NONCE_BYTES :], _aad(header, context)
        )
    except InvalidTag:
        raise logged(
            DecryptionFailed(
                data_key.id,
                context=context,
                why="it does not authenticate (corrupted, or copied from another row or field)",
            )
        ) from None
    _note_opening(data_key)
    return plaintext


def unseal_named(sealed: bytes, *, context: str) -> bytes:
    """Decrypt with the data key the sealed value names (its header, authenticated as AAD),
    for values kept where no column says which key sealed them: files, secrets in text."""
    data_key_id = sealed_key_id(sealed, context=context)
    data_key = DataKey.objects.filter(pk=data_key_id).first()
    if data_key is None:
        raise logged(DataKeyMissing(data_key_id, context=context))
    return unseal(data_key, sealed, context=context)
