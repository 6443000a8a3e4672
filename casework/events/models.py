"""The outbox: each domain event, written in the transaction of the change it records, and a
record of each reaction done to it, so that every reaction happens exactly once."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("event"), max_length=80)
    # Ids and flags only (see catalogue.py): never content.
    payload = models.JSONField(_("payload"))
    occurred_at = models.DateTimeField(_("occurred at"))
    # When the relay may next try it; set at once when written, pushed back after a failure.
    retry_at = models.DateTimeField(_("next try"))
    attempts = models.PositiveIntegerField(_("failed tries"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(
                fields=["retry_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="events_outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.pk}"


class Reaction(models.Model):
    """One subscriber's reaction to one event, done: the idempotency record."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="reactions")
    subscriber = models.CharField(_("subscriber"), max_length=80)
    done_at = models.DateTimeField(_("done at"))

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="events_one_reaction_per_subscriber"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} on {self.event_id}"


class EmailDelivery(models.Model):
    """One email on its way: sealed by the vault until it is sent, then only its outcome.

    The task queue carries the id alone, so no body or link (a password-reset link, say) is in
    the queue's table; once sent, ``sealed`` is emptied and what stays says when, to how many
    addresses and with what outcome, never what.
    """

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will try again")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    sealed = models.TextField(_("sealed message"), blank=True)
    recipients = models.PositiveSmallIntegerField(_("recipients"))
    created_at = models.DateTimeField(_("created at"))
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.WAITING
    )
    attempts = models.PositiveIntegerField(_("tries"), default=0)
    last_failure = models.CharField(_("last failure"), max_length=60, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When a worker claimed it for sending; a claim older than the lease is a dead worker's and
    # may be taken again (``casework/emails.py``).
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="sent") | models.Q(sealed=""),
                name="events_sent_email_kept_sealed_no_more",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome}"


class PushDelivery(models.Model):
    """One web push notice to one device: sealed by the vault until it is sent, then only its
    outcome (see ``casework/pushes.py``).

    ``notice`` names the notice (a reminder of one appointment for one person, say): one
    delivery per notice and device, so a retry of whatever queued it never pushes twice.
    """

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will try again")
        DROPPED = "dropped", _("Device gone")
        EXPIRED = "expired", _("Too late to send")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    notice = models.CharField(_("notice"), max_length=120)
    subscription = models.ForeignKey(
        "accounts.PushSubscription",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("push subscription"),
    )
    sealed = models.TextField(_("sealed message"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    # A push is worth nothing after this (an appointment that has begun); also its TTL.
    expires_at = models.DateTimeField(_("expires at"))
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.WAITING
    )
    attempts = models.PositiveIntegerField(_("tries"), default=0)
    last_failure = models.CharField(_("last failure"), max_length=40, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("push delivery")
        verbose_name_plural = _("push deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "subscription"], name="events_one_push_per_notice_and_device"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["waiting", "failed"]) | models.Q(sealed=""),
                name="events_finished_push_kept_sealed_no_more",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome}"
