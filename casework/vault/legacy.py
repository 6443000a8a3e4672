"""Reading secrets sealed before the vault existed (format "v1:").

They were encrypted with AES-256-GCM under a key derived (HKDF-SHA256, an ``info`` per purpose)
straight from the vault key. After a key rotation the old vault key sits in
``VAULT_RETIRED_KEYS``, so every configured key is tried; ``rotate_vault_kek`` then seals each
such value again in the vault's format, after which nothing needs the old key.
"""

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from casework.vault.errors import DecryptionFailed, logged

PREFIX = "v1:"
_NONCE_BYTES = 12


def is_legacy(text: str) -> bool:
    return text.startswith(PREFIX)


def open_legacy(text: str, *, info: bytes, aad: bytes, context: str) -> bytes:
    """Decrypt a "v1:" value with the current vault key or, failing that, a retired one."""
    if not is_legacy(text):
        raise logged(DecryptionFailed(None, context=context, why="not in the former text format"))
    encoded = text[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise logged(DecryptionFailed(None, context=context, why="not valid base64")) from None
    for secret in [settings.VAULT_KEY, *settings.VAULT_RETIRED_KEYS]:
        key = HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(secret.encode())
        try:
            return AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            continue
    raise logged(
        DecryptionFailed(
            None,
            context=context,
            why="no configured vault key (current or retired) opens this former-format value",
        )
    )
