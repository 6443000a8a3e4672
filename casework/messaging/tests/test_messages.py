"""Sending, numbering, changing, deleting and reading messages, through the services."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from pytest_django import Settings

from casework.accounts.models import User
from casework.messaging import services
from casework.messaging.models import Conversation, Message, MessageRevision, Participant
from casework.privacy.models import AuditEvent
from casework.safety.blocks import block_person
from casework.safety.models import Block
from casework.testing import messaging

pytestmark = pytest.mark.django_db


def test_messages_are_numbered_from_one_without_gaps(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    messaging.send(conversation, practitioner, "Yes, I can.")
    messaging.send(conversation, client_person, "Thank you.")
    seqs = list(conversation.messages.order_by("seq").values_list("seq", flat=True))
    assert seqs == [1, 2, 3]
    conversation.refresh_from_db()
    assert conversation.last_seq == 3


def test_the_body_reads_back_as_sent(conversation: Conversation) -> None:
    message = Message.objects.get(conversation=conversation, seq=1)
    assert message.body == "Hello, can you help me?"


def test_sending_marks_the_senders_own_messages_read(
    conversation: Conversation, practitioner: User
) -> None:
    messaging.send(conversation, practitioner, "Yes.")
    place = Participant.objects.get(conversation=conversation, person=practitioner)
    assert place.last_read_seq == 2


def test_it_records_the_sending_without_the_text(conversation: Conversation) -> None:
    event = AuditEvent.objects.get(action="messaging.message_sent")
    assert event.detail["seq"] == 1
    assert "Hello" not in str(event.detail)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 1_000_000, "too_long"),
        ("broken \ufffd bytes", "encoding"),
        ("nul \x00 char", "control_characters"),
        ("\u202eevil\u202c", "control_characters"),
    ],
    ids=["empty", "blank", "one-megabyte", "invalid-utf8", "nul", "bidi-override"],
)
def test_bad_text_is_refused_and_nothing_is_stored(
    conversation: Conversation, practitioner: User, body: str, code: str
) -> None:
    before = (Message.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        messaging.send(conversation, practitioner, body)
    assert refused.value.code == code
    assert (Message.objects.count(), AuditEvent.objects.count()) == before


def test_emoji_and_right_to_left_text_are_ordinary_text(
    conversation: Conversation, practitioner: User
) -> None:
    text = "👩‍👧 شكراً \u200f"
    assert messaging.send(conversation, practitioner, text).body == text.strip()


def test_nobody_outside_the_conversation_can_write_in_it(
    conversation: Conversation, other_practitioner: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        messaging.send(conversation, other_practitioner, "Hi")
    assert refused.value.code == "not_participant"


def test_a_closed_conversation_takes_no_messages(
    conversation: Conversation, client_person: User
) -> None:
    services.close_conversation(conversation=conversation, actor=client_person)
    with pytest.raises(ValidationError) as refused:
        messaging.send(conversation, client_person, "Still there?")
    assert refused.value.code == "closed"


def test_sending_too_fast_is_refused(
    conversation: Conversation, practitioner: User, settings: Settings
) -> None:
    settings.MESSAGING_MESSAGES_PER_MINUTE = 3
    for number in range(3):
        messaging.send(conversation, practitioner, f"Message {number}")
    with pytest.raises(ValidationError) as refused:
        messaging.send(conversation, practitioner, "One more")
    assert refused.value.code == "rate_limited"


def test_an_edit_within_the_window_keeps_the_earlier_text(
    conversation: Conversation, practitioner: User
) -> None:
    sent_at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(sent_at, tick=False):
        message = messaging.send(conversation, practitioner, "See you Tuesday")
    with time_machine.travel(sent_at + timedelta(minutes=14), tick=False):
        services.edit_message(message=message, editor=practitioner, body="See you Wednesday")
    message = Message.objects.select_related("conversation__data_key").get(pk=message.pk)
    assert message.body == "See you Wednesday"
    assert message.edited_at == sent_at + timedelta(minutes=14)
    revision = MessageRevision.objects.select_related("message__conversation__data_key").get()
    assert revision.body == "See you Tuesday"


def test_an_edit_after_the_window_is_refused(
    conversation: Conversation, practitioner: User
) -> None:
    sent_at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(sent_at, tick=False):
        message = messaging.send(conversation, practitioner, "See you Tuesday")
    with (
        time_machine.travel(sent_at + timedelta(minutes=16), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        services.edit_message(message=message, editor=practitioner, body="Wednesday")
    assert refused.value.code == "edit_window"
    assert not MessageRevision.objects.exists()


def test_only_the_sender_changes_a_message(conversation: Conversation, practitioner: User) -> None:
    message = Message.objects.get(conversation=conversation, seq=1)
    with pytest.raises(ValidationError) as refused:
        services.edit_message(message=message, editor=practitioner, body="Changed")
    assert refused.value.code == "not_yours"
    with pytest.raises(ValidationError):
        services.delete_message(message=message, person=practitioner)


def test_deleting_leaves_a_tombstone_and_keeps_a_sealed_copy(
    conversation: Conversation, client_person: User
) -> None:
    message = Message.objects.select_related("conversation__data_key").get(seq=1)
    services.delete_message(message=message, person=client_person)
    message = Message.objects.select_related("conversation__data_key").get(pk=message.pk)
    assert message.is_deleted
    assert message.body == ""
    assert message.seq == 1  # the tombstone keeps its place
    revision = MessageRevision.objects.select_related("message__conversation__data_key").get()
    assert revision.body == "Hello, can you help me?"
    with pytest.raises(ValidationError) as refused:
        services.edit_message(message=message, editor=client_person, body="Back")
    assert refused.value.code == "deleted"


def test_read_positions_move_forward_only(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    messaging.send(conversation, client_person, "Second")
    assert services.mark_read(conversation=conversation, person=practitioner, up_to=1) == 1
    assert services.mark_read(conversation=conversation, person=practitioner) == 2
    services.mark_read(conversation=conversation, person=practitioner, up_to=1)
    assert Participant.objects.get(person=practitioner).last_read_seq == 2
    # A cursor beyond the end is held to the end.
    assert services.mark_read(conversation=conversation, person=practitioner, up_to=99) == 2


def test_the_safety_hook_runs_before_storing_and_its_flags_are_kept(
    conversation: Conversation, practitioner: User
) -> None:
    flagged = messaging.send(conversation, practitioner, "Let's continue on WhatsApp")
    assert flagged.safety == Message.Safety.FLAGGED
    assert flagged.safety_categories == ["personal_channel"]
    clear = messaging.send(conversation, practitioner, "See you on Tuesday")
    assert (clear.safety, clear.safety_categories) == (Message.Safety.CLEAR, [])
    with pytest.raises(ValidationError) as refused:
        messaging.send(conversation, practitioner, "Card: 4111 1111 1111 1111")
    assert "card number" in refused.value.messages[0]
    assert Message.objects.count() == 3
    assert AuditEvent.objects.filter(action="messaging.message_refused").count() == 1


def test_an_edit_is_screened_too(conversation: Conversation, practitioner: User) -> None:
    message = messaging.send(conversation, practitioner, "See you on Tuesday")
    with pytest.raises(ValidationError):
        services.edit_message(message=message, editor=practitioner, body="4111 1111 1111 1111")
    edited = services.edit_message(message=message, editor=practitioner, body="Text me on Signal")
    assert edited.safety == Message.Safety.FLAGGED


def test_a_block_stops_sends_and_edits_but_never_staff(
    moderator: User, client_person: User, practitioner: User
) -> None:
    """A block that was there before (a moderator cannot be blocked now, but may have been
    before they became one) silences both sides of a pair, sends and edits alike, except the
    platform's staff."""
    talk = services.start_moderator_conversation(
        moderator=moderator, person=client_person, body="About your report"
    )
    Participant.objects.create(conversation=talk, person=practitioner)
    mine = messaging.send(talk, client_person, "Thank you")
    practitioners = messaging.send(talk, practitioner, "Hello")
    staffs = messaging.send(talk, moderator, "Noted")
    Block.objects.create(blocker=client_person, blocked=moderator)
    Block.objects.create(blocker=practitioner, blocked=client_person)

    assert messaging.send(talk, moderator, "Still here").seq == 5
    assert services.edit_message(message=staffs, editor=moderator, body="Noted, thanks").body == (
        "Noted, thanks"
    )
    for sender, sent in ((client_person, mine), (practitioner, practitioners)):
        with pytest.raises(ValidationError) as refused:
            messaging.send(talk, sender, "Hello?")
        assert refused.value.code == "blocked"
        with pytest.raises(ValidationError) as refused:
            services.edit_message(message=sent, editor=sender, body="Changed")
        assert refused.value.code == "blocked"


def test_blocked_people_cannot_write_to_each_other(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    block_person(blocker=practitioner, blocked=client_person)
    for sender in (client_person, practitioner):
        with pytest.raises(ValidationError) as refused:
            messaging.send(conversation, sender, "Hello?")
        assert refused.value.code == "blocked"
    services.close_conversation(conversation=conversation, actor=client_person)
    with pytest.raises(ValidationError) as refused:
        messaging.enquiry(client_person, practitioner)
    assert refused.value.code == "blocked"
