"""/api/v1 attachments: listed and opened through the page's participant check and vault, and
sent with the page's size and type checks."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.messaging.models import Attachment, Conversation, Message
from casework.privacy import actions
from casework.privacy.models import AuditEvent
from casework.safety import access as safety_access
from casework.safety.moderation import take_action
from casework.safety.reports import file_report
from casework.testing import factories, messaging

pytestmark = pytest.mark.django_db


def _token(person: User, *scopes: str) -> Client:
    secret = create_api_token(
        person=person, name="App", scopes=list(scopes), days=30, now=timezone.now()
    )[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _session(person: User) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


@pytest.fixture
def with_photo(conversation: Conversation, client_person: User) -> Message:
    return messaging.send(conversation, client_person, "My letter", files=[messaging.png()])


def _list_url(message: Message) -> str:
    return reverse(
        "api:messaging_message_attachments",
        kwargs={"conversation_id": message.conversation_id, "message_id": message.pk},
    )


def _page_url(attachment: Attachment) -> str:
    return reverse(
        "messaging:attachment",
        kwargs={
            "conversation_id": attachment.message.conversation_id,
            "attachment_id": attachment.pk,
        },
    )


def test_the_parties_list_and_open_a_file_as_the_page_opens_it(
    with_photo: Message, client_person: User, practitioner: User
) -> None:
    attachment = Attachment.objects.get(message=with_photo)
    opened = AuditEvent.objects.filter(action=str(actions.MESSAGING_ATTACHMENT_OPENED))
    for person in (client_person, practitioner):
        app = _token(person, "messaging:read")
        (listed,) = app.get(_list_url(with_photo)).json()
        assert (listed["id"], listed["name"], listed["content_type"]) == (
            str(attachment.pk),
            "photo.png",
            "image/png",
        )
        before = opened.count()
        file = app.get(listed["download_url"])
        assert file.status_code == 200
        assert file["Content-Type"] == "image/png"
        assert file.content == messaging.PNG_BYTES
        assert file.content == _session(person).get(_page_url(attachment)).content
        assert opened.count() == before + 2
        assert opened.last().actor_id == person.pk  # type: ignore[union-attr]


def test_someone_elses_file_is_missing_here_as_on_the_page(
    with_photo: Message, other_practitioner: User
) -> None:
    attachment = Attachment.objects.get(message=with_photo)
    app = _token(other_practitioner, "messaging:read")
    assert app.get(_list_url(with_photo)).status_code == 404
    download = reverse(
        "api:messaging_attachment",
        kwargs={"conversation_id": with_photo.conversation_id, "attachment_id": attachment.pk},
    )
    assert app.get(download).status_code == 404
    assert _session(other_practitioner).get(_page_url(attachment)).status_code == 404
    assert not AuditEvent.objects.filter(action=str(actions.MESSAGING_ATTACHMENT_OPENED))


def test_a_hidden_messages_files_are_withheld_as_on_the_page(
    with_photo: Message, client_person: User, practitioner: User, moderator: User
) -> None:
    attachment = Attachment.objects.get(message=with_photo)
    report = file_report(
        reporter=practitioner,
        target=safety_access.target_for_message(practitioner, with_photo.pk),
        category="boundary",
        details="Not for this place",
        evidence=[with_photo],
        consented=True,
    ).report
    take_action(
        moderator=moderator,
        report=report,
        kind="hide",
        rule="payments-on-platform",
        reason="Hidden.",
    )
    app = _token(client_person, "messaging:read")
    assert app.get(_list_url(with_photo)).json() == []
    download = reverse(
        "api:messaging_attachment",
        kwargs={"conversation_id": with_photo.conversation_id, "attachment_id": attachment.pk},
    )
    assert app.get(download).status_code == 404
    assert _session(client_person).get(_page_url(attachment)).status_code == 404


def _send(browser: Client, conversation: Conversation, **parts: Any) -> Any:
    url = reverse("api:messaging_send_file", kwargs={"conversation_id": conversation.pk})
    return browser.post(url, parts)


def test_a_file_is_sent_with_the_pages_checks(
    conversation: Conversation, client_person: User, settings: Settings
) -> None:
    app = _token(client_person, "messaging:write")
    sent = _send(
        app,
        conversation,
        body="The school's letter",
        file=SimpleUploadedFile("letter.png", messaging.PNG_BYTES, content_type="image/png"),
    )
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["body"] == "The school's letter"
    (attached,) = body["attachments"]
    assert (attached["name"], attached["content_type"]) == ("letter.png", "image/png")
    stored = Attachment.objects.get(pk=attached["id"])
    assert stored.sealed_content != messaging.PNG_BYTES  # sealed at rest
    # A script named as a PDF, and a file over the limit, are refused as the page refuses them.
    lying = _send(app, conversation, file=SimpleUploadedFile("x.pdf", b"#!/bin/sh\nrm -rf /\n"))
    assert lying.status_code == 400
    assert list(lying.json()["error"]["fields"]) == ["file"]
    settings.MESSAGING_ATTACHMENT_MAX_BYTES = 10
    large = _send(app, conversation, file=SimpleUploadedFile("big.png", messaging.PNG_BYTES))
    assert large.status_code == 400
    assert "at most" in large.json()["error"]["message"]
    missing = _send(app, conversation, body="No file")
    assert (missing.status_code, list(missing.json()["error"]["fields"])) == (400, ["file"])
    assert Attachment.objects.count() == 1


def test_only_the_parties_send_files(conversation: Conversation, other_practitioner: User) -> None:
    png = SimpleUploadedFile("photo.png", messaging.PNG_BYTES)
    assert _send(Client(), conversation, file=png).status_code == 401
    png.seek(0)
    stranger = _send(_token(other_practitioner, "messaging:write"), conversation, file=png)
    assert stranger.status_code == 404
    png.seek(0)
    reader = _send(
        _token(factories.ClientFactory.create(), "messaging:read"), conversation, file=png
    )
    assert reader.status_code == 403
    assert not Attachment.objects.exists()


def test_a_file_send_takes_the_idempotency_key_header_as_every_send_does(
    conversation: Conversation, client_person: User
) -> None:
    app = _token(client_person, "messaging:write")
    url = reverse("api:messaging_send_file", kwargs={"conversation_id": conversation.pk})
    before = Message.objects.filter(conversation=conversation).count()

    def send(body: str, content: bytes = messaging.PNG_BYTES) -> Any:
        parts = {"body": body, "file": SimpleUploadedFile("letter.png", content)}
        return app.post(url, parts, headers={"Idempotency-Key": "letter-1"})

    first = send("The school's letter")
    assert first.status_code == 201, first.content
    replay = send("The school's letter")
    assert (replay.status_code, replay.json()["id"]) == (201, first.json()["id"])
    other_text = send("Another letter")
    assert (other_text.status_code, other_text.json()["error"]["code"]) == (
        422,
        "idempotency_key_reused",
    )
    other_file = send("The school's letter", messaging.PNG_BYTES + b"\0")
    assert other_file.status_code == 422
    assert Message.objects.filter(conversation=conversation).count() == before + 1
    assert Attachment.objects.count() == 1


def test_the_form_fields_key_still_sends_once(
    conversation: Conversation, client_person: User
) -> None:
    app = _token(client_person, "messaging:write")
    key = "0b6d1f6e-8a4f-4c0e-9d6a-2f1f9a3e7c55"
    answers = [
        _send(
            app,
            conversation,
            body="Once",
            idempotency_key=key,
            file=SimpleUploadedFile("once.png", messaging.PNG_BYTES),
        ).json()["id"]
        for _ in range(2)
    ]
    assert answers[0] == answers[1]
    assert Attachment.objects.count() == 1
