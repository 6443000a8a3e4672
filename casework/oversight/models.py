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
    """One notification the regulator's system accepted (failures are retried by the outbox
    and logged without content)."""

    webhook = models.ForeignKey(
        RegulatorWebhook, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The notification's id, the same on every try: the receiver's key against duplicates.
    notification_id = models.CharField(max_length=80)
    change = models.CharField(max_length=24)
    status_code = models.PositiveSmallIntegerField()
    delivered_at = models.DateTimeField()

    class Meta:
        ordering = ["-delivered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "notification_id"], name="oversight_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} -> {self.webhook_id}"
