"""Safety and trust: who has blocked whom."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


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
