import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.testing.vault import DataKeyFactory
from casework.vault.crypto import data_key_cache, seal, unseal
from casework.vault.errors import DataKeyDestroyed
from casework.vault.key_service import get_key_service
from casework.vault.models import DataKey
from casework.vault.services import (
    create_data_key,
    data_key_for_owner,
    destroy_data_key,
    rewrap_data_keys,
    system_data_key,
)

pytestmark = pytest.mark.django_db

CONTEXT = "care.casenote.text:8d0c5d9a-0000-4000-8000-000000000001"


def test_a_new_data_key_is_stored_only_wrapped_and_its_creation_audited() -> None:
    data_key = create_data_key(owner="person:41")
    stored = DataKey.objects.get(pk=data_key.pk)
    assert stored.owner == "person:41"
    assert stored.kek_id == get_key_service().current_kek_id()
    assert len(bytes(stored.wrapped_key)) == 12 + 32 + 16  # nonce, AES-256 key, tag
    assert stored.destroyed_at is None
    event = AuditEvent.objects.get(action="vault.data_key_created")
    assert event.object_id == str(data_key.pk)
    assert event.detail == {"owner": "person:41"}


@pytest.mark.parametrize("owner", ["", "x" * 121])
def test_an_owner_must_be_named_in_at_most_120_characters(owner: str) -> None:
    with pytest.raises(ValueError, match="owner"):
        create_data_key(owner=owner)
    assert not DataKey.objects.exists()


def test_an_owner_has_one_live_key_and_get_or_create_returns_it() -> None:
    first = data_key_for_owner(owner="person:7")
    assert data_key_for_owner(owner="person:7") == first
    with transaction.atomic(), pytest.raises(IntegrityError):
        create_data_key(owner="person:7")
    assert system_data_key("mfa-secrets") == system_data_key("mfa-secrets")
    assert system_data_key("mfa-secrets").owner == "system:mfa-secrets"
    assert DataKey.objects.count() == 2


def test_destroying_a_key_erases_its_content_for_good_and_is_audited(admin_person: User) -> None:
    data_key = DataKeyFactory.create()
    sealed = seal(data_key, b"session notes", context=CONTEXT)
    assert unseal(data_key, sealed, context=CONTEXT) == b"session notes"
    assert data_key.id in data_key_cache

    destroy_data_key(data_key=data_key, actor=admin_person, reason="Erasure request 2026-14")

    assert data_key.id not in data_key_cache
    stored = DataKey.objects.get(pk=data_key.pk)  # the tombstone stays
    assert bytes(stored.wrapped_key) == b""
    assert stored.destroyed_at is not None
    for instance in (data_key, stored):
        with pytest.raises(DataKeyDestroyed, match=str(data_key.id)):
            unseal(instance, sealed, context=CONTEXT)
    with pytest.raises(DataKeyDestroyed):
        seal(stored, b"more", context=CONTEXT)
    event = AuditEvent.objects.get(action="vault.data_key_destroyed")
    assert (event.actor_id, event.reason) == (admin_person.pk, "Erasure request 2026-14")
    assert event.object_id == str(data_key.pk)


def test_a_copy_of_the_key_loaded_before_destruction_does_not_keep_it_alive() -> None:
    data_key = DataKeyFactory.create()
    sealed = seal(data_key, b"session notes", context=CONTEXT)
    loaded_elsewhere = DataKey.objects.get(pk=data_key.pk)
    destroy_data_key(data_key=data_key, actor=None, reason="Retention period ended")
    loaded_elsewhere.refresh_from_db()
    with pytest.raises(DataKeyDestroyed):
        unseal(loaded_elsewhere, sealed, context=CONTEXT)


def test_destroying_twice_changes_nothing_and_a_reason_is_required() -> None:
    data_key = DataKeyFactory.create()
    with pytest.raises(ValueError, match="why"):
        destroy_data_key(data_key=data_key, actor=None, reason="  ")
    assert DataKey.objects.get(pk=data_key.pk).destroyed_at is None
    destroy_data_key(data_key=data_key, actor=None, reason="Erasure")
    destroyed_at = DataKey.objects.get(pk=data_key.pk).destroyed_at
    destroy_data_key(data_key=data_key, actor=None, reason="Erasure again")
    assert DataKey.objects.get(pk=data_key.pk).destroyed_at == destroyed_at
    assert AuditEvent.objects.filter(action="vault.data_key_destroyed").count() == 1


def test_after_destruction_the_owner_may_get_a_new_key() -> None:
    old = data_key_for_owner(owner="person:9")
    destroy_data_key(data_key=old, actor=None, reason="Erasure")
    new = data_key_for_owner(owner="person:9")
    assert new != old


def test_the_database_keeps_destroyed_and_wiped_together() -> None:
    data_key = DataKeyFactory.create()
    with transaction.atomic(), pytest.raises(IntegrityError):
        DataKey.objects.filter(pk=data_key.pk).update(destroyed_at=timezone.now())
    with transaction.atomic(), pytest.raises(IntegrityError):
        DataKey.objects.filter(pk=data_key.pk).update(wrapped_key=b"")


def test_rewrapping_moves_every_live_key_in_batches_and_then_finds_none() -> None:
    with override_settings(VAULT_KEY="the old vault key"):
        keys = [DataKeyFactory.create() for _ in range(5)]
        sealed = [seal(key, b"letter", context=CONTEXT) for key in keys]
        gone = DataKeyFactory.create()
        destroy_data_key(data_key=gone, actor=None, reason="Erasure")
        old_kek = keys[0].kek_id
    with override_settings(VAULT_KEY="the new vault key", VAULT_RETIRED_KEYS=["the old vault key"]):
        assert rewrap_data_keys(batch_size=2) == 5
        new_kek = get_key_service().current_kek_id()
        assert new_kek != old_kek
        for key, value in zip(keys, sealed, strict=True):
            stored = DataKey.objects.get(pk=key.pk)
            assert (stored.kek_id, stored.rewrapped_at is not None) == (new_kek, True)
            assert unseal(stored, value, context=CONTEXT) == b"letter"
        assert DataKey.objects.get(pk=gone.pk).kek_id == old_kek  # the tombstone is left alone
        assert rewrap_data_keys() == 0
    events = AuditEvent.objects.filter(action="vault.data_keys_rewrapped")
    assert [event.detail["count"] for event in events.order_by("seq")] == [2, 2, 1]


def test_a_key_under_a_lost_key_encryption_key_is_left_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with override_settings(VAULT_KEY="a key nobody kept"):
        lost = DataKeyFactory.create()
    kept = DataKeyFactory.create()
    retired = [settings.VAULT_KEY]
    with override_settings(VAULT_KEY="the new vault key", VAULT_RETIRED_KEYS=retired):
        assert rewrap_data_keys(batch_size=1) == 1
    assert DataKey.objects.get(pk=lost.pk).kek_id == lost.kek_id
    assert DataKey.objects.get(pk=kept.pk).rewrapped_at is not None
    assert f"Data key {lost.id} is wrapped by key encryption key {lost.kek_id}" in caplog.text


def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        rewrap_data_keys(batch_size=0)
