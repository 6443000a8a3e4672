"""Test helpers for the vault: data keys made through the real service, a key service that
counts its unwraps, former-format ("v1:") secrets as installs before the vault stored them, and
the raw bytes a column holds."""

import base64
import os
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import connection, models
from factory.base import Factory
from factory.declarations import Sequence

from casework.vault.key_service import LocalKeyService
from casework.vault.models import DataKey
from casework.vault.services import create_data_key

# What a settings override names to count unwraps: VAULT_KEY_SERVICE=COUNTING_KEY_SERVICE.
COUNTING_KEY_SERVICE = "casework.testing.vault.CountingKeyService"


class DataKeyFactory(Factory[DataKey]):
    class Meta:
        model = DataKey

    owner = Sequence(lambda n: f"conversation:{uuid.UUID(int=n)}")

    @classmethod
    def _create(cls, model_class: type[DataKey], *args: Any, **kwargs: Any) -> DataKey:
        return create_data_key(owner=kwargs["owner"])


class CountingKeyService(LocalKeyService):
    """The local key service, counting unwraps: how often the data key cache was missed."""

    unwraps: ClassVar[int] = 0

    def unwrap(self, kek_id: str, wrapped: bytes, *, data_key_id: uuid.UUID) -> bytes:
        CountingKeyService.unwraps += 1
        return super().unwrap(kek_id, wrapped, data_key_id=data_key_id)


def legacy_sealed_text(plaintext: bytes, *, vault_key: str, info: bytes, aad: bytes) -> str:
    """A secret in the format used before the vault: "v1:" + base64url(nonce + AES-GCM)."""
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(vault_key.encode())
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext, aad)
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def raw_column(model: type[models.Model], field_name: str, pk: Any) -> bytes | None:
    """The bytes the database holds in one column of one row, read past every model field."""
    field = next(field for field in model._meta.concrete_fields if field.name == field_name)
    pk_field = model._meta.pk
    assert pk_field is not None  # noqa: S101  (every concrete model has one)
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(str(field.column))
    pk_column = connection.ops.quote_name(str(pk_field.column))
    with connection.cursor() as cursor:
        # Identifiers come from the model's metadata, quoted by the backend; the value is bound.
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE {pk_column} = %s",  # noqa: S608
            [pk_field.get_db_prep_value(pk, connection)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return bytes(row[0])


@dataclass
class Probe:
    """The vault's test models (made in casework/vault/tests/conftest.py): a Folder sealed
    with its own key, Pages sealed with their folder's."""

    Folder: Any
    Page: Any

    def folder(self, **values: Any) -> Any:
        """A folder with a data key of its own."""
        return self.Folder.objects.create(key=DataKeyFactory.create(), **values)
