"""Supervision of a case (PRODUCT C6): a colleague who reads the practitioner's case notes.

The practitioner invites a colleague by email; only a verified practitioner (in good standing
on the registers, read at every access) who accepts the invitation reads anything, and the
client is told who it is. Supervision is of one practitioner's work on one case: it ends when
the case closes or moves to another practitioner (who chooses again), and the client, the
practitioner or the supervisor may end it at any time.

An invitation to an address that names no verified practitioner is kept too, with no
supervisor: the practitioner sees the same "invited, waiting for an answer" whatever the
address, so the form does not tell who has an account.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SupervisionStatus(models.TextChoices):
    INVITED = "invited", _("Invited, waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


# Supervisions that hold a place on the case (at most one at a time).
LIVE_SUPERVISION_STATUSES = (SupervisionStatus.INVITED, SupervisionStatus.ACCEPTED)


class SupervisionEnd(models.TextChoices):
    """Why a supervision ended."""

    PRACTITIONER = "practitioner", _("The practitioner ended it")
    SUPERVISOR = "supervisor", _("The supervisor stepped down")
    CLIENT = "client", _("The client withdrew it")
    CASE_CLOSED = "case_closed", _("The case closed")
    TRANSFERRED = "transferred", _("The case moved to another practitioner")


class Supervision(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("care.Case", on_delete=models.CASCADE, related_name="supervisions")
    # Whose work is supervised: the case's practitioner when they invited. Only their notes are
    # read, never those of a practitioner who held the case before.
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervisions_asked"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    invited_email = models.EmailField(_("supervisor's email address"))
    status = models.CharField(
        max_length=8, choices=SupervisionStatus.choices, default=SupervisionStatus.INVITED
    )
    invited_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(max_length=12, choices=SupervisionEnd.choices, blank=True)

    class Meta:
        ordering = ["case", "-invited_at"]
        verbose_name = _("supervision")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["invited", "accepted"]),
                name="care_one_live_supervision_per_case",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SupervisionStatus.values),
                name="care_supervision_status_known",
            ),
            models.CheckConstraint(
                condition=Q(supervisor__isnull=True) | ~Q(supervisor=F("practitioner")),
                name="care_supervisor_is_someone_else",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(supervisor__isnull=False),
                name="care_accepted_supervision_has_supervisor",
            ),
            models.CheckConstraint(
                condition=Q(status="invited", answered_at__isnull=True)
                | (~Q(status="invited") & Q(answered_at__isnull=False))
                | Q(status="ended"),
                name="care_answered_supervision_has_time",
            ),
            models.CheckConstraint(
                condition=(Q(status="ended") & Q(ended_at__isnull=False) & ~Q(end_reason=""))
                | (~Q(status="ended") & Q(ended_at__isnull=True, end_reason="")),
                name="care_ended_supervision_has_time_and_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["supervisor", "case"],
                condition=Q(status="accepted"),
                name="care_accepted_supervision",
            )
        ]

    def __str__(self) -> str:
        return f"supervision {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_SUPERVISION_STATUSES
