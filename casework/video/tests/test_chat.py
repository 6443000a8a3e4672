"""The chat beside the call: the pair's case conversation on the call page, for its two parties
only, sending through messaging's own send with the form's idempotency key."""

import logging
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.care.models import Case
from casework.messaging.models import Conversation, Message, Participant
from casework.privacy import actions
from casework.privacy.models import AuditEvent
from casework.scheduling.models import Appointment
from casework.testing import messaging
from casework.testing.factories import ClientFactory
from casework.testing.messaging import place
from casework.video import services

pytestmark = pytest.mark.django_db


def _url(name: str, appointment: Appointment) -> str:
    return reverse(f"video:{name}", kwargs={"appointment_id": appointment.pk})


def _browser(person: User) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


def _conversation(client_person: User, practitioner: User) -> Conversation:
    return Conversation.objects.get(
        kind=Conversation.Kind.CASE, client=client_person, practitioner=practitioner
    )


@pytest.fixture
def in_call(in_window: Any, case: Case, appointment: Appointment, practitioner: User) -> Any:
    services.confirm_place(appointment=appointment, client=case.client, where=place("GB-ENG"))
    services.admit_client(appointment=appointment, practitioner=practitioner)
    return in_window


def _chat(
    browser: Client, appointment: Appointment, body: str, key: uuid.UUID | None = None, **extra: Any
) -> Any:
    data = {"chat-body": body, "chat-idempotency_key": str(key or uuid.uuid4())}
    return browser.post(_url("chat", appointment), data, **extra)


def test_both_parties_see_the_case_conversation_beside_the_call(
    in_call: Any, appointment: Appointment, client_person: User, practitioner: User
) -> None:
    conversation = _conversation(client_person, practitioner)
    messaging.send(conversation, practitioner, "Can you hear me? I can see you.")
    for person in (client_person, practitioner):
        page = _browser(person).get(_url("join", appointment))
        assert page.context["stage"] == "call"
        html = page.content.decode()
        assert 'aria-labelledby="chat-title"' in html
        assert 'role="log" aria-live="polite"' in html
        assert f'data-conversation="{conversation.pk}"' in html
        # Decrypted for the page, as on the conversation's own page.
        assert "Can you hear me? I can see you." in html
        assert f'action="{_url("chat", appointment)}"' in html
        assert "Nobody records this session" in html
        assert 'name="chat-attachment"' not in html  # files go through the conversation page
    # Showing the messages is opening the conversation, on the other person's access log.
    assert AuditEvent.objects.filter(
        action=actions.MESSAGING_CONVERSATION_OPENED, actor_id=client_person.pk
    ).exists()


def test_no_chat_before_the_call_nor_without_a_case_conversation(
    in_call: Any, appointment: Appointment, client_person: User, practitioner: User
) -> None:
    conversation = _conversation(client_person, practitioner)
    Participant.objects.filter(conversation=conversation).delete()
    for person in (client_person, practitioner):
        browser = _browser(person)
        page = browser.get(_url("join", appointment))
        assert page.context["stage"] == "call"
        assert 'id="chat"' not in page.content.decode()
        assert _chat(browser, appointment, "Hello?").status_code == 404
    assert not Message.objects.filter(conversation=conversation).exists()


def test_the_chat_waits_for_the_call(
    in_window: Any, case: Case, appointment: Appointment, practitioner: User
) -> None:
    page = _browser(practitioner).get(_url("join", appointment))
    assert page.context["stage"] == "arriving"
    assert 'id="chat"' not in page.content.decode()


def test_a_third_person_neither_sees_nor_sends(
    in_call: Any,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
    other_practitioner: User,
) -> None:
    for person in (other_practitioner, ClientFactory.create()):
        browser = _browser(person)
        assert browser.get(_url("join", appointment)).status_code == 404
        assert _chat(browser, appointment, "Let me in").status_code == 404
    assert not Message.objects.filter(
        conversation=_conversation(client_person, practitioner)
    ).exists()


def test_a_message_sent_beside_the_call_is_stored_once_in_the_case_conversation(
    in_call: Any,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hers = _browser(client_person)
    key = uuid.uuid4()
    with caplog.at_level(logging.DEBUG):
        sent = _chat(hers, appointment, "My camera froze, I can still hear you.", key)
        # The same submit again (a lost response, a double click): still one message.
        again = _chat(hers, appointment, "My camera froze, I can still hear you.", key)
    for response in (sent, again):
        assert response.status_code == 302
        assert response["Location"] == _url("join", appointment) + "#chat-latest"
    conversation = _conversation(client_person, practitioner)
    stored = Message.objects.get(conversation=conversation)
    assert stored.sender == client_person
    assert stored.body == "My camera froze, I can still hear you."
    assert stored.idempotency_key == key
    assert "camera froze" not in caplog.text  # content never reaches the logs
    html = _browser(practitioner).get(_url("join", appointment)).content.decode()
    assert "My camera froze, I can still hear you." in html


def test_with_htmx_only_the_form_comes_back_empty_and_the_socket_brings_the_message(
    in_call: Any, appointment: Appointment, client_person: User, practitioner: User
) -> None:
    response = _chat(
        _browser(practitioner), appointment, "I will share the plan.", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "messaging:sent"
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    assert f'hx-post="{_url("chat", appointment)}"' in html
    assert "I will share the plan." not in html
    assert (
        Message.objects.filter(conversation=_conversation(client_person, practitioner)).count() == 1
    )


def test_an_empty_message_is_refused_on_the_call_page_and_nothing_is_stored(
    in_call: Any, appointment: Appointment, client_person: User, practitioner: User
) -> None:
    response = _chat(_browser(client_person), appointment, "   ")
    assert response.status_code == 400
    assert response.context["stage"] == "call"
    assert response.context["chat_form"].errors
    assert 'id="chat"' in response.content.decode()
    assert not Message.objects.filter(
        conversation=_conversation(client_person, practitioner)
    ).exists()


def test_a_stale_form_is_refused_with_a_reason(
    in_call: Any, appointment: Appointment, client_person: User
) -> None:
    response = _browser(client_person).post(
        _url("chat", appointment), {"chat-body": "Hi", "chat-idempotency_key": "not-a-key"}
    )
    assert response.status_code == 400
    assert "This form is out of date" in response.content.decode()


def test_a_flagged_draft_comes_back_beside_the_call_and_send_anyway_sends_it_once(
    in_call: Any, appointment: Appointment, client_person: User, practitioner: User
) -> None:
    theirs = _browser(practitioner)
    key = uuid.uuid4()
    draft = "buy me an Amazon gift card and text me on WhatsApp"
    held = _chat(theirs, appointment, draft, key)
    assert held.status_code == 409
    page = held.content.decode()
    assert held.context["stage"] == "call"
    assert "Your message has not been sent yet" in page
    assert f'value="{key}"' in page  # the same send
    assert 'name="send_anyway" value="1"' in page
    conversation = _conversation(client_person, practitioner)
    assert not Message.objects.filter(conversation=conversation).exists()
    anyway = {"chat-body": draft, "chat-idempotency_key": str(key), "send_anyway": "1"}
    for _ in range(2):
        assert theirs.post(_url("chat", appointment), anyway).status_code == 302
    assert Message.objects.filter(conversation=conversation, sender=practitioner).count() == 1
