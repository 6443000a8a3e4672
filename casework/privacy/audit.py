"""The audit log: one call to record an event, one to verify the chain.

``record_event`` runs inside the caller's transaction, so an event exists exactly when the change
it records was committed.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction

from casework.privacy import context
from casework.privacy.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over every recorded field and the previous event's hash, in canonical JSON."""
    payload = [
        event.seq,
        event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        event.actor_id,
        event.actor_role,
        event.action,
        event.object_type,
        event.object_id,
        event.subject_id,
        event.request_id,
        event.ip_address,
        event.reason,
        event.detail,
        event.prev_hash,
    ]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_event(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    subject_id: int | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. ``actor`` is a user (or None for the system/anonymous)."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_role = getattr(actor, "role", "") if actor is not None else ""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=datetime.now(UTC),
            actor_id=actor_id,
            actor_role=actor_role or "",
            action=action,
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            subject_id=subject_id,
            request_id=context.request_id.get(),
            ip_address=context.client_ip.get(),
            reason=reason,
            detail=detail or {},
            prev_hash=head.hash,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    kind: str  # "changed", "removed" or "inserted"
    explanation: str


def find_first_break(chunk_size: int = 2000) -> ChainBreak | None:
    """Walk the chain in order and name the first event that is not as it was written."""
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq = head.seq if head else 0
    expected_seq, expected_prev = 1, GENESIS_HASH
    for event in _events_in_order(chunk_size):
        if event.seq > head_seq:
            return ChainBreak(
                event.seq, "inserted", f"event #{event.seq} lies beyond the chain's head"
            )
        if event.seq != expected_seq:
            return ChainBreak(
                expected_seq,
                "removed",
                f"event #{expected_seq} is missing (the next one present is #{event.seq})",
            )
        if event.prev_hash != expected_prev:
            return ChainBreak(
                event.seq,
                "inserted",
                f"event #{event.seq} does not follow the event before it",
            )
        if event_hash(event) != event.hash:
            return ChainBreak(event.seq, "changed", f"event #{event.seq} was changed")
        expected_seq, expected_prev = event.seq + 1, event.hash
    if expected_seq <= head_seq:
        return ChainBreak(
            expected_seq,
            "removed",
            f"events from #{expected_seq} to #{head_seq} are missing from the end",
        )
    if head is not None and head_seq and head.hash != expected_prev:
        return ChainBreak(head_seq, "changed", f"event #{head_seq} does not match the head")
    return None


def _events_in_order(chunk_size: int) -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)
