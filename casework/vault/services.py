"""Writes of the vault: making, destroying and re-wrapping data keys.

Every change is audited. Content is never touched here: re-wrapping changes how a data key is
stored, not what it sealed; destroying a data key makes everything sealed under it unreadable
(crypto-shredding), which is how erasure works.
"""

import logging
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.vault.crypto import data_key_cache, remember_data_key
from casework.vault.errors import VaultError
from casework.vault.key_service import get_key_service
from casework.vault.models import DataKey

logger = logging.getLogger("casework.vault")

OWNER_MAX_LENGTH = 120


def create_data_key(*, owner: str) -> DataKey:
    """A new random AES-256 data key for ``owner``, stored wrapped under the current KEK.

    ``owner`` names whose content it seals: "conversation:<uuid>", "person:<id>",
    "system:<purpose>". An owner has at most one live key (a database constraint).
    """
    if not owner or len(owner) > OWNER_MAX_LENGTH:
        raise ValueError(f"A data key owner is 1 to {OWNER_MAX_LENGTH} characters: {owner!r}.")
    data_key_id = uuid.uuid4()
    dek = AESGCM.generate_key(bit_length=256)
    kek_id, wrapped = get_key_service().wrap(dek, data_key_id=data_key_id)
    with transaction.atomic():
        data_key = DataKey.objects.create(
            id=data_key_id, owner=owner, wrapped_key=wrapped, kek_id=kek_id
        )
        record_event(
            action=actions.VAULT_DATA_KEY_CREATED, target=data_key, detail={"owner": owner}
        )
    remember_data_key(data_key, dek)
    return data_key


def data_key_for_owner(*, owner: str) -> DataKey:
    """The owner's live data key, made on first use. Safe when two callers race."""
    existing = DataKey.objects.filter(owner=owner, destroyed_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        return create_data_key(owner=owner)
    except IntegrityError:
        # Another process made it between our read and our insert: use theirs.
        return DataKey.objects.get(owner=owner, destroyed_at__isnull=True)


def system_data_key(purpose: str) -> DataKey:
    """The one data key of a system purpose ("mfa-secrets", "signing-keys")."""
    return data_key_for_owner(owner=f"system:{purpose}")


def destroy_data_key(*, data_key: DataKey, actor: User | None, reason: str) -> None:
    """Wipe the wrapped key: everything sealed under it becomes unrecoverable.

    The row stays as a tombstone so that reading such content says "destroyed", not "missing".
    Destroying an already destroyed key changes nothing.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("Say why the data key is destroyed: the audit log keeps the reason.")
    with transaction.atomic():
        locked = DataKey.objects.select_for_update().get(pk=data_key.pk)
        if locked.destroyed_at is None:
            locked.wrapped_key, locked.destroyed_at = b"", timezone.now()
            locked.save(update_fields=["wrapped_key", "destroyed_at"])
            record_event(
                action=actions.VAULT_DATA_KEY_DESTROYED,
                actor=actor,
                target=locked,
                reason=reason,
                detail={"owner": locked.owner},
            )
    data_key.wrapped_key, data_key.destroyed_at = locked.wrapped_key, locked.destroyed_at
    data_key_cache.forget(data_key.id)
    logger.info("vault: data key %s (%s) destroyed", data_key.id, data_key.owner)


def rewrap_data_keys(*, batch_size: int = 500) -> int:
    """Re-wrap every live data key not under the current KEK; the content stays as it is.

    Runs online: each batch locks only its own rows and skips rows another transaction holds
    (``skip_locked``), so readers and writers carry on. A key no KEK held can unwrap is logged
    and left alone. Returns how many keys were re-wrapped; running it again finds none.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    service = get_key_service()
    current = service.current_kek_id()
    rewrapped = 0
    unrecoverable: set[uuid.UUID] = set()
    while True:
        with transaction.atomic():
            batch = list(
                DataKey.objects.select_for_update(skip_locked=True)
                .filter(destroyed_at__isnull=True)
                .exclude(kek_id=current)
                .exclude(pk__in=unrecoverable)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return rewrapped
            done = 0
            for data_key in batch:
                try:
                    dek = service.unwrap(
                        data_key.kek_id, bytes(data_key.wrapped_key), data_key_id=data_key.id
                    )
                except VaultError as error:
                    logger.error("vault: cannot re-wrap: %s", error)
                    unrecoverable.add(data_key.id)
                    continue
                data_key.kek_id, data_key.wrapped_key = service.wrap(dek, data_key_id=data_key.id)
                data_key.rewrapped_at = timezone.now()
                data_key.save(update_fields=["kek_id", "wrapped_key", "rewrapped_at"])
                done += 1
            if done:
                record_event(
                    action=actions.VAULT_DATA_KEYS_REWRAPPED,
                    detail={"count": done, "kek_id": current},
                )
            rewrapped += done
