"""The regulator portal's own records: invitations of officers, and each regulator's webhook."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.registry.models import Regulator


class OfficerInvitation(models.Model):
    """An administrator's invitation of one person to act for one regulator.

    The link holds a random token; only its SHA-256 is kept. It works once, until it expires,
    and only for the address it was sent to.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email address"), max_length=254)
    regulator = models.ForeignKey(
        Regulator, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("regulator")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("officer invitation")
        verbose_name_plural = _("officer invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="oversight_invitation_expires_after_sent",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(accepted_by__isnull=False),
                name="oversight_invitation_accepted_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation to {self.regulator_id} ({self.pk})"


class RegulatorWebhook(models.Model):
    """Where a regulator's own system hears of every status or condition change on the
    platform: an HTTPS address and a shared secret (sealed by the vault) that signs each
    notification with HMAC-SHA256."""

    regulator = models.OneToOneField(
        Regulator, on_delete=models.CASCADE, related_name="webhook", verbose_name=_("regulator")
    )
    url = models.URLField(_("address"), max_length=500)
    # The secret, sealed (``casework.vault.sealed_text``) and bound to this regulator.
    sealed_secret = models.TextField(editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("regulator webhook")
        verbose_name_plural = _("regulator webhooks")

    def __str__(self) -> str:
        return f"webhook of {self.regulator_id}"


class WebhookDelivery(models.Model):
    """One notification to a regulator's system, and how sending it went.

    Made by the outbox's reaction to an order (in the event's transaction), sent by a task of
    the task queue with no row lock held during the call, and tried again with backoff until
    the receiver accepts it or ``webhooks.MOST_ATTEMPTS`` tries have failed. ``payload`` is
    what is sent: ids and the words the public sees (never a reason, a complaint, a message or
    a name). The regulator's officers read these records in the portal.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting to be sent")
        FAILED = "failed", _("Not accepted yet: will be tried again")
        DELIVERED = "delivered", _("Delivered")
        GAVE_UP = "gave_up", _("Given up")

    webhook = models.ForeignKey(
        RegulatorWebhook, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The notification's id, the same on every try: the receiver's key against duplicates.
    notification_id = models.CharField(max_length=80)
    change = models.CharField(max_length=24)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The HTTP status the receiver last answered (None: no answer, or not tried yet).
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # Why the last try failed, by class only ("HTTP 503", "TimeoutError"): never a body.
    last_failure = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    # When the next try is due (None once delivered or given up).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "notification_id"], name="oversight_delivery_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "failed", "delivered", "gave_up"]),
                name="oversight_delivery_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="oversight_delivered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["waiting", "failed"]) | Q(next_attempt_at__isnull=False),
                name="oversight_waiting_delivery_has_next_try",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="oversight_delivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="oversight_delivery_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} -> {self.webhook_id}"
