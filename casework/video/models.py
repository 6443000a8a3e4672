"""A video session: one per appointment, from the client's arrival to its end.

The call itself never passes through the server (WebRTC, peer to peer or through TURN), and
nothing of it is recorded. What is kept is what the start of a session asks for: where the
client said she was and what the jurisdiction check answered then, who admitted whom and when,
the identity check of a case's first session (its method), and how the session ended (with the
practitioner's reason, sealed under the case's data key). ``DropPlan`` is what the two agreed
for a dropped call: the number the practitioner phones, sealed too.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.vault.fields import EncryptedTextField


class SessionState(models.TextChoices):
    WAITING = "waiting", _("The client is in the waiting room")
    ADMITTED = "admitted", _("In session")
    ENDED = "ended", _("Ended")


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    ENDED_EARLY = "ended_early", _("Ended early")
    OUT_OF_PLACE = (
        "out_of_place",
        _("Ended: the client is somewhere the practitioner may not practise"),
    )
    NO_SHOW = "no_show", _("The client did not attend")


# Outcomes that need the practitioner's words.
OUTCOMES_WITH_REASON = (Outcome.ENDED_EARLY, Outcome.OUT_OF_PLACE)


class IdentityMethod(models.TextChoices):
    PHOTO_ID = "photo_id", _("Photo identity document shown on camera")
    KNOWN = "known", _("I know the client from earlier work")
    QUESTIONS = "questions", _("Answers only the client would know (from the referral or enquiry)")
    OTHER_PROFESSIONAL = "professional", _("Confirmed by another professional who knows them")


class VideoSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="video_session"
    )
    case = models.ForeignKey("care.Case", on_delete=models.PROTECT, related_name="video_sessions")
    state = models.CharField(
        max_length=8, choices=SessionState.choices, default=SessionState.WAITING
    )
    client_place = models.ForeignKey(
        "registry.Jurisdiction",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("where the client is"),
    )
    place_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The jurisdiction check as it answered when the client confirmed her place.
    may_practise = models.BooleanField(default=False)
    practise_reason = models.TextField(blank=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    identity_method = models.CharField(max_length=12, choices=IdentityMethod.choices, blank=True)
    identity_confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_reason = EncryptedTextField(data_key="case.data_key", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("video session")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=SessionState.values), name="video_state_known"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values), name="video_outcome_known"
            ),
            models.CheckConstraint(
                condition=(Q(state="ended") & Q(ended_at__isnull=False) & ~Q(outcome=""))
                | (~Q(state="ended") & Q(ended_at__isnull=True) & Q(outcome="")),
                name="video_ended_has_time_and_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(state="admitted") | Q(admitted_at__isnull=False),
                name="video_admitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(identity_confirmed_at__isnull=True, identity_method="")
                | (Q(identity_confirmed_at__isnull=False) & ~Q(identity_method="")),
                name="video_identity_has_method",
            ),
        ]

    def __str__(self) -> str:
        return f"video session of appointment {self.appointment_id}"

    @property
    def is_waiting(self) -> bool:
        return self.state == SessionState.WAITING and self.place_confirmed_at is not None

    @property
    def in_call(self) -> bool:
        return self.state == SessionState.ADMITTED

    @property
    def is_ended(self) -> bool:
        return self.state == SessionState.ENDED


class DropPlan(models.Model):
    """What the two agreed for a dropped call: rejoin, and if that fails the practitioner
    phones this number (sealed under the case's key)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField("care.Case", on_delete=models.CASCADE, related_name="drop_plan")
    phone = EncryptedTextField(data_key="case.data_key")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("plan for a dropped call")

    def __str__(self) -> str:
        return f"drop plan of case {self.case_id}"
