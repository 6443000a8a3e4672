"""Safety and trust: who has blocked whom, and what detection sent to moderators."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.safety.detection import LABELS
from casework.vault.fields import EncryptedTextField


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


class Detection(models.Model):
    """Text the detection pipeline sent to moderators: a client's flagged message once sent, or
    a practitioner's boundary-crossing draft whether or not it was then sent (PRODUCT C7).

    The text is sealed under the conversation's key, so erasing the conversation erases it too;
    moderators open it only through the audited evidence view.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="detections"
    )
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="detections"
    )
    # Set once the draft is sent; a draft the practitioner withdrew after the nudge has none.
    message = models.OneToOneField(
        "messaging.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="detection",
    )
    text = EncryptedTextField(data_key="conversation.data_key")
    categories = models.JSONField(default=list)
    severity = models.PositiveSmallIntegerField(default=1)
    sent = models.BooleanField(default=False)
    # The send's idempotency key: the nudge and the send that follows it are one detection.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("detection")
        verbose_name_plural = _("detections")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="safety_detection_once_per_send",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="safety_detection_severity"
            ),
            models.CheckConstraint(
                condition=Q(message__isnull=True) | Q(sent=True),
                name="safety_detection_message_is_sent",
            ),
        ]
        indexes = [models.Index(fields=["detected_at"], name="safety_detection_age")]

    def __str__(self) -> str:
        return f"detection {self.pk}"

    def category_labels(self) -> list[str]:
        """The categories by their names in the reader's language (a key no rule knows as is)."""
        return [str(LABELS.get(category, category)) for category in self.categories]


# Reports, moderators' decisions and appeals ---------------------------------------------------


class ReportCategory(models.TextChoices):
    HARASSMENT = "harassment", _("Harassment")
    SEXUAL_MISCONDUCT = "sexual_misconduct", _("Sexual misconduct")
    FRAUD = "fraud", _("Fraud or scam")
    BOUNDARY = "boundary", _("Boundary violation")
    IMPERSONATION = "impersonation", _("Impersonation or unregistered practice")
    CONFIDENTIALITY = "confidentiality", _("Confidentiality breach")
    SELF_HARM = "self_harm", _("Worry that someone may harm themselves")
    SPAM = "spam", _("Spam")
    OTHER = "other", _("Something else")


# What moderators look at first: harm to a person before harm to trust, before nuisance.
CATEGORY_SEVERITY: dict[str, int] = {
    ReportCategory.SEXUAL_MISCONDUCT: 3,
    ReportCategory.SELF_HARM: 3,
    ReportCategory.FRAUD: 3,
    ReportCategory.HARASSMENT: 2,
    ReportCategory.BOUNDARY: 2,
    ReportCategory.IMPERSONATION: 2,
    ReportCategory.CONFIDENTIALITY: 2,
    ReportCategory.SPAM: 1,
    ReportCategory.OTHER: 1,
}


class ReportTarget(models.TextChoices):
    PERSON = "person", _("A person")
    PROFILE = "profile", _("A profile")
    MESSAGE = "message", _("A message")
    ATTACHMENT = "attachment", _("An attachment")
    APPOINTMENT = "appointment", _("An appointment")
    CLAIM = "claim", _("A registration claim under review")
    COMMENT = "comment", _("A community comment")
    ARTICLE = "article", _("A community article")


class Report(models.Model):
    """Someone told moderators about a person or something of theirs (PRODUCT C7).

    ``reported`` is always the person concerned (a message's sender, a profile's practitioner),
    so that their history reads from one column. The reporter's words are sealed under the
    report's own data key; the messages they chose to show are linked in ``ReportEvidence``, and
    moderators read nothing else of the conversation.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        CLOSED = "closed", _("Decided")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not decided yet")
        NO_ACTION = "no_action", _("Reviewed: no breach of our rules found")
        ACTION_TAKEN = "action_taken", _("Reviewed: we acted under our rules")
        # The person acted on appealed, and another moderator withdrew every action taken.
        REVERSED = "reversed", _("Reviewed again on appeal: the action was withdrawn")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    # Empty for a visitor, who follows the report by its reference.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_made",
    )
    # Empty only for an anonymous community comment: nobody to act on, the comment to hide.
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_received",
    )
    target_kind = models.CharField(max_length=16, choices=ReportTarget.choices)
    # "<kind>:<id>": what the report is about, so one open report per reporter and thing.
    target_key = models.CharField(max_length=80)
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claim = models.ForeignKey(
        "registry.RegistrationClaim",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A community comment reported: the one thing of the community a moderator can hide.
    comment = models.ForeignKey(
        "community.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(_("what happened"), max_length=24, choices=ReportCategory.choices)
    severity = models.PositiveSmallIntegerField(default=1)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    details = EncryptedTextField(data_key="data_key", blank=True)
    evidence_consented = models.BooleanField(default=False)
    # Further reports of the same thing by the same person while this one was open.
    times_reported = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_key"],
                condition=Q(status="open", reporter__isnull=False),
                name="safety_one_open_report_per_thing",
            ),
            models.CheckConstraint(
                condition=~Q(reporter=F("reported")), name="safety_no_self_report"
            ),
            models.CheckConstraint(
                condition=Q(reported__isnull=False) | Q(target_kind="comment"),
                name="safety_report_names_a_person",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="safety_report_severity"
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True, outcome="pending")
                | (Q(status="closed", closed_at__isnull=False) & ~Q(outcome="pending")),
                name="safety_report_closed_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-severity", "created_at"], name="safety_report_queue"),
            models.Index(fields=["reported", "created_at"], name="safety_report_history"),
            models.Index(fields=["reporter", "created_at"], name="safety_report_rate"),
        ]

    def __str__(self) -> str:
        return self.reference


class ReportEvidence(models.Model):
    """A message the reporter chose to show moderators, with their consent."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    message = models.ForeignKey("messaging.Message", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "message"], name="safety_evidence_once")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} for {self.report_id}"


class ActionKind(models.TextChoices):
    DISMISS = "dismiss", _("Dismiss")
    WARN = "warn", _("Warn")
    RESTRICT = "restrict", _("Restrict: no new enquiries or bookings")
    SUSPEND = "suspend", _("Suspend the account")
    HIDE = "hide", _("Hide the message or comment")
    REFER = "refer", _("Refer to the regulator")


class ModerationAction(models.Model):
    """A moderator's decision on a report or a detection. Every decision but a dismissal
    affects a person, who gets a statement of reasons (what, why, which rule, how to appeal:
    the shape of the EU Digital Services Act, Art. 17) and may appeal it once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="moderation_actions"
    )
    affected = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_decisions",
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    detection = models.ForeignKey(
        Detection, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    # The message hidden by a "hide" decision (shown again if an appeal overturns it).
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Or the community comment it hid (through community's own moderation service).
    comment = models.ForeignKey(
        "community.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.CharField(_("rule"), max_length=40)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    # The "why" of the statement of reasons, in the moderator's plain words.
    reason = EncryptedTextField(data_key="data_key")
    # False once an appeal overturned it: a restriction lifts, an account comes back.
    in_force = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        constraints = [
            # Every decision but a dismissal affects a person, except hiding an anonymous
            # comment, which has nobody behind it.
            models.CheckConstraint(
                condition=Q(kind="dismiss")
                | Q(affected__isnull=False)
                | Q(kind="hide", comment__isnull=False),
                name="safety_action_affects_someone",
            ),
            models.CheckConstraint(
                condition=~Q(moderator=F("affected")), name="safety_no_action_on_oneself"
            ),
            models.CheckConstraint(
                condition=~Q(kind="hide") | Q(message__isnull=False) | Q(comment__isnull=False),
                name="safety_hide_names_content",
            ),
        ]
        indexes = [
            models.Index(fields=["affected", "kind", "in_force"], name="safety_action_standing"),
            models.Index(fields=["created_at"], name="safety_action_month"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class RegulatorReferral(models.Model):
    """A practitioner referred to a regulator that registers them: the record the regulator
    portal picks up as a complaint (``picked_up_at`` set once it has)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.ForeignKey(ModerationAction, on_delete=models.PROTECT, related_name="referrals")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="regulator_referrals"
    )
    regulator = models.ForeignKey(
        "registry.Regulator", on_delete=models.PROTECT, related_name="platform_referrals"
    )
    claim = models.ForeignKey(
        "registry.RegistrationClaim", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    picked_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action", "regulator"], name="safety_referral_once_per_regulator"
            )
        ]

    def __str__(self) -> str:
        return f"referral {self.pk}"


class Appeal(models.Model):
    """The affected person's one appeal of a decision, decided by another moderator; final."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for a moderator")
        UPHELD = "upheld", _("The decision stands")
        OVERTURNED = "overturned", _("The decision was reversed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.OneToOneField(ModerationAction, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals"
    )
    # Who made the decision appealed: never the one who decides the appeal.
    first_moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    grounds = EncryptedTextField(data_key="data_key")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_decided",
    )
    explanation = EncryptedTextField(data_key="data_key", blank=True)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(decided_by=F("first_moderator")),
                name="safety_appeal_another_moderator",
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(outcome="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="safety_appeal_decided_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk}"
