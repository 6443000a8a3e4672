"""/api/v1 conversations and messages: the same rules as the pages, as JSON."""

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings

from casework.accounts.models import User
from casework.messaging.models import Conversation, Message
from casework.safety.blocks import block_person
from casework.testing import factories, messaging

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def messages_url(conversation_id: object) -> str:
    return f"/api/v1/conversations/{conversation_id}/messages"


def post(browser: Client, url: str, payload: object) -> tuple[int, dict[str, Any]]:
    response = browser.post(url, json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


def test_visitors_and_staff_without_a_second_factor_get_401(conversation: Conversation) -> None:
    assert Client().get("/api/v1/conversations").status_code == 401
    assert Client().get(messages_url(conversation.pk)).status_code == 401
    no_mfa = Client()
    no_mfa.force_login(factories.PractitionerFactory.create(totp=False))
    assert no_mfa.get("/api/v1/conversations").status_code == 401


def test_conversations_come_with_unread_counts(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    (row,) = signed_in(practitioner).get("/api/v1/conversations").json()
    assert row["id"] == str(conversation.pk)
    assert (row["kind"], row["unread"], row["last_seq"], row["open"]) == ("enquiry", 1, 1, True)
    assert row["title"] == "Enquiry with Robin"


def test_messages_page_by_cursor(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    for number in range(2, 6):
        messaging.send(conversation, client_person, f"Message {number}")
    browser = signed_in(practitioner)
    page = browser.get(messages_url(conversation.pk), {"after": 2, "limit": 2}).json()
    assert [(m["seq"], m["body"]) for m in page] == [(3, "Message 3"), (4, "Message 4")]
    rest = browser.get(messages_url(conversation.pk), {"after": 4}).json()
    assert [m["seq"] for m in rest] == [5]
    assert browser.get(messages_url(conversation.pk), {"after": -1}).status_code == 422


def test_sending_stores_the_text_as_it_is(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    status, body = post(
        signed_in(practitioner), messages_url(conversation.pk), {"body": "<script>x</script>"}
    )
    assert status == 201
    assert (body["seq"], body["body"], body["mine"]) == (2, "<script>x</script>", True)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"body": ""}, 400),
        ({"body": "x" * 1_000_000}, 400),
        ({"body": "nul\x00"}, 400),
        ({"body": 12}, 422),
        ({}, 422),
        ("not an object", 422),
    ],
    ids=["empty", "one-megabyte", "nul", "number", "missing", "string"],
)
def test_bad_messages_get_a_reason_and_store_nothing(
    conversation: Conversation,
    practitioner: User,
    signed_in: SignedIn,
    payload: object,
    status: int,
) -> None:
    got, body = post(signed_in(practitioner), messages_url(conversation.pk), payload)
    assert got == status
    assert body["error"]["message"]
    assert Message.objects.count() == 1


def test_invalid_utf8_and_broken_json_get_400(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(practitioner)
    for raw in (b'{"body": "\xff\xfe"}', b'{"body": '):
        response = browser.post(messages_url(conversation.pk), raw, content_type="application/json")
        assert response.status_code in (400, 422)
    assert Message.objects.count() == 1


def test_a_lone_surrogate_is_refused_with_its_reason_and_stores_nothing(
    conversation: Conversation, practitioner: User, signed_in: SignedIn
) -> None:
    # Valid JSON, but "\\ud800" is half of a surrogate pair: no text, nothing to seal.
    raw = b'{"body": "x\\ud800y"}'
    response = signed_in(practitioner).post(
        messages_url(conversation.pk), raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["error"]["message"]
    assert Message.objects.count() == 1


def test_a_forged_or_foreign_conversation_is_404(
    conversation: Conversation, other_practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(other_practitioner)
    for target in (conversation.pk, uuid.uuid4(), "not-a-uuid"):
        assert browser.get(messages_url(target)).status_code == 404
        assert post(browser, messages_url(target), {"body": "Hi"})[0] == 404
    assert Message.objects.count() == 1


def test_blocked_people_cannot_write(
    conversation: Conversation, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    block_person(blocker=practitioner, blocked=client_person)
    status, body = post(signed_in(client_person), messages_url(conversation.pk), {"body": "Hi"})
    assert status == 400
    assert "blocked" in str(body["error"]["message"])


def test_too_many_messages_get_429(
    conversation: Conversation, practitioner: User, signed_in: SignedIn, settings: Settings
) -> None:
    settings.MESSAGING_MESSAGES_PER_MINUTE = 1
    browser = signed_in(practitioner)
    assert post(browser, messages_url(conversation.pk), {"body": "One"})[0] == 201
    assert post(browser, messages_url(conversation.pk), {"body": "Two"})[0] == 429


def test_sending_needs_the_csrf_token(conversation: Conversation, practitioner: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(practitioner)
    response = browser.post(
        messages_url(conversation.pk), json.dumps({"body": "Hi"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert Message.objects.count() == 1
