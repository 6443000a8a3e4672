"""Cases, consent, check-ins, urgent flags, case notes, referrals and break-glass openings.

Everything a client confides (emergency contact, crisis plan, check-in answers, notes, referral
letters, break-glass reasons) is sealed with the case's own data key (vault owner
``case:<uuid>``), so destroying that key erases the case's content. What the caseload ranks on
(status, scores, bands, burden, urgent flags, dates) stays plain, so it can be ranked in SQL.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.care.instruments import INSTRUMENTS
from casework.vault.fields import EncryptedJSONField, EncryptedTextField


class CaseStatus(models.TextChoices):
    ENQUIRY = "enquiry", _("Enquiry")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.ENQUIRY, CaseStatus.ACTIVE, CaseStatus.PAUSED)


class CaseSource(models.TextChoices):
    ENQUIRY = "enquiry", _("An accepted enquiry")
    BOOKING = "booking", _("A first booking")
    REFERRAL = "referral", _("A referral")


class OnlineSuitability(models.TextChoices):
    UNASSESSED = "unassessed", _("Not yet assessed")
    SUITABLE = "suitable", _("Online work suits this client")
    NOT_SUITABLE = "not_suitable", _("Online work does not suit this client")


class Case(models.Model):
    """A practitioner's work with one client. At most one open case per pair."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseload"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.ACTIVE
    )
    source = models.CharField(_("opened from"), max_length=8, choices=CaseSource.choices)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    client_location = models.ForeignKey(
        "registry.Jurisdiction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("where the client is"),
    )
    emergency_contact = EncryptedTextField(_("emergency contact"), null=True, blank=True)
    crisis_plan = EncryptedTextField(_("crisis plan"), null=True, blank=True)
    online_suitability = models.CharField(
        _("online work"),
        max_length=12,
        choices=OnlineSuitability.choices,
        default=OnlineSuitability.UNASSESSED,
    )
    online_alternative = EncryptedTextField(_("alternative offered"), null=True, blank=True)
    online_assessed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Where the practitioner's sight of the check-ins begins (plans, answers, scores, flags):
    # set when a transfer hands the case over without the client sharing their scores, so the
    # new practitioner sees only what came after. None: from the beginning.
    check_ins_visible_from = models.DateTimeField(null=True, blank=True)
    # What the caseload ranks by and shows, stored so that a page of it is an indexed slice;
    # kept current by care's services and reactions, never written by hand
    # (services/need.py says what refreshes it and how time passing is followed).
    need_rank = models.IntegerField(default=0, editable=False)
    open_flags = models.PositiveIntegerField(default=0, editable=False)
    missed_check_ins = models.PositiveIntegerField(default=0, editable=False)
    last_instrument = models.CharField(max_length=8, blank=True, default="", editable=False)
    last_score = models.IntegerField(null=True, blank=True, editable=False)
    score_change = models.FloatField(null=True, blank=True, editable=False)
    last_contact_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_appointment_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The first moment at which time alone changes the stored need (a check-in expiring, a
    # missed one leaving the window, an appointment starting); None: nothing pending.
    need_changes_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "client"],
                condition=~Q(status="closed"),
                name="care_one_open_case_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="care_case_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="care_closed_case_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(practitioner=F("client")), name="care_nobody_is_their_own_client"
            ),
            models.CheckConstraint(
                condition=~Q(online_suitability="not_suitable")
                | Q(online_alternative__isnull=False),
                name="care_unsuitable_names_alternative",
            ),
            models.CheckConstraint(
                condition=Q(check_ins_visible_from__isnull=True)
                | Q(check_ins_visible_from__gte=F("opened_at")),
                name="care_check_ins_visible_from_after_opening",
            ),
        ]
        indexes = [
            models.Index(fields=["practitioner", "status"], name="care_caseload"),
            # The caseload's order (queries.ranked): a page is a slice of this index. It also
            # holds what picking a page filters and joins on (status, client, key), so that
            # walking it answers without reading the table (SQLite scans and sorts otherwise).
            models.Index(
                fields=[
                    "practitioner",
                    "-need_rank",
                    "last_contact_at",
                    "next_appointment_at",
                    "status",
                    "client",
                    "id",
                ],
                name="care_caseload_by_need",
            ),
            # Cases whose stored need time has overtaken (services/need.py).
            models.Index(fields=["practitioner", "need_changes_at"], name="care_need_changes"),
            models.Index(fields=["need_changes_at"], name="care_need_changes_everyone"),
        ]

    def __str__(self) -> str:
        return f"case {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CaseStatusChange(models.Model):
    """The history of a case's status, with the reason in the practitioner's words."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=8, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=8, choices=CaseStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    reason = EncryptedTextField(data_key="case.data_key", null=True, blank=True)

    class Meta:
        ordering = ["case", "changed_at"]
        verbose_name = _("case status change")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class Technology(models.TextChoices):
    VIDEO = "video", _("Video sessions")
    MESSAGING = "messaging", _("Secure messaging")
    CHECK_INS = "check_ins", _("Check-ins between sessions")


class Consent(models.Model):
    """A client's informed consent to one online technology, to one version of its text."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    technology = models.CharField(max_length=12, choices=Technology.choices)
    text_version = models.CharField(max_length=20)
    given_at = models.DateTimeField()
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["case", "given_at"]
        verbose_name = _("consent")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "technology"],
                condition=Q(withdrawn_at__isnull=True),
                name="care_one_live_consent_per_technology",
            ),
            models.CheckConstraint(
                condition=Q(technology__in=Technology.values), name="care_technology_known"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("given_at")),
                name="care_consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technology} v{self.text_version} for {self.case_id}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


def instrument_choices() -> list[tuple[str, object]]:
    return [(code, instrument.name) for code, instrument in INSTRUMENTS.items()]


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class CheckInPlan(models.Model):
    """One instrument on a schedule: every ``every_days`` days from ``starts_on``, at
    ``time_of_day`` in the client's own time zone."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    instrument = models.CharField(_("check-in"), max_length=8, choices=instrument_choices)
    every_days = models.PositiveSmallIntegerField(_("every (days)"))
    time_of_day = models.TimeField(_("time of day"))
    starts_on = models.DateField(_("first day"))
    status = models.CharField(max_length=8, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "created_at"]
        verbose_name = _("check-in plan")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "instrument"],
                condition=~Q(status="ended"),
                name="care_one_plan_per_instrument",
            ),
            models.CheckConstraint(
                condition=Q(every_days__gte=1, every_days__lte=28),
                name="care_plan_every_1_to_28_days",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="care_plan_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="ended", ended_at__isnull=False)
                | (~Q(status="ended") & Q(ended_at__isnull=True)),
                name="care_ended_plan_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} every {self.every_days} days for {self.case_id}"


class CheckInStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class CheckIn(models.Model):
    """One due check-in. Answerable from ``due_at`` until ``expires_at``, once.

    ``burden`` is the score on one scale for every instrument (0 best, 1 worst);
    ``baseline_burden`` is the client's own baseline on that instrument when it was answered
    (the mean of their first answers to it), so the caseload ranks a worsening trend in SQL.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(CheckInPlan, on_delete=models.CASCADE, related_name="check_ins")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="check_ins")
    instrument = models.CharField(max_length=8, choices=instrument_choices)
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=CheckInStatus.choices, default=CheckInStatus.OPEN
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answers = EncryptedJSONField(data_key="case.data_key", null=True, blank=True)
    score = models.IntegerField(null=True, blank=True)
    concern = models.PositiveSmallIntegerField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    burden = models.FloatField(null=True, blank=True)
    baseline_burden = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["case", "due_at"]
        verbose_name = _("check-in")
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_at"], name="care_one_check_in_per_time"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("due_at")), name="care_check_in_expires_after_due"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CheckInStatus.values), name="care_check_in_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="answered", answered_at__isnull=False)
                | (~Q(status="answered") & Q(answered_at__isnull=True)),
                name="care_answered_check_in_has_time",
            ),
            models.CheckConstraint(
                condition=Q(burden__isnull=True) | Q(burden__gte=0, burden__lte=1),
                name="care_burden_between_0_and_1",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "status", "answered_at"], name="care_check_in_trend"),
            models.Index(fields=["status", "due_at"], name="care_check_in_due"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} due {self.due_at:%Y-%m-%d %H:%M}Z"


class UrgentFlag(models.Model):
    """Raised at once by an urgent check-in; stays at the top of the caseload until a
    practitioner acknowledges it (who and when are kept)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    check_in = models.OneToOneField(
        CheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="flag"
    )
    raised_at = models.DateTimeField()
    reasons = EncryptedJSONField(data_key="case.data_key", default=list)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["case", "raised_at"]
        verbose_name = _("urgent flag")
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False),
                name="care_flag_acknowledged_with_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["case"],
                condition=Q(acknowledged_at__isnull=True),
                name="care_open_flags",
            )
        ]

    def __str__(self) -> str:
        return f"urgent flag {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class NoteTemplate(models.TextChoices):
    DAP = "dap", _("DAP (data, assessment, plan)")
    SOAP = "soap", _("SOAP (subjective, objective, assessment, plan)")
    FREE = "free", _("Free text")


class CaseNote(models.Model):
    """A case note, sealed. Its author (and a supervisor who accepted the role) read it; it is
    locked ``locks_at`` (24 hours after it was written), after which it changes only by
    addenda."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_notes"
    )
    template = models.CharField(_("template"), max_length=4, choices=NoteTemplate.choices)
    session_on = models.DateField(_("date of the contact"))
    content = EncryptedJSONField(data_key="case.data_key")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    locks_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "-session_on", "-created_at"]
        verbose_name = _("case note")
        constraints = [
            models.CheckConstraint(
                condition=Q(locks_at__gt=F("created_at")), name="care_note_locks_after_written"
            ),
            models.CheckConstraint(
                condition=Q(template__in=NoteTemplate.values), name="care_note_template_known"
            ),
        ]

    def __str__(self) -> str:
        return f"note {self.pk}"


class NoteAddendum(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(CaseNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(data_key="note.case.data_key")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["note", "created_at"]
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")

    def __str__(self) -> str:
        return f"addendum {self.pk}"


class ReferralKind(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    TRANSFER = "transfer", _("Transfer")


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the client")
    SHARED = "shared", _("Shared with the client's agreement")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined by the client")
    REFUSED = "refused", _("Not taken on")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # The case it came from closed: nothing is shared any more unless the client renews it.
    LAPSED = "lapsed", _("Ended with the case")


# Referrals the receiving practitioner can read (the client agreed and has not withdrawn), while
# the case they came from is open, or after it closed once the client renewed them.
VISIBLE_TO_RECIPIENT = (ReferralStatus.SHARED, ReferralStatus.ACCEPTED)
LIVE_REFERRAL_STATUSES = (ReferralStatus.PROPOSED, *VISIBLE_TO_RECIPIENT)


class SharedItem(models.TextChoices):
    """What a referral may carry; the client picks which of the proposed ones go."""

    SUMMARY = "summary", _("The referral letter")
    LOCATION = "location", _("Where you are")
    EMERGENCY = "emergency", _("Your emergency contact and crisis plan")
    SCORES = "scores", _("Your check-in scores")


class Referral(models.Model):
    """A referral (another practitioner sees what the client agreed to share) or a transfer
    (the case is handed over). Nothing reaches the other practitioner before the client
    agrees, and the client can withdraw at any time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(max_length=8, choices=ReferralKind.choices)
    from_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    to_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_received"
    )
    proposed_items = models.JSONField(default=list)
    shared_items = models.JSONField(default=list)
    summary = EncryptedTextField(data_key="case.data_key")
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lapsed_at = models.DateTimeField(null=True, blank=True)
    # Set when the client renewed a lapsed referral: it is shared again after its case closed.
    renewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "-created_at"]
        verbose_name = _("referral")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "to_practitioner"],
                condition=Q(status__in=["proposed", "shared"]),
                name="care_one_live_referral_per_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(from_practitioner=F("to_practitioner")),
                name="care_referral_to_someone_else",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="care_referral_status_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReferralKind.values), name="care_referral_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="lapsed") | Q(lapsed_at__isnull=False, kind="referral"),
                name="care_lapsed_referral_has_time",
            ),
            models.CheckConstraint(
                condition=Q(renewed_at__isnull=True) | Q(lapsed_at__isnull=False),
                name="care_only_a_lapsed_referral_is_renewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_REFERRAL_STATUSES

    def shares(self, item: str) -> bool:
        return self.status in VISIBLE_TO_RECIPIENT and item in self.shared_items

    @property
    def is_renewable(self) -> bool:
        return self.status == ReferralStatus.LAPSED


class BreakGlassOpening(models.Model):
    """Someone outside the normal path opened a client's emergency details, with a reason
    the client is shown."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_openings")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = EncryptedTextField(data_key="case.data_key")
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "-opened_at"]
        verbose_name = _("break-glass opening")

    def __str__(self) -> str:
        return f"break-glass {self.pk}"


# Supervision lives in its own module; imported here so that Django finds the model.
from casework.care.models.supervision import (  # noqa: E402
    LIVE_SUPERVISION_STATUSES as LIVE_SUPERVISION_STATUSES,
)
from casework.care.models.supervision import Supervision as Supervision  # noqa: E402
from casework.care.models.supervision import SupervisionEnd as SupervisionEnd  # noqa: E402
from casework.care.models.supervision import SupervisionStatus as SupervisionStatus  # noqa: E402
