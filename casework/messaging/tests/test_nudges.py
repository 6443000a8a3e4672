"""The nudge before sending: a flagged draft goes back to its sender with why and the safer way,
to change or send anyway; moderators get a practitioner's boundary-crossing draft at once, and
anyone's flagged message once sent, as one detection per send."""

import json
import logging
import uuid
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from casework.accounts.models import User
from casework.events.models import OutboxEvent
from casework.messaging import services
from casework.messaging.models import Conversation, Message
from casework.messaging.nudges import FlaggedDraft
from casework.privacy.models import AuditEvent
from casework.safety.models import Detection
from casework.testing.factories import PractitionerFactory
from casework.testing.scheduling import registered_in_england

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]

GIFT_CARD = "buy me an Amazon gift card and text me on WhatsApp"


def url_of(conversation: Conversation) -> str:
    return f"/messages/{conversation.pk}/"


def send(
    conversation: Conversation, sender: User, body: str, key: uuid.UUID, *, nudge: bool
) -> Message:
    return services.send_message(
        conversation=conversation, sender=sender, body=body, idempotency_key=key, nudge=nudge
    )


def test_a_flagged_draft_is_held_with_the_reasons_and_the_safer_way(
    conversation: Conversation, practitioner: User
) -> None:
    with pytest.raises(FlaggedDraft) as held:
        send(conversation, practitioner, GIFT_CARD, uuid.uuid4(), nudge=True)
    assert held.value.categories == ["off_platform_payment", "personal_channel"]
    assert any("Payments go through Casework" in way for way in held.value.safer_ways)
    assert any("Keep contact on Casework" in way for way in held.value.safer_ways)
    assert len(held.value.reasons) == 2
    assert Message.objects.filter(sender=practitioner).count() == 0


def test_a_clean_draft_is_sent_at_once(conversation: Conversation, practitioner: User) -> None:
    message = send(conversation, practitioner, "See you on Tuesday", uuid.uuid4(), nudge=True)
    assert message.safety == Message.Safety.CLEAR
    assert not Detection.objects.exists()


def test_a_practitioners_boundary_crossing_draft_is_one_detection_sent_or_not(
    conversation: Conversation, practitioner: User
) -> None:
    key = uuid.uuid4()
    with pytest.raises(FlaggedDraft) as held:
        send(conversation, practitioner, GIFT_CARD, key, nudge=True)
    assert held.value.seen_by_moderators
    draft = Detection.objects.get()
    assert (draft.sent, draft.message_id, draft.author_id) == (False, None, practitioner.pk)
    # Nudged again (the same form, submitted once more), then sent anyway.
    with pytest.raises(FlaggedDraft):
        send(conversation, practitioner, GIFT_CARD, key, nudge=True)
    message = send(conversation, practitioner, GIFT_CARD, key, nudge=False)
    detection = Detection.objects.select_related("conversation__data_key").get()
    assert detection.pk == draft.pk
    assert detection.sent
    assert detection.message_id == message.pk
    assert detection.text == GIFT_CARD
    assert detection.categories == ["off_platform_payment", "personal_channel"]
    assert detection.severity == 3
    assert message.safety == Message.Safety.FLAGGED


def test_a_practitioner_who_changes_the_draft_still_leaves_the_detection(
    conversation: Conversation, practitioner: User
) -> None:
    key = uuid.uuid4()
    with pytest.raises(FlaggedDraft):
        send(conversation, practitioner, GIFT_CARD, key, nudge=True)
    send(conversation, practitioner, "Fees are paid on the booking page.", key, nudge=True)
    detection = Detection.objects.get()
    assert not detection.sent
    assert detection.message_id is None


def test_a_clients_flagged_draft_reaches_moderators_only_once_sent(
    conversation: Conversation, client_person: User
) -> None:
    key = uuid.uuid4()
    with pytest.raises(FlaggedDraft) as held:
        send(conversation, client_person, "Can I just pay you by PayPal?", key, nudge=True)
    assert not held.value.seen_by_moderators
    assert not Detection.objects.exists()
    message = send(conversation, client_person, "Can I just pay you by PayPal?", key, nudge=False)
    detection = Detection.objects.get()
    assert detection.message_id == message.pk
    assert detection.sent


def test_a_card_number_is_refused_even_when_sent_anyway(
    conversation: Conversation, practitioner: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        send(conversation, practitioner, "Card 4111 1111 1111 1111", uuid.uuid4(), nudge=False)
    assert refused.value.code == "refused_by_safety_check"
    assert not isinstance(refused.value, FlaggedDraft)
    assert Message.objects.filter(sender=practitioner).count() == 0


def test_an_edit_that_makes_a_message_flagged_reaches_moderators(
    conversation: Conversation, practitioner: User
) -> None:
    message = send(conversation, practitioner, "See you on Tuesday", uuid.uuid4(), nudge=True)
    services.edit_message(message=message, editor=practitioner, body="Text me on WhatsApp")
    detection = Detection.objects.get()
    assert detection.message_id == message.pk


def test_nothing_of_the_text_reaches_logs_events_audit_or_email(
    conversation: Conversation, practitioner: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = uuid.uuid4()
    with pytest.raises(FlaggedDraft):
        send(conversation, practitioner, GIFT_CARD, key, nudge=True)
    send(conversation, practitioner, GIFT_CARD, key, nudge=False)
    stored = [
        caplog.text,
        json.dumps([e.payload for e in OutboxEvent.objects.all()]),
        json.dumps([e.detail for e in AuditEvent.objects.all()], default=str),
        *(f"{m.subject} {m.body}" for m in mail.outbox),
    ]
    assert OutboxEvent.objects.filter(name="safety.content_flagged").count() == 2
    for words in ("Amazon", "gift card", "WhatsApp", "buy me"):
        assert not any(words.lower() in text.lower() for text in stored), words


# Pages -----------------------------------------------------------------------------------------


def test_without_javascript_the_form_comes_back_with_the_draft_the_reasons_and_two_buttons(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(practitioner)
    key = str(uuid.uuid4())
    response = browser.post(url_of(conversation), {"body": GIFT_CARD, "idempotency_key": key})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Your message has not been sent yet" in page
    assert "Payments go through Casework" in page
    assert GIFT_CARD in page  # the draft, in the textarea
    assert f'value="{key}"' in page  # the same send
    assert 'name="send_anyway" value="1"' in page
    assert "Send my changed message" in page
    assert not Message.objects.filter(sender=practitioner).exists()
    response = browser.post(
        url_of(conversation), {"body": GIFT_CARD, "idempotency_key": key, "send_anyway": "1"}
    )
    assert response.status_code == 302
    message = Message.objects.get(sender=practitioner)
    assert message.safety == Message.Safety.FLAGGED
    assert Detection.objects.get().message_id == message.pk


def test_with_htmx_the_form_partial_carries_the_nudge(
    conversation: Conversation, client_person: User, signed_in: SignedIn
) -> None:
    browser = signed_in(client_person)
    key = str(uuid.uuid4())
    htmx = {"HX-Request": "true"}
    body = "Can I just pay you by PayPal?"
    response = browser.post(
        url_of(conversation), {"body": body, "idempotency_key": key}, headers=htmx
    )
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert "Payments go through Casework" in response.content.decode()
    response = browser.post(
        url_of(conversation),
        {"body": body, "idempotency_key": key, "send_anyway": "1"},
        headers=htmx,
    )
    assert response["HX-Trigger"] == "messaging:sent"
    assert "Payments go through" not in response.content.decode()
    assert Message.objects.filter(sender=client_person).count() == 2  # the enquiry, and this


def test_a_clients_flagged_enquiry_is_nudged_before_anything_starts(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    registered_in_england(practitioner)
    browser = signed_in(client_person)
    form = {
        "where": "GB-ENG",
        "body": "Hello, can I just pay you by PayPal?",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = browser.post(f"/messages/new/{practitioner.pk}/", form)
    assert response.status_code == 409
    assert "Payments go through Casework" in response.content.decode()
    assert not Conversation.objects.exists()
    response = browser.post(f"/messages/new/{practitioner.pk}/", form | {"send_anyway": "1"})
    assert response.status_code == 302
    assert Detection.objects.get().sent


def test_a_practitioners_flagged_consultation_is_nudged_before_anything_starts(
    practitioner: User, signed_in: SignedIn
) -> None:
    colleague = PractitionerFactory.create(legal_name="Sam Achebe")
    browser = signed_in(practitioner)
    form = {"body": GIFT_CARD, "idempotency_key": str(uuid.uuid4())}
    response = browser.post(f"/messages/new/{colleague.pk}/", form)
    assert response.status_code == 409
    assert "Payments go through Casework" in response.content.decode()
    assert not Conversation.objects.exists()
    response = browser.post(f"/messages/new/{colleague.pk}/", form | {"send_anyway": "1"})
    assert response.status_code == 302
    consultation = Conversation.objects.get()
    assert consultation.kind == Conversation.Kind.CONSULTATION
    assert Detection.objects.get().message == consultation.messages.get()


# API -------------------------------------------------------------------------------------------


def test_the_api_answers_409_with_the_reasons_and_sends_anyway_on_request(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(practitioner)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    response = browser.post(url, json.dumps({"body": GIFT_CARD}), content_type="application/json")
    assert response.status_code == 409
    problem = response.json()["error"]
    assert problem["code"] == "flagged"
    assert problem["categories"] == ["off_platform_payment", "personal_channel"]
    assert problem["seen_by_moderators"] is True
    assert any("Payments go through Casework" in way for way in problem["safer_ways"])
    assert Detection.objects.get().idempotency_key == uuid.UUID(problem["idempotency_key"])
    again = {"body": GIFT_CARD, "send_anyway": True, "idempotency_key": problem["idempotency_key"]}
    response = browser.post(url, json.dumps(again), content_type="application/json")
    assert response.status_code == 201
    detection = Detection.objects.get()
    assert detection.sent
    assert str(detection.message_id) == response.json()["id"]
