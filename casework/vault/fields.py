"""Model fields whose column holds ciphertext sealed under a data key.

``EncryptedTextField(data_key="conversation.data_key")`` stores a text sealed with the data key
reached from the instance by that dotted attribute path. The ciphertext is bound to the model,
the field and the row's primary key (context ``"<app>.<model>.<field>:<pk>"``), so:

- the model's primary key must be a ``UUIDField`` with a default (system check
  ``casework.vault.E001``): the key is known before the first save;
- a ciphertext copied to another row or field raises ``DecryptionFailed`` when read;
- content under a destroyed data key raises ``DataKeyDestroyed`` when read, never ``""``.

Values are decrypted lazily, on first attribute access, and kept on the instance afterwards.
Unchanged values are written back as the same ciphertext (so re-wrapping keys or saving other
fields never re-encrypts). ``None`` is stored as NULL (with ``null=True``); ``""`` is encrypted
like any other text.

The values cannot be filtered or searched in the database: only the ``isnull`` lookup exists
(and ordering by such a column orders ciphertext, which means nothing). ``QuerySet.update()``
and ``bulk_update()`` cannot write these fields (the row context is unknown there): change them
on instances and ``save()``. ``values()`` and ``values_list()`` give the sealed form (an opaque
object), not text: read through instances. Serialising a model (dumpdata) gives the ciphertext
in base64, never the plaintext; such dumps cannot be loaded back.
"""

import base64
import json
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from django import forms
from django.core import checks
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.query_utils import DeferredAttribute

from casework.vault.crypto import seal, unseal
from casework.vault.errors import DataKeyMissing, VaultError, logged
from casework.vault.models import DataKey

if TYPE_CHECKING:
    _Field = models.Field[Any, Any]
else:
    _Field = models.Field  # generic only to the type checker


class _Sealed:
    """A ciphertext as the database holds it, with the context it was sealed for.

    The plaintext is kept once opened, so a page reads each value once and saving the instance
    again writes the same bytes back.
    """

    __slots__ = ("context", "opened", "plaintext", "sealed")

    def __init__(self, sealed: bytes, *, context: str | None = None) -> None:
        self.sealed = sealed
        self.context = context
        self.opened = False
        self.plaintext: Any = None

    def holding(self, plaintext: Any) -> "_Sealed":
        self.opened, self.plaintext = True, plaintext
        return self


class _EncryptedAttribute(DeferredAttribute):
    """Reads decrypt on first access; writes keep the plaintext until the next save."""

    field: "EncryptedField"

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, _Sealed):
            return self.field.open(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedField(_Field, ABC):
    """The common part: binary column, sealing on save, opening on read. Not filterable."""

    descriptor_class = _EncryptedAttribute
    _allowed_lookups = frozenset({"isnull"})

    def __init__(self, *args: Any, data_key: str = "data_key", **kwargs: Any) -> None:
        if not data_key or any(not part for part in data_key.split(".")):
            raise ValueError(f"data_key must be a dotted attribute path, not {data_key!r}.")
        self.data_key_path = data_key
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["data_key"] = self.data_key_path
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "BinaryField"

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_primary_key()]

    def _check_primary_key(self) -> list[checks.CheckMessage]:
        pk = self.model._meta.pk
        if isinstance(pk, models.UUIDField) and pk.has_default():
            return []
        return [
            checks.Error(
                f"{self.model._meta.label}.{self.name} is encrypted, so its ciphertext is bound "
                "to the primary key, which must be known before the first save.",
                hint="Give the model id = models.UUIDField(primary_key=True, default=uuid.uuid4).",
                obj=self,
                id="casework.vault.E001",
            )
        ]

    # Reading and writing -------------------------------------------------------------------

    def context_for(self, instance: models.Model) -> str:
        return f"{self.model._meta.label_lower}.{self.name}:{instance.pk}"

    def data_key_for(self, instance: models.Model, *, context: str) -> DataKey:
        target: Any = instance
        try:
            for attribute in self.data_key_path.split("."):
                target = getattr(target, attribute)
                if target is None:
                    break
        except ObjectDoesNotExist:
            target = None
        if target is None:
            raise logged(DataKeyMissing(None, context=context))
        if not isinstance(target, DataKey):
            raise VaultError(f"{self.data_key_path} of {context} is not a data key.")
        return target

    def open(self, instance: models.Model, value: _Sealed) -> Any:
        if not value.opened:
            context = value.context or self.context_for(instance)
            data_key = self.data_key_for(instance, context=context)
            value.holding(self.decode(unseal(data_key, value.sealed, context=context)))
        return value.plaintext

    @abstractmethod
    def encode(self, value: Any) -> bytes:
        """The plaintext bytes of a value."""

    @abstractmethod
    def decode(self, plaintext: bytes) -> Any:
        """The value of plaintext bytes."""

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract:
            models.signals.post_init.connect(self._remember_context, sender=cls)

    def _remember_context(self, *, instance: models.Model, **kwargs: Any) -> None:
        # Loaded ciphertext was sealed for the primary key it was loaded with; if the row is
        # saved under another key (a copy), the value is opened and sealed again for that one.
        value = instance.__dict__.get(self.attname)
        if isinstance(value, _Sealed) and value.context is None:
            value.context = self.context_for(instance)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None:
            return None
        return _Sealed(bytes(value))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None:
            return None
        context = self.context_for(model_instance)
        if isinstance(value, _Sealed):
            if value.context in (None, context):
                return value.sealed
            value = self.open(model_instance, value)
        data_key = self.data_key_for(model_instance, context=context)
        sealed = _Sealed(seal(data_key, self.encode(value), context=context), context=context)
        model_instance.__dict__[self.attname] = sealed.holding(value)
        return sealed.sealed

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if value is None:
            return None
        if isinstance(value, _Sealed):
            value = value.sealed
        if not isinstance(value, bytes | memoryview):
            raise VaultError(
                f"{self.model._meta.label}.{self.name} is encrypted: set it on an instance and "
                "save() it; update(), bulk_update() and lookups cannot write or compare it."
            )
        return bytes(value)  # both drivers take bytes for a binary column

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self._allowed_lookups:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def value_to_string(self, obj: models.Model) -> str:
        value = obj.__dict__.get(self.attname)
        if value is None:
            return ""
        if not isinstance(value, _Sealed):
            raise VaultError(f"Save {obj._meta.label} before serialising {self.name}.")
        return base64.b64encode(value.sealed).decode("ascii")


class EncryptedTextField(EncryptedField):
    """A text sealed under a data key (see the module's docstring). Not filterable."""

    description = "Text encrypted under a vault data key"

    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, plaintext: bytes) -> str:
        return plaintext.decode("utf-8")

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(
            **{"form_class": forms.CharField, "widget": forms.Textarea, **kwargs}
        )


class EncryptedJSONField(EncryptedField):
    """A JSON value sealed under a data key (see the module's docstring). Not filterable."""

    description = "JSON encrypted under a vault data key"
    empty_strings_allowed = False

    def __init__(
        self, *args: Any, encoder: type[json.JSONEncoder] = DjangoJSONEncoder, **kwargs: Any
    ) -> None:
        self.encoder = encoder
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not DjangoJSONEncoder:
            kwargs["encoder"] = self.encoder
        return name, path, args, kwargs

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, cls=self.encoder, separators=(",", ":")).encode("utf-8")

    def decode(self, plaintext: bytes) -> Any:
        return json.loads(plaintext)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": forms.JSONField, **kwargs})
