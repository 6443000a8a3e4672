"""The audit log: one call to record an event.

``record_event`` runs inside the caller's transaction, so an event exists exactly when the change
it records was committed. It only inserts a row: writers never wait for one another. Events are
sealed afterwards, in short batches, by ``casework.privacy.sealing`` (run by the clock,
``casework/shell/schedule.py``), and ``manage.py verify_audit_chain`` checks them
(``casework.privacy.verification``). Actions are the constants of ``casework.privacy.actions``.
"""

import json
from datetime import UTC, datetime
from typing import Any

from django.db import models

from casework.privacy import context
from casework.privacy.models import AuditEvent


def event_entry(event: AuditEvent) -> bytes:
    """The event as its leaf in the log: every recorded field, in canonical JSON."""
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
    ]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return canonical.encode("utf-8")


def record_event(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    subject_id: int | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the log. ``actor`` is a user (or None for the system/anonymous)."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_role = getattr(actor, "role", "") if actor is not None else ""
    event = AuditEvent(
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
    )
    event.save(force_insert=True)
    return event
