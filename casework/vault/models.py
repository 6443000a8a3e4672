"""Envelope encryption of sensitive fields: data keys wrapped by a key encryption key.

A ``DataKey`` is a random AES-256 key that seals the content of one owner (a person, a
conversation, a system purpose). Only its wrapped form is stored; the key encryption key (KEK)
that wraps it lives outside the database. Destroying a data key wipes the wrapped key but keeps
the row, so content sealed under it fails as "destroyed", not as "missing".
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DataKey(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Whose content this key seals: "conversation:<uuid>", "person:<id>", "system:<purpose>".
    owner = models.CharField(_("owner"), max_length=120, db_index=True)
    wrapped_key = models.BinaryField(_("wrapped key"))
    kek_id = models.CharField(_("key encryption key"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rewrapped_at = models.DateTimeField(_("re-wrapped"), null=True, blank=True)
    destroyed_at = models.DateTimeField(_("destroyed"), null=True, blank=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")
        constraints = [
            models.CheckConstraint(
                condition=Q(destroyed_at__isnull=True) & ~Q(wrapped_key=b"")
                | Q(destroyed_at__isnull=False, wrapped_key=b""),
                name="vault_destroyed_key_is_wiped",
            ),
            # One live key per owner: "the key of this conversation" is never ambiguous, and
            # get-or-create of a person's or a system purpose's key is race-safe.
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(destroyed_at__isnull=True),
                name="vault_one_live_key_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} ({self.pk})"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None or not self.wrapped_key
