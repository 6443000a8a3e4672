"""Safety and trust: who has blocked whom, and what detection sent to moderators."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.vault.fields import EncryptedTextField


class Block(models.Model):
    """``blocker`` no longer hears from ``blocked``: no messages (and, later, no bookings)
    between the two, in either direction."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(_("blocked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="safety_block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="safety_no_self_block"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="safety_block_reverse")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Detection(models.Model):
    """Text the detection pipeline sent to moderators: a client's flagged message once sent, or
    a practitioner's boundary-crossing draft whether or not it was then sent (PRODUCT C7).

    The text is sealed under the conversation's key, so erasing the conversation erases it too;
    moderators open it only through the audited evidence view.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="detections"
    )
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="detections"
    )
    # Set once the draft is sent; a draft the practitioner withdrew after the nudge has none.
    message = models.OneToOneField(
        "messaging.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="detection",
    )
    text = EncryptedTextField(data_key="conversation.data_key")
    categories = models.JSONField(default=list)
    severity = models.PositiveSmallIntegerField(default=1)
    sent = models.BooleanField(default=False)
    # The send's idempotency key: the nudge and the send that follows it are one detection.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("detection")
        verbose_name_plural = _("detections")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="safety_detection_once_per_send",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="safety_detection_severity"
            ),
            models.CheckConstraint(
                condition=Q(message__isnull=True) | Q(sent=True),
                name="safety_detection_message_is_sent",
            ),
        ]
        indexes = [models.Index(fields=["detected_at"], name="safety_detection_age")]

    def __str__(self) -> str:
        return f"detection {self.pk}"
