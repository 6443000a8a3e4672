"""The encrypted fields, on the probe tables of conftest.py."""

import uuid
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.db import models
from django.test import override_settings
from django.test.utils import isolate_apps

from casework.testing.vault import (
    COUNTING_KEY_SERVICE,
    CountingKeyService,
    Probe,
    raw_column,
)
from casework.vault.crypto import data_key_cache
from casework.vault.errors import DataKeyDestroyed, DataKeyMissing, DecryptionFailed, VaultError
from casework.vault.fields import EncryptedTextField
from casework.vault.services import destroy_data_key

pytestmark = pytest.mark.django_db(transaction=True)

DISCLOSURE = "She said her stepfather takes her wages"


def test_text_and_json_are_stored_sealed_and_read_back(probe: Probe) -> None:
    folder = probe.folder(title=DISCLOSURE, tags=["housing", {"risk": "high"}])
    stored = raw_column(probe.Folder, "title", folder.pk)
    assert stored is not None
    assert DISCLOSURE.encode() not in stored
    assert b"housing" not in (raw_column(probe.Folder, "tags", folder.pk) or b"")
    again = probe.Folder.objects.get(pk=folder.pk)
    assert again.title == DISCLOSURE
    assert again.tags == ["housing", {"risk": "high"}]


def test_none_is_null_and_empty_text_is_sealed_like_any_text(probe: Probe) -> None:
    folder = probe.folder(title="", summary=None)
    assert raw_column(probe.Folder, "summary", folder.pk) is None
    assert len(raw_column(probe.Folder, "title", folder.pk) or b"") > 0
    again = probe.Folder.objects.get(pk=folder.pk)
    assert (again.title, again.summary) == ("", None)


def test_a_dotted_path_reaches_the_key_through_a_relation(probe: Probe) -> None:
    folder = probe.folder(title="Case file")
    page = probe.Page.objects.create(folder=folder, text="Visit on Tuesday: café, ñandú 🌧")
    assert probe.Page.objects.get(pk=page.pk).text == "Visit on Tuesday: café, ñandú 🌧"


def test_ciphertext_copied_to_another_row_or_field_does_not_decrypt(probe: Probe) -> None:
    source = probe.folder(title=DISCLOSURE, summary="nothing much")
    target = probe.Folder.objects.create(key_id=source.key_id, title="mine", summary="mine")
    copied = raw_column(probe.Folder, "title", source.pk)
    probe.Folder.objects.filter(pk=target.pk).update(title=copied)
    probe.Folder.objects.filter(pk=source.pk).update(summary=copied)
    with pytest.raises(DecryptionFailed, match=f"vault.folder.title:{target.pk}"):
        _ = probe.Folder.objects.get(pk=target.pk).title
    with pytest.raises(DecryptionFailed, match=f"vault.folder.summary:{source.pk}"):
        _ = probe.Folder.objects.get(pk=source.pk).summary
    assert probe.Folder.objects.get(pk=source.pk).title == DISCLOSURE


def test_content_under_a_destroyed_key_raises_on_access_never_empty(probe: Probe) -> None:
    folder = probe.folder(title=DISCLOSURE)
    destroy_data_key(data_key=folder.key, actor=None, reason="Erasure request")
    loaded = probe.Folder.objects.get(pk=folder.pk)  # loading does not decrypt
    with pytest.raises(DataKeyDestroyed):
        _ = loaded.title
    with pytest.raises(DataKeyDestroyed):
        _ = loaded.tags


def test_without_a_data_key_reading_says_so(probe: Probe) -> None:
    folder = probe.folder(title=DISCLOSURE)
    probe.Folder.objects.filter(pk=folder.pk).update(key_id=None)
    with pytest.raises(DataKeyMissing, match=f"vault.folder.title:{folder.pk}"):
        _ = probe.Folder.objects.get(pk=folder.pk).title
    with pytest.raises(DataKeyMissing):
        probe.Folder.objects.create(title="no key to seal with")


def test_saving_again_keeps_the_ciphertext_unless_the_value_changed(probe: Probe) -> None:
    folder = probe.folder(title=DISCLOSURE)
    before = raw_column(probe.Folder, "title", folder.pk)
    loaded = probe.Folder.objects.get(pk=folder.pk)
    loaded.save()
    folder.save()
    assert raw_column(probe.Folder, "title", folder.pk) == before
    loaded.title = "Updated after the visit"
    loaded.save()
    assert raw_column(probe.Folder, "title", folder.pk) != before
    assert probe.Folder.objects.get(pk=folder.pk).title == "Updated after the visit"


def test_a_row_saved_as_a_copy_is_sealed_again_for_its_own_key(probe: Probe) -> None:
    original = probe.folder(title=DISCLOSURE)
    copy = probe.Folder.objects.get(pk=original.pk)
    copy.pk = None
    copy.save()
    assert copy.pk != original.pk
    assert probe.Folder.objects.get(pk=copy.pk).title == DISCLOSURE


def test_deferred_values_load_and_decrypt_on_access(probe: Probe) -> None:
    folder = probe.folder(title=DISCLOSURE)
    deferred = probe.Folder.objects.defer("title").get(pk=folder.pk)
    assert "title" in deferred.get_deferred_fields()
    assert deferred.title == DISCLOSURE


def test_encrypted_values_cannot_be_filtered_or_written_in_bulk(probe: Probe) -> None:
    folder = probe.folder(title=DISCLOSURE, summary=None)
    with pytest.raises(FieldError):
        probe.Folder.objects.filter(title=DISCLOSURE).exists()
    with pytest.raises(FieldError):
        probe.Folder.objects.filter(title__icontains="wages").exists()
    assert probe.Folder.objects.filter(summary__isnull=True).get() == folder
    with pytest.raises(VaultError, match="save"):
        probe.Folder.objects.filter(pk=folder.pk).update(title="plain text")
    folder.title = "plain text"
    with pytest.raises(VaultError, match="save"):
        probe.Folder.objects.bulk_update([folder], ["title"])
    assert probe.Folder.objects.get(pk=folder.pk).title == DISCLOSURE


def test_serialising_gives_ciphertext_never_plaintext(probe: Probe) -> None:
    folder = probe.folder(title=DISCLOSURE)
    field = probe.Folder._meta.get_field("title")
    dumped = field.value_to_string(probe.Folder.objects.get(pk=folder.pk))
    assert "wages" not in dumped
    assert dumped  # base64 of the sealed bytes


def test_a_page_of_rows_under_one_key_reads_in_one_query_and_unwraps_once(
    probe: Probe, django_assert_num_queries: Any
) -> None:
    with override_settings(VAULT_KEY_SERVICE=COUNTING_KEY_SERVICE):
        folder = probe.folder(title="Case file")
        for position in range(30):
            probe.Page.objects.create(folder=folder, position=position, text=f"entry {position}")
        data_key_cache.clear()
        CountingKeyService.unwraps = 0
        # One query: the pages, with their folder and its data key.
        with django_assert_num_queries(1):
            pages = list(probe.Page.objects.select_related("folder__key").order_by("position"))
            texts = [page.text for page in pages]
        assert texts[29] == "entry 29"
        assert CountingKeyService.unwraps == 1


def test_the_field_keeps_its_key_path_in_migrations() -> None:
    field = EncryptedTextField(data_key="conversation.data_key", null=True)
    _, path, _, kwargs = field.deconstruct()
    assert path == "casework.vault.fields.EncryptedTextField"
    assert kwargs == {"data_key": "conversation.data_key", "null": True}
    with pytest.raises(ValueError, match="dotted"):
        EncryptedTextField(data_key="conversation..data_key")


@isolate_apps("casework.vault")
def test_the_system_check_refuses_a_model_whose_key_is_not_a_uuid_with_a_default() -> None:
    class Counted(models.Model):
        text = EncryptedTextField(data_key="data_key")

        class Meta:
            app_label = "vault"

        def __str__(self) -> str:
            return str(self.pk)

    class UuidWithoutDefault(models.Model):
        id = models.UUIDField(primary_key=True)
        text = EncryptedTextField(data_key="data_key")

        class Meta:
            app_label = "vault"

        def __str__(self) -> str:
            return str(self.pk)

    class Keyed(models.Model):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        text = EncryptedTextField(data_key="data_key")

        class Meta:
            app_label = "vault"

        def __str__(self) -> str:
            return str(self.pk)

    for refused in (Counted, UuidWithoutDefault):
        errors = [error.id for error in refused.check()]
        assert errors == ["casework.vault.E001"]
    assert Keyed.check() == []
