"""A message send retried with the same key (a lost response, a double submit) stores one
message, from the page, htmx and the API alike."""

import json
import re
import uuid
from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse

from casework.accounts import idempotency
from casework.accounts.models import IdempotencyKey, User
from casework.messaging import services
from casework.messaging.models import Conversation, Message
from casework.testing import messaging
from casework.testing.concurrency import all_at_once

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def page_of(conversation: Conversation) -> str:
    return reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})


def test_a_replayed_page_send_stores_one_message(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(practitioner)
    page = browser.get(page_of(conversation)).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page)
    assert key is not None
    form = {"body": "Yes, I can.", "idempotency_key": key.group(1)}
    assert browser.post(page_of(conversation), form).status_code == 302
    assert browser.post(page_of(conversation), form).status_code == 302
    assert Message.objects.filter(conversation=conversation, sender=practitioner).count() == 1


def test_a_replayed_htmx_send_stores_one_message(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(practitioner)
    form = {"body": "Yes, I can.", "idempotency_key": str(uuid.uuid4())}
    for _ in range(2):
        response = browser.post(page_of(conversation), form, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response["HX-Trigger"] == "messaging:sent"
    assert Message.objects.filter(conversation=conversation, sender=practitioner).count() == 1


def test_a_replayed_api_send_returns_the_first_message(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(practitioner)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    payload = json.dumps({"body": "Yes, I can.", "idempotency_key": str(uuid.uuid4())})
    first = browser.post(url, payload, content_type="application/json")
    again = browser.post(url, payload, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert first.json()["seq"] == again.json()["seq"] == 2
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_sends_without_a_key_or_with_new_keys_are_each_stored(
    conversation: Conversation, practitioner: User
) -> None:
    for key in (None, None, uuid.uuid4(), uuid.uuid4()):
        services.send_message(
            conversation=conversation, sender=practitioner, body="Again", idempotency_key=key
        )
    assert Message.objects.filter(conversation=conversation, sender=practitioner).count() == 4


def test_a_key_used_in_another_conversation_is_refused_with_a_reason(
    conversation: Conversation, practitioner: User, other_practitioner: User, signed_in: SignedIn
) -> None:
    key = str(uuid.uuid4())
    colleague = messaging.consultation(practitioner, other_practitioner)
    browser = signed_in(practitioner)
    url = "/api/v1/conversations/{}/messages"
    body = json.dumps({"body": "Hello", "idempotency_key": key})
    assert browser.post(url.format(conversation.pk), body, "application/json").status_code == 201
    refused = browser.post(url.format(colleague.pk), body, "application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "This message was already sent in another conversation."
    )


def test_a_malformed_key_is_a_form_error_not_a_500(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    response = signed_in(practitioner).post(
        page_of(conversation), {"body": "Hello", "idempotency_key": "nonsense"}
    )
    assert response.status_code == 400
    assert "This form is out of date" in response.content.decode()
    assert not Message.objects.filter(sender=practitioner).exists()


def test_the_api_idempotency_key_header_replays_and_refuses_another_body(
    conversation: Conversation, practitioner: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(practitioner)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    headers = {"Idempotency-Key": "send-42"}
    first = browser.post(
        url, {"body": "On my way"}, content_type="application/json", headers=headers
    )
    assert first.status_code == 201
    again = browser.post(
        url, {"body": "On my way"}, content_type="application/json", headers=headers
    )
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    other = browser.post(url, {"body": "Changed"}, content_type="application/json", headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert conversation.messages.filter(sender=practitioner).count() == 1


def test_the_api_keeps_its_key_in_the_sends_own_transaction(
    conversation: Conversation,
    practitioner: User,
    signed_in: Callable[[User], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The key and the message commit together: a key that cannot be kept stores no message,
    and a send that is refused keeps no key (a corrected retry may use it)."""
    browser = signed_in(practitioner)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    before = conversation.messages.count()

    def fails(**_kwargs: object) -> None:
        raise DatabaseError("the key could not be written")

    with monkeypatch.context() as patched:
        patched.setattr(idempotency, "keep", fails)
        with pytest.raises(DatabaseError):
            browser.post(
                url,
                {"body": "On my way"},
                content_type="application/json",
                headers={"Idempotency-Key": "send-1"},
            )
    assert conversation.messages.count() == before
    assert not IdempotencyKey.objects.exists()

    refused = browser.post(
        url, {"body": ""}, content_type="application/json", headers={"Idempotency-Key": "send-2"}
    )
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()

    sent = browser.post(
        url,
        {"body": "On my way"},
        content_type="application/json",
        headers={"Idempotency-Key": "send-2"},
    )
    assert sent.status_code == 201
    kept = IdempotencyKey.objects.get()
    assert (kept.person_id, kept.operation, kept.key) == (
        practitioner.pk,
        "messages.send",
        "send-2",
    )
    assert kept.fingerprint == idempotency.fingerprint(
        "messages.send", {"conversation": str(conversation.pk), "body": "On my way"}
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_parallel_api_sends_with_one_key_store_one_message_and_one_key(
    client_person: User, practitioner: User
) -> None:
    conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    browser = Client()
    browser.force_login(practitioner)
    cookies = browser.cookies
    url = f"/api/v1/conversations/{conversation.pk}/messages"

    def send(_index: int) -> tuple[int, object]:
        each = Client()
        each.cookies = cookies
        response = each.post(
            url,
            {"body": "On my way"},
            content_type="application/json",
            headers={"Idempotency-Key": "burst-1"},
        )
        return response.status_code, response.json()["id"]

    outcomes = all_at_once(6, send)
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    assert {status for status, _id in outcomes} == {201}
    assert len({message_id for _status, message_id in outcomes}) == 1
    assert conversation.messages.filter(sender=practitioner).count() == 1
    assert IdempotencyKey.objects.filter(person=practitioner, key="burst-1").count() == 1
