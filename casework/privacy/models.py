from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("the audit log is append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("the audit log is append-only")


class AuditEvent(models.Model):
    """One entry of the append-only audit log.

    Rows are never updated or deleted: the model refuses it, and so does the database (triggers
    on PostgreSQL and SQLite, see migrations 0002 and 0003). ``seq`` comes from the database's
    own counter, so writers never wait for one another; a rolled-back write leaves a gap, which
    is why gaps prove nothing and the seals (``AuditSeal``) say which events exist.
    ``actor_id`` is a plain number, not a foreign key, so erasing a person never has to
    rewrite the log.
    """

    seq = models.BigAutoField(primary_key=True, editable=False)
    occurred_at = models.DateTimeField(db_index=True, editable=False)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True, editable=False)
    actor_role = models.CharField(max_length=32, blank=True, editable=False)
    action = models.CharField(max_length=64, db_index=True, editable=False)
    object_type = models.CharField(max_length=64, blank=True, editable=False)
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    subject_id = models.BigIntegerField(
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("The person whose record this event concerns, shown to them."),
    )
    request_id = models.CharField(max_length=64, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    reason = models.TextField(blank=True, editable=False)
    detail = models.JSONField(default=dict, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["subject_id", "-occurred_at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("the audit log is append-only")


class AuditSeal(models.Model):
    """A short batch of events, sealed: the Merkle root of their leaf hashes (RFC 6962),
    chained to the seal before it, under a keyed MAC (``CASEWORK_AUDIT_KEY``).

    Seals are numbered without gaps; two sealers racing for the same number cannot both
    commit. Like events, seals are append-only in the database.
    """

    number = models.PositiveBigIntegerField(primary_key=True, editable=False)
    sealed_at = models.DateTimeField(editable=False)
    size = models.PositiveIntegerField(editable=False)
    root = models.CharField(max_length=64, editable=False)  # Merkle root of this batch
    previous = models.CharField(max_length=64, editable=False)  # the seal before's chain
    chain = models.CharField(max_length=64, editable=False)  # node(previous, root)
    mac = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["number"]
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        constraints = [models.CheckConstraint(condition=models.Q(size__gt=0), name="seal_size")]

    def __str__(self) -> str:
        return f"seal {self.number}"


class AuditSealedEvent(models.Model):
    """Which seal holds an event, and where: the log's leaf for it, with a MAC of its own so
    that a changed event is named even when every unkeyed hash around it was recomputed.

    ``event_seq`` is a plain number, not a foreign key: removing an event must leave this
    record behind as the evidence that it existed.
    """

    event_seq = models.BigIntegerField(primary_key=True, editable=False)
    seal = models.ForeignKey(
        AuditSeal, on_delete=models.PROTECT, related_name="leaves", editable=False
    )
    position = models.PositiveIntegerField(editable=False)
    leaf_hash = models.CharField(max_length=64, editable=False)
    mac = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["seal", "position"]
        constraints = [
            models.UniqueConstraint(fields=["seal", "position"], name="one_leaf_per_position")
        ]

    def __str__(self) -> str:
        return f"event #{self.event_seq} in seal {self.seal_id}"


class RetentionReport(models.Model):
    """One run of the retention task: what each rule found past its period and what it
    removed. A dry run removes nothing and says what it would have removed.

    ``lines`` holds, per data class and rule: the rule's jurisdiction and period, how many
    records were due, how many removed, and the first ids due (ids only: never content).
    """

    ran_at = models.DateTimeField(_("ran at"), db_index=True, editable=False)
    dry_run = models.BooleanField(_("dry run"), editable=False)
    due = models.PositiveIntegerField(_("due for removal"), editable=False)
    removed = models.PositiveIntegerField(_("removed"), editable=False)
    lines = models.JSONField(_("by rule"), default=list, editable=False)

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("retention report")
        verbose_name_plural = _("retention reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removed__lte=models.F("due")), name="retention_removes_only_due"
            ),
            models.CheckConstraint(
                condition=models.Q(dry_run=False) | models.Q(removed=0),
                name="retention_dry_run_removes_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"retention {self.ran_at:%Y-%m-%d %H:%M}{' (dry run)' if self.dry_run else ''}"


# A person's requests about their own data live in their own module; imported here so that
# Django finds the models.
from casework.privacy.rights_models import DataExport as DataExport  # noqa: E402
from casework.privacy.rights_models import ErasureRequest as ErasureRequest  # noqa: E402
from casework.privacy.rights_models import LegalHold as LegalHold  # noqa: E402
