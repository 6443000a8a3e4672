import logging
import uuid

import pytest
from django.test import override_settings

from casework.testing.vault import COUNTING_KEY_SERVICE, CountingKeyService, DataKeyFactory
from casework.vault.crypto import data_key_cache, seal, unseal, unseal_named
from casework.vault.errors import (
    DataKeyMissing,
    DecryptionFailed,
    KeyEncryptionKeyUnknown,
    VaultError,
)
from casework.vault.key_service import derive_kek, get_key_service, kek_fingerprint
from casework.vault.models import DataKey

pytestmark = pytest.mark.django_db

SECRET = "I have not told anyone about the bruises"
CONTEXT = "messaging.message.body:5b8a2c4e-0000-4000-8000-000000000001"


def fresh(data_key: DataKey) -> DataKey:
    return DataKey.objects.get(pk=data_key.pk)


def test_sealed_content_opens_again_under_its_key_and_context() -> None:
    data_key = DataKeyFactory.create()
    sealed = seal(data_key, SECRET.encode(), context=CONTEXT)
    assert SECRET.encode() not in sealed
    assert sealed[0:1] == b"\x01"
    assert sealed[1:17] == data_key.id.bytes
    data_key_cache.clear()
    assert unseal(fresh(data_key), sealed, context=CONTEXT) == SECRET.encode()


def test_the_same_content_seals_differently_each_time() -> None:
    data_key = DataKeyFactory.create()
    first = seal(data_key, b"same", context=CONTEXT)
    assert first != seal(data_key, b"same", context=CONTEXT)


def test_content_copied_to_another_row_or_field_does_not_open() -> None:
    data_key = DataKeyFactory.create()
    sealed = seal(data_key, SECRET.encode(), context=CONTEXT)
    for elsewhere in (
        "messaging.message.body:5b8a2c4e-0000-4000-8000-000000000002",
        "messaging.messagerevision.body:5b8a2c4e-0000-4000-8000-000000000001",
    ):
        with pytest.raises(DecryptionFailed, match="does not authenticate"):
            unseal(data_key, sealed, context=elsewhere)


def test_content_sealed_under_another_key_does_not_open() -> None:
    mine, theirs = DataKeyFactory.create(), DataKeyFactory.create()
    sealed = seal(theirs, SECRET.encode(), context=CONTEXT)
    with pytest.raises(DecryptionFailed, match=f"sealed under data key {theirs.id}"):
        unseal(mine, sealed, context=CONTEXT)
    # Rewriting the key id in the header to match does not help: the header is authenticated.
    forged = sealed[:1] + mine.id.bytes + sealed[17:]
    with pytest.raises(DecryptionFailed, match="does not authenticate"):
        unseal(mine, forged, context=CONTEXT)


@pytest.mark.parametrize("position", [0, 20, 35, -1], ids=["version", "nonce", "body", "tag"])
def test_a_changed_byte_anywhere_is_refused(position: int) -> None:
    data_key = DataKeyFactory.create()
    sealed = bytearray(seal(data_key, SECRET.encode(), context=CONTEXT))
    sealed[position] ^= 0x01
    with pytest.raises(DecryptionFailed):
        unseal(data_key, bytes(sealed), context=CONTEXT)


@pytest.mark.parametrize("sealed", [b"", b"\x01" + bytes(20), b"plain text, never sealed"])
def test_what_is_too_short_or_not_sealed_at_all_is_refused(sealed: bytes) -> None:
    data_key = DataKeyFactory.create()
    with pytest.raises(DecryptionFailed):
        unseal(data_key, sealed, context=CONTEXT)


def test_a_data_key_under_a_key_encryption_key_no_longer_held_fails_clearly() -> None:
    data_key = DataKeyFactory.create()
    sealed = seal(data_key, SECRET.encode(), context=CONTEXT)
    with override_settings(VAULT_KEY="a different vault key", VAULT_RETIRED_KEYS=[]):
        with pytest.raises(KeyEncryptionKeyUnknown, match=data_key.kek_id) as raised:
            unseal(fresh(data_key), sealed, context=CONTEXT)
        assert raised.value.data_key_id == data_key.id
    assert unseal(fresh(data_key), sealed, context=CONTEXT) == SECRET.encode()


def test_a_wrapped_key_copied_to_another_data_key_does_not_unwrap() -> None:
    original, other = DataKeyFactory.create(), DataKeyFactory.create()
    sealed = seal(other, SECRET.encode(), context=CONTEXT)
    DataKey.objects.filter(pk=other.pk).update(wrapped_key=bytes(original.wrapped_key))
    data_key_cache.clear()
    with pytest.raises(DecryptionFailed, match="wrapped key does not open"):
        unseal(fresh(other), sealed, context=CONTEXT)


def test_content_whose_data_key_row_is_gone_says_the_key_is_missing() -> None:
    data_key = DataKeyFactory.create()
    sealed = seal(data_key, SECRET.encode(), context=CONTEXT)
    assert unseal_named(sealed, context=CONTEXT) == SECRET.encode()
    # Rows are never deleted by the vault; a partial restore could still lose one.
    DataKey.objects.filter(pk=data_key.pk).delete()
    with pytest.raises(DataKeyMissing, match=str(data_key.id)):
        unseal_named(sealed, context=CONTEXT)


def test_failures_are_logged_by_key_and_context_never_with_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_key = DataKeyFactory.create()
    sealed = seal(data_key, SECRET.encode(), context=CONTEXT)
    caplog.set_level(logging.DEBUG, logger="casework.vault")
    failures = [
        lambda: unseal(data_key, sealed[:-1] + b"\x00", context=CONTEXT),
        lambda: unseal(data_key, sealed, context="elsewhere:1"),
        lambda: unseal(DataKeyFactory.create(), sealed, context=CONTEXT),
        lambda: unseal_named(b"\x01" + uuid.uuid4().bytes + bytes(40), context=CONTEXT),
    ]
    for failure in failures:
        with pytest.raises(VaultError):
            failure()
    with override_settings(VAULT_KEY="a different vault key"), pytest.raises(VaultError):
        unseal(fresh(data_key), sealed, context=CONTEXT)
    records = [record for record in caplog.records if record.name == "casework.vault"]
    assert len(records) == 5
    assert all(record.levelno == logging.WARNING for record in records)
    assert str(data_key.id) in caplog.text
    assert CONTEXT in caplog.text
    for spelling in (SECRET, SECRET.encode().hex(), "bruises"):
        assert spelling not in caplog.text


def test_reading_many_values_under_one_key_unwraps_it_once() -> None:
    with override_settings(VAULT_KEY_SERVICE=COUNTING_KEY_SERVICE):
        data_key = DataKeyFactory.create()
        sealed = [seal(data_key, f"message {n}".encode(), context=f"c:{n}") for n in range(50)]
        data_key_cache.clear()
        CountingKeyService.unwraps = 0
        loaded = fresh(data_key)
        opened = [unseal(loaded, value, context=f"c:{n}") for n, value in enumerate(sealed)]
        assert opened[49] == b"message 49"
        assert CountingKeyService.unwraps == 1


def test_the_key_encryption_key_id_is_a_one_way_fingerprint() -> None:
    with override_settings(VAULT_KEY="first", VAULT_RETIRED_KEYS=["second", "first"]):
        service = get_key_service()
        first = kek_fingerprint(derive_kek("first"))
        assert service.current_kek_id() == first
        assert len(first) == 16
        assert first not in derive_kek("first").hex()
        assert first != kek_fingerprint(derive_kek("second"))
