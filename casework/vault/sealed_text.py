"""Secrets kept as text in other apps' columns (TOTP secrets, signing keys, an appointment's
reason for ending), sealed by the vault.

Format ``"v2:" + base64url(sealed)``: the sealed bytes name their data key, so reading needs no
other column. ``"v1:"`` was the format before the vault (see ``legacy``); ``rotate_vault_kek``
seals any value still in it again as ``"v2:"``.
"""

import base64
import binascii
import uuid

from casework.vault.crypto import seal, sealed_key_id, unseal, unseal_named
from casework.vault.errors import DataKeyDestroyed, DecryptionFailed, logged
from casework.vault.models import DataKey
from casework.vault.services import data_key_for_owner, system_data_key

PREFIX = "v2:"


def seal_text(plaintext: bytes, *, purpose: str, context: str) -> str:
    """Seal under the system data key of ``purpose``, bound to ``context``."""
    return seal_text_under(system_data_key(purpose), plaintext, context=context)


def seal_text_under(data_key: DataKey, plaintext: bytes, *, context: str) -> str:
    """Seal under ``data_key`` (a person's, say, so that erasing them shreds it)."""
    sealed = seal(data_key, plaintext, context=context)
    return PREFIX + base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def is_sealed_text(text: str) -> bool:
    return text.startswith(PREFIX)


def _sealed_bytes(text: str, *, context: str) -> bytes:
    if not is_sealed_text(text):
        raise logged(DecryptionFailed(None, context=context, why="not in the vault's text format"))
    encoded = text[len(PREFIX) :]
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise logged(DecryptionFailed(None, context=context, why="not valid base64")) from None


def open_text(text: str, *, context: str) -> bytes:
    """Open what ``seal_text`` made for ``context``; vault errors when it cannot."""
    return unseal_named(_sealed_bytes(text, context=context), context=context)


def named_key_id(text: str, *, context: str) -> uuid.UUID:
    """The id of the data key ``text`` names, so that a reader of many values fetches each
    key once (``open_text_under``); vault errors when it is not sealed text."""
    return sealed_key_id(_sealed_bytes(text, context=context), context=context)


def open_text_under(data_key: DataKey, text: str, *, context: str) -> bytes:
    """``open_text`` with the data key already read; vault errors when it is not that key's."""
    return unseal(data_key, _sealed_bytes(text, context=context), context=context)


def seal_words_of(person_id: int, words: str, *, context: str) -> str:
    """What a column holds for ``words`` a person gave about themselves (a reason, a note),
    sealed under their own data key so that erasing them shreds the words: empty stays
    empty."""
    if not words:
        return ""
    owner_key = data_key_for_owner(owner=f"person:{person_id}")
    return seal_text_under(owner_key, words.encode("utf-8"), context=context)


def open_words(stored: str, *, context: str) -> str:
    """The words ``seal_words_of`` sealed; empty when there were none or they were erased. A
    value stored before its column was sealed (plain text) reads as it is."""
    if not stored:
        return ""
    if not is_sealed_text(stored):
        return stored
    try:
        opened = open_text(stored, context=context)
    except DataKeyDestroyed:
        return ""  # the person was erased: the words are gone for good
    return opened.decode("utf-8")
