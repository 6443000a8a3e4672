"""What detection sends to moderators: the one service that records a flagged text."""

import uuid
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from casework.accounts.models import User
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.messaging.models import Conversation, Message
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.safety.models import Detection


def record_detection(
    *,
    author: User,
    conversation: Conversation,
    text: str,
    categories: Sequence[str],
    severity: int = 1,
    message: Message | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Detection:
    """Keep ``text`` (sealed) for moderators. Called at the nudge for a practitioner's
    boundary-crossing draft (no ``message``), and when a flagged text is sent (``message``).

    The nudge and the send that follows it share the form's idempotency key: the second call
    completes the first detection rather than adding another, so moderators see one item that
    says the text was sent anyway.
    """
    severity = min(max(severity, 1), 3)
    with transaction.atomic():
        existing = None
        if idempotency_key is not None:
            existing = (
                Detection.objects.select_for_update()
                .filter(author=author, idempotency_key=idempotency_key)
                .first()
            )
        if existing is not None:
            if message is None or existing.sent:
                return existing
            existing.message = message
            existing.sent = True
            existing.text = text
            existing.categories = sorted(set(existing.categories) | set(categories))
            existing.severity = max(existing.severity, severity)
            existing.save(update_fields=["message", "sent", "text", "categories", "severity"])
            detection = existing
        else:
            try:
                with transaction.atomic():
                    detection = Detection.objects.create(
                        author=author,
                        conversation=conversation,
                        message=message,
                        text=text,
                        categories=sorted(set(categories)),
                        severity=severity,
                        sent=message is not None,
                        idempotency_key=idempotency_key,
                    )
            except IntegrityError:  # the same send recorded at the same moment elsewhere
                return Detection.objects.get(author=author, idempotency_key=idempotency_key)
        record_event(
            action=actions.SAFETY_CONTENT_FLAGGED,
            target=detection,
            subject_id=author.pk,
            detail={"categories": detection.categories, "sent": detection.sent},
        )
        emit(
            events.ContentFlagged(
                detection_id=str(detection.pk), author_id=author.pk, sent=detection.sent
            )
        )
    return detection
