"""Two models made for the vault's tests only, isolated from the app registry, their tables
created and dropped around each test that asks for ``probe``: nothing test-only is shipped in a
migration. (Their link to DataKey works for queries; only the system check, not run on them,
would say DataKey is outside their registry.)"""

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from casework.testing.vault import Probe
from casework.vault.fields import EncryptedJSONField, EncryptedTextField
from casework.vault.models import DataKey


@pytest.fixture
def probe() -> Iterator[Probe]:
    with isolate_apps("casework.vault"):

        class Folder(models.Model):
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)
            key = models.ForeignKey(DataKey, on_delete=models.PROTECT, null=True, related_name="+")
            title = EncryptedTextField(data_key="key")
            summary = EncryptedTextField(data_key="key", null=True, blank=True)
            tags = EncryptedJSONField(data_key="key", default=list)

            class Meta:
                app_label = "vault"
                db_table = "vault_probe_folder"

            def __str__(self) -> str:
                return f"folder {self.pk}"

        class Page(models.Model):
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)
            folder = models.ForeignKey(Folder, on_delete=models.CASCADE)
            position = models.PositiveIntegerField(default=0)
            text = EncryptedTextField(data_key="folder.key")

            class Meta:
                app_label = "vault"
                db_table = "vault_probe_page"

            def __str__(self) -> str:
                return f"page {self.pk}"

        with connection.schema_editor() as editor:
            editor.create_model(Folder)
            editor.create_model(Page)
        try:
            yield Probe(Folder, Page)
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Page)
                editor.delete_model(Folder)
