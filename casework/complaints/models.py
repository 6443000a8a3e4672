"""Complaints about practitioners, and where they went.

A complaint's words, its evidence files' names and the outcome the officer writes are sealed
by the vault under the complaint's own data key. The complainant follows it with a reference
and a secret (only the secret's SHA-256 is kept); nothing needs their email or name.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.registry.models import Regulator
from casework.vault.fields import EncryptedTextField


class Category(models.TextChoices):
    """What the complaint is about (the report categories of moderation that concern
    practice; spam is moderation's alone)."""

    HARASSMENT = "harassment", _("Harassment")
    SEXUAL_MISCONDUCT = "sexual_misconduct", _("Sexual misconduct")
    FRAUD = "fraud", _("Fraud or scam")
    BOUNDARY = "boundary", _("Crossing professional boundaries")
    IMPERSONATION = "impersonation", _("Impersonation or unregistered practice")
    CONFIDENTIALITY = "confidentiality", _("Breach of confidentiality")
    OTHER = "other", _("Something else")


class ComplaintState(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    REFERRED = "referred", _("Referred")
    CLOSED = "closed", _("Closed")


class Source(models.TextChoices):
    PUBLIC = "public", _("Filed by a member of the public")
    MODERATION = "moderation", _("Referred by the platform's moderators")


class Complaint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What the complainant keeps: "CW-7K3M-9QXD". Alone it opens nothing (the secret is needed).
    reference = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints_about"
    )
    # Set only when a signed-in complainant chose to tell the regulator who they are.
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints_filed",
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PUBLIC)
    # An opaque reference of what moderation referred (its report or referral), if any.
    source_reference = models.CharField(max_length=80, blank=True)
    state = models.CharField(
        max_length=14, choices=ComplaintState.choices, default=ComplaintState.RECEIVED
    )
    # No registration on the platform to route by: the platform's moderators handle it.
    to_moderators = models.BooleanField(default=False)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    details = EncryptedTextField(data_key="data_key")
    # Written by the officer for the complainant when it closes.
    outcome_summary = EncryptedTextField(data_key="data_key", null=True, blank=True)
    # The form's one-time key: a submit sent twice files one complaint.
    idempotency_key = models.UUIDField(unique=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ComplaintState.values), name="complaints_state_known"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="complaints_category_known"
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="complaints_source_known"
            ),
            models.CheckConstraint(
                condition=(Q(state="closed") & Q(closed_at__isnull=False))
                | (~Q(state="closed") & Q(closed_at__isnull=True)),
                name="complaints_closed_when_closed",
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "created_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.state == ComplaintState.CLOSED


class ComplaintRoute(models.Model):
    """A regulator a complaint went to: one per regulator of the practitioner's verified
    registrations when it was filed."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="routes")
    regulator = models.ForeignKey(
        Regulator, on_delete=models.PROTECT, related_name="complaint_routes"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "regulator"], name="complaints_route_once")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} -> {self.regulator_id}"


class ComplaintEvidence(models.Model):
    """A file sent with a complaint: content and name sealed under the complaint's key, the
    type what the content is (sniffed), the SHA-256 of the content as received."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    sealed_content = models.BinaryField()
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    name = EncryptedTextField(data_key="complaint.data_key")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=1), name="complaints_evidence_not_empty")
        ]

    def __str__(self) -> str:
        return f"evidence {self.pk}"


class ComplaintProgress(models.Model):
    """One step of a complaint: its history, as officers and the complainant see it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="progress")
    state = models.CharField(max_length=14, choices=ComplaintState.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.state}"


class BundleDownload(models.Model):
    """Who downloaded a complaint's evidence bundle, and when (each bundle lists them)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="downloads")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} by {self.by_id}"
