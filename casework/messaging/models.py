"""Confidential conversations between clients, practitioners and moderators.

Every body, revision and attachment is encrypted with the conversation's own data key (the
vault), so destroying that key erases the conversation. ``Message.seq`` numbers a
conversation's messages from 1 without gaps: it is the cursor live clients resume from.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.vault.fields import EncryptedTextField


class Conversation(models.Model):
    class Kind(models.TextChoices):
        ENQUIRY = "enquiry", _("Enquiry")
        CASE = "case", _("Case conversation")
        CONSULTATION = "consultation", _("Consultation")
        MODERATION = "moderation", _("Conversation with a moderator")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    data_key = models.ForeignKey(
        "vault.DataKey", on_delete=models.PROTECT, related_name="conversations"
    )
    # Enquiries and case conversations join one client and one practitioner; the pair carries
    # the "one open enquiry at a time" rule. Consultations and moderation leave them empty.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="client_conversations",
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practitioner_conversations",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversations_started"
    )
    # Where the client said they are: the out-of-hours reply carries that place's crisis lines.
    client_jurisdiction = models.ForeignKey(
        "registry.Jurisdiction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("where the client is"),
    )
    last_seq = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # The office-hours opening the last automatic reply pointed to: one reply per closed period.
    auto_replied_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["enquiry", "case", "consultation", "moderation"]),
                name="messaging_conversation_kind_known",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["enquiry", "case"])
                | (Q(client__isnull=False) & Q(practitioner__isnull=False)),
                name="messaging_client_conversation_has_pair",
            ),
            models.CheckConstraint(
                condition=Q(state="open", closed_at__isnull=True)
                | Q(state="closed", closed_at__isnull=False),
                name="messaging_closed_has_time",
            ),
            models.UniqueConstraint(
                fields=["client", "practitioner"],
                condition=Q(kind="enquiry", state="open"),
                name="messaging_one_open_enquiry_per_pair",
            ),
            models.UniqueConstraint(
                fields=["client", "practitioner"],
                condition=Q(kind="case", state="open"),
                name="messaging_one_open_case_conversation_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["started_by", "kind", "created_at"], name="messaging_enquiry_rate")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Participant(models.Model):
    """A person's place in a conversation: how far they have read, when they were last there."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversation_places"
    )
    last_read_seq = models.PositiveIntegerField(default=0)
    # Refreshed while a page of this conversation is open (websocket heartbeat, page views).
    # Kept in the database, not the cache: the task worker is another process.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "person"], name="messaging_participant_once"
            )
        ]
        indexes = [
            models.Index(fields=["person", "last_seen_at"], name="messaging_presence"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.conversation_id}"


class Message(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        AUTO_REPLY = "auto_reply", _("Automatic reply")

    class Safety(models.TextChoices):
        CLEAR = "clear", _("Nothing found")
        FLAGGED = "flagged", _("Flagged for moderators")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_sent"
    )
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MESSAGE)
    body = EncryptedTextField(data_key="conversation.data_key")
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    safety = models.CharField(max_length=8, choices=Safety.choices, default=Safety.CLEAR)
    safety_categories = models.JSONField(default=list, blank=True)
    # The sender's key for this send (a form's hidden field, the API's ``idempotency_key``):
    # a send retried after a lost response finds the message the first one stored.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="messaging_seq_unique"),
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="messaging_one_message_per_send",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="messaging_seq_from_one"),
            models.CheckConstraint(
                condition=Q(edited_at__isnull=True) | Q(edited_at__gte=F("created_at")),
                name="messaging_edited_after_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["sender", "created_at"], name="messaging_sender_rate"),
            models.Index(
                fields=["safety"], condition=Q(safety="flagged"), name="messaging_flagged"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} in {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRevision(models.Model):
    """A body a message had before an edit or its deletion: kept for safety reviews."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = EncryptedTextField(data_key="message.conversation.data_key")
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["message", "replaced_at"]

    def __str__(self) -> str:
        return f"revision of {self.message_id}"


class Attachment(models.Model):
    """A file sent with a message. Content sealed with the conversation's key, bound to this id;
    the type is what the content is (sniffed), never what the name says."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    sealed_content = models.BinaryField()
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    name = EncryptedTextField(data_key="message.conversation.data_key")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=1), name="messaging_attachment_not_empty")
        ]

    def __str__(self) -> str:
        return f"attachment {self.pk}"


class OfficeHours(models.Model):
    """One weekly window in which a practitioner answers messages, in their own time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="office_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["practitioner", "weekday", "opens"]
        verbose_name = _("office hours")
        verbose_name_plural = _("office hours")
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "weekday"], name="messaging_office_hours_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="messaging_office_hours_in_order"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="messaging_weekday_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class MessageNotice(models.Model):
    """A person's pending "You have a new message" email: one per person, sent when due.

    Several messages before ``due_at`` share one email; after an email the next one waits at
    least ``MESSAGING_NOTICE_INTERVAL`` so a busy conversation does not flood an inbox.
    """

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="message_notice",
    )
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notice for {self.person_id}"
