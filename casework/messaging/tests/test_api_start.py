"""POST /api/v1/conversations: writing to someone for the first time through the API, by the
page's rules (whom one may write to, the place an enquiry needs, one open conversation of a
kind, the safety check), with the send's idempotency."""

import json
from typing import Any

import pytest
from django.test import Client

from casework.accounts.models import User
from casework.messaging.models import Conversation, Message
from casework.testing import factories, messaging

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations"


def start(
    person: User | None, payload: dict[str, Any], **headers: str
) -> tuple[int, dict[str, Any]]:
    browser = Client(headers=headers)
    if person is not None:
        browser.force_login(person)
    response = browser.post(URL, json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


def enquiry_to(practitioner: User, body: str = "Could you see me on Thursdays?") -> dict[str, Any]:
    return {"to": practitioner.pk, "body": body, "where": "GB-ENG"}


@pytest.fixture
def listed(practitioner: User) -> User:
    messaging.place("GB-ENG")
    return messaging.taking_enquiries(practitioner)


def test_a_client_starts_an_enquiry_with_its_first_message(
    client_person: User, listed: User
) -> None:
    status, body = start(client_person, enquiry_to(listed))
    assert status == 201, body
    assert body["conversation"]["kind"] == "enquiry"
    assert body["conversation"]["title"] == "Enquiry with Amara Okafor"
    assert body["conversation"]["url"].endswith(
        f"/api/v1/conversations/{body['conversation']['id']}/messages"
    )
    assert (body["message"]["seq"], body["message"]["body"]) == (
        1,
        "Could you see me on Thursdays?",
    )
    conversation = Conversation.objects.get(pk=body["conversation"]["id"])
    assert conversation.client_jurisdiction is not None
    assert conversation.client_jurisdiction.code == "GB-ENG"
    # The practitioner reads it where the pages and the API read every conversation.
    practitioner_side = Client()
    practitioner_side.force_login(listed)
    (row,) = practitioner_side.get(URL).json()
    assert (row["id"], row["unread"]) == (body["conversation"]["id"], 1)


def test_an_enquiry_needs_a_known_place_and_says_so_on_the_field(
    client_person: User, listed: User
) -> None:
    for where in (None, "XX-NOWHERE"):
        status, body = start(client_person, {**enquiry_to(listed), "where": where})
        assert status == 400, body
        assert list(body["error"]["fields"]) == ["where"]
    assert not Conversation.objects.exists()


def test_an_open_conversation_is_named_and_nothing_is_sent(
    client_person: User, listed: User
) -> None:
    first = messaging.enquiry(client_person, listed)
    status, body = start(client_person, enquiry_to(listed, "A second first message"))
    assert status == 409
    assert body["error"]["code"] == "conversation_exists"
    assert body["error"]["conversation_id"] == str(first.pk)
    assert Message.objects.filter(conversation=first).count() == 1


def test_a_replay_answers_as_the_first_start_and_another_body_under_the_key_is_refused(
    client_person: User, listed: User
) -> None:
    first_status, first = start(client_person, enquiry_to(listed), **{"Idempotency-Key": "k-1"})
    again_status, again = start(client_person, enquiry_to(listed), **{"Idempotency-Key": "k-1"})
    assert (first_status, again_status) == (201, 201)
    assert again["conversation"]["id"] == first["conversation"]["id"]
    assert again["message"]["id"] == first["message"]["id"]
    assert Message.objects.count() == 1
    status, refused = start(
        client_person, enquiry_to(listed, "Something else"), **{"Idempotency-Key": "k-1"}
    )
    assert status == 422
    assert refused["error"]["code"] == "idempotency_key_reused"


def test_a_flagged_first_message_comes_back_and_may_be_sent_anyway(
    client_person: User, listed: User
) -> None:
    payload = enquiry_to(listed, "Can we talk on WhatsApp instead?")
    status, body = start(client_person, payload)
    assert status == 409
    assert body["error"]["code"] == "flagged"
    assert not Conversation.objects.exists()
    key = body["error"]["idempotency_key"]
    status, sent = start(client_person, {**payload, "send_anyway": True, "idempotency_key": key})
    assert status == 201, sent
    assert Message.objects.get().safety == Message.Safety.FLAGGED


def test_practitioners_consult_colleagues_and_moderators_write_to_anyone(
    practitioner: User, other_practitioner: User, client_person: User
) -> None:
    status, body = start(practitioner, {"to": other_practitioner.pk, "body": "A second view?"})
    assert (status, body["conversation"]["kind"]) == (201, "consultation")
    moderator = factories.ModeratorFactory.create()
    status, body = start(moderator, {"to": client_person.pk, "body": "About your report"})
    assert (status, body["conversation"]["kind"]) == (201, "moderation")


def test_whom_one_may_not_write_to_is_answered_as_nobody(
    client_person: User, listed: User, practitioner: User
) -> None:
    other_client = factories.ClientFactory.create()
    unlisted = factories.PractitionerFactory.create()  # no registration: takes no enquiries
    officer = factories.OfficerFactory.create()
    refused = [
        (client_person, {"to": other_client.pk, "body": "Hi"}),
        (client_person, {"to": client_person.pk, "body": "Hi"}),
        (client_person, {**enquiry_to(unlisted)}),
        (client_person, {**enquiry_to(listed), "to": 999_999_999}),
        (practitioner, {"to": client_person.pk, "body": "Hi"}),
        (officer, {"to": listed.pk, "body": "Hi"}),
    ]
    for person, payload in refused:
        status, body = start(person, payload)
        assert (status, body["error"]["code"]) == (404, "not_found"), (person, payload)
    assert start(None, enquiry_to(listed))[0] == 401
    assert not Conversation.objects.exists()
