"""The nudge before sending (PRODUCT C7): a flagged draft goes back to its sender first.

Detection flags a draft that asks for payment outside Casework, moves to a personal channel,
harasses, threatens or pressures. Such a draft is not stored at once: ``send_message(...,
nudge=True)`` raises :class:`FlaggedDraft`, which pages and the API show back to the sender with
why and the safer way, to edit or to send anyway (the same send again, with the same
idempotency key, and ``nudge=False``). Card numbers are refused outright before this (the
safety screen's block).

What moderators get: a practitioner's boundary-crossing draft (payment, personal channel,
sexual content) is recorded at the nudge, sent or not; anyone's flagged message once sent. The
nudge and the send that follows share the idempotency key, so they make one detection.
Moderators' own messages (a warning quotes what was said) are neither nudged nor recorded.
"""

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import Role, User
from casework.messaging.models import Conversation, Message
from casework.safety.detections import record_detection
from casework.safety.models import Detection
from casework.safety.screening import ScreeningResult

UNSCREENED_FOR_MODERATION = frozenset({Role.MODERATOR, Role.ADMIN})


class FlaggedDraft(ValidationError):
    """The draft was flagged and not sent: show the sender why and the safer way."""

    def __init__(self, screening: ScreeningResult, *, seen_by_moderators: bool) -> None:
        super().__init__(_("Before you send this, please read why it was flagged."), code="flagged")
        self.screening = screening
        # Said to the sender: a practitioner's boundary-crossing draft already went to them.
        self.seen_by_moderators = seen_by_moderators

    @property
    def categories(self) -> list[str]:
        return self.screening.categories

    @property
    def reasons(self) -> list[str]:
        return list(dict.fromkeys(str(f.reason) for f in self.screening.findings))

    @property
    def safer_ways(self) -> list[str]:
        return self.screening.safer_ways


def _severity(screening: ScreeningResult) -> int:
    return max((f.severity for f in screening.findings), default=1)


def hold_flagged_draft(
    *,
    sender: User,
    conversation: Conversation,
    text: str,
    screening: ScreeningResult,
    idempotency_key: uuid.UUID | None,
) -> None:
    """Stop a flagged draft before it is stored: raise :class:`FlaggedDraft`.

    A practitioner's boundary-crossing draft reaches moderators now, whatever they do next.
    """
    if not screening.flagged or sender.role in UNSCREENED_FOR_MODERATION:
        return
    recorded = screening.crosses_boundary_for(sender)
    if recorded:
        record_detection(
            author=sender,
            conversation=conversation,
            text=text,
            categories=screening.categories,
            severity=_severity(screening),
            idempotency_key=idempotency_key,
        )
    raise FlaggedDraft(screening, seen_by_moderators=recorded)


def record_sent_flagged(
    *,
    message: Message,
    text: str,
    screening: ScreeningResult,
    idempotency_key: uuid.UUID | None,
) -> None:
    """A flagged message was sent (anyway): moderators get it, as the same detection as its
    nudge when there was one. Called inside the send's transaction."""
    if not screening.flagged or message.sender.role in UNSCREENED_FOR_MODERATION:
        return
    record_detection(
        author=message.sender,
        conversation=message.conversation,
        text=text,
        categories=screening.categories,
        severity=_severity(screening),
        message=message,
        idempotency_key=idempotency_key,
    )


def record_edited_flagged(*, message: Message, text: str, screening: ScreeningResult) -> None:
    """An edit that makes a sent message flagged reaches moderators too: otherwise a clean
    message changed afterwards would slip past both the nudge and the queue."""
    if not screening.flagged or message.sender.role in UNSCREENED_FOR_MODERATION:
        return
    if Detection.objects.filter(message=message).exists():
        return
    record_detection(
        author=message.sender,
        conversation=message.conversation,
        text=text,
        categories=screening.categories,
        severity=_severity(screening),
        message=message,
    )
