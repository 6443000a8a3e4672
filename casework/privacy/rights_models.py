"""Requests a person makes about their own data: an export of all of it, the erasure of it.

Both are rows with a state, so a person sees where their request stands, the clock finds what
falls due, and the database refuses a second export or erasure while one is under way.
Imported by ``casework.privacy.models`` so that Django finds them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    # A case's export for a transfer waits for its client's word before anything is built.
    ASKING = "asking", _("Waiting for the client's consent")
    DECLINED = "declined", _("Declined by the client")
    QUEUED = "queued", _("Waiting to start")
    BUILDING = "building", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Could not be prepared")
    EXPIRED = "expired", _("Expired")


# An export in one of these is under way: a person has at most one (a database constraint).
RUNNING_EXPORT_STATUSES = (ExportStatus.QUEUED, ExportStatus.BUILDING)
# A case's export for a transfer in one of these is under way: one per case at a time.
RUNNING_CASE_EXPORT_STATUSES = (ExportStatus.ASKING, *RUNNING_EXPORT_STATUSES)


class DataExport(models.Model):
    """One archive of everything a person holds on the platform or, with ``case`` set, of one
    case, asked for by its practitioner (``person``) for a transfer and built only once the
    client agreed.

    The archive is sealed under a data key of its own (vault owner ``export:<uuid>``); when
    the download link expires the key is destroyed and the sealed bytes emptied, so an expired
    archive is gone, not merely hidden.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    # How far the build has come, in per cent: the page shows it while it runs.
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    requested_at = models.DateTimeField(_("requested"))
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    data_key = models.ForeignKey(
        "vault.DataKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    archive = models.BinaryField(default=b"", blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    case = models.ForeignKey(
        "care.Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="transfer_exports",
        verbose_name=_("case"),
    )
    # When the client agreed to (or declined) the export of her case.
    consent_decided_at = models.DateTimeField(_("client answered"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["queued", "building"], case__isnull=True),
                name="privacy_one_running_export_per_person",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["asking", "queued", "building"]),
                name="privacy_one_running_export_per_case",
            ),
            # Only a case's export asks anyone's consent; it is built only once given.
            models.CheckConstraint(
                condition=Q(case__isnull=False) | ~Q(status__in=["asking", "declined"]),
                name="privacy_only_a_case_export_asks",
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=True)
                | Q(status="asking", consent_decided_at__isnull=True)
                # Called off unanswered (by its practitioner, or by an erasure): expired.
                | Q(status="expired")
                | (~Q(status__in=["asking", "expired"]) & Q(consent_decided_at__isnull=False)),
                name="privacy_case_export_answered_before_built",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="privacy_export_status_known"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="privacy_export_progress_in_per_cent"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready")
                | Q(expires_at__isnull=False, ready_at__isnull=False, data_key__isnull=False),
                name="privacy_ready_export_expires",
            ),
            models.CheckConstraint(
                condition=Q(status="ready") | Q(archive=b""),
                name="privacy_only_a_ready_export_holds_an_archive",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_EXPORT_STATUSES


class ErasureStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the cooling-off period to end")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")


class ErasureRequest(models.Model):
    """A person asked for their account to be erased; it happens when ``erase_after`` has
    passed (the cooling-off period), unless they cancel first."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="erasure_requests"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.WAITING
    )
    requested_at = models.DateTimeField(_("requested"))
    erase_after = models.DateTimeField(_("erased after"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # What was removed, kept and sealed: counts by kind, never content.
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="waiting"),
                name="privacy_one_waiting_erasure_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ErasureStatus.values), name="privacy_erasure_status_known"
            ),
            models.CheckConstraint(
                condition=Q(erase_after__gt=F("requested_at")),
                name="privacy_erasure_after_cooling_off",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="privacy_cancelled_erasure_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False),
                name="privacy_done_erasure_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["erase_after"],
                condition=Q(status="waiting"),
                name="privacy_erasures_due",
            )
        ]

    def __str__(self) -> str:
        return f"erasure {self.pk} ({self.status})"


class LegalHold(models.Model):
    """A moderator, regulator officer or administrator froze a person's records, or a case's,
    for a stated reason (an investigation, a complaint, a court order): while the hold is in
    force neither the retention task nor an erasure removes them. Lifted, never deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
        verbose_name=_("person"),
    )
    case = models.ForeignKey(
        "care.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
        verbose_name=_("case"),
    )
    reason = models.CharField(_("reason"), max_length=500)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed"))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            # On a person or on a case, never both, never neither.
            models.CheckConstraint(
                condition=Q(person__isnull=False, case__isnull=True)
                | Q(person__isnull=True, case__isnull=False),
                name="privacy_hold_on_one_thing",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="privacy_hold_has_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_by__isnull=True)
                | Q(lifted_at__isnull=False, lifted_by__isnull=False),
                name="privacy_lifted_hold_says_by_whom",
            ),
        ]
        indexes = [
            models.Index(
                fields=["person"], condition=Q(lifted_at__isnull=True), name="privacy_holds_person"
            ),
            models.Index(
                fields=["case"], condition=Q(lifted_at__isnull=True), name="privacy_holds_case"
            ),
        ]

    def __str__(self) -> str:
        return f"legal hold {self.pk}"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None
