"""Reading the database directly finds no plaintext of any message, edit or attachment."""

import pytest
from django.db import connection

from casework.accounts.models import User
from casework.messaging import services
from casework.messaging.attachments import CheckedFile
from casework.messaging.models import Attachment, Conversation, Message
from casework.testing import messaging
from casework.testing.messaging import PNG_BYTES
from casework.vault.errors import DecryptionFailed

pytestmark = pytest.mark.django_db

SECRETS = [
    "first-words-nobody-else-may-read",
    "edited-words-nobody-else-may-read",
    "attachment-bytes-nobody-else-may-read",
    "attachment-name-nobody-else-may-read",
]


def _every_stored_value() -> list[object]:
    values: list[object] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values.extend(row)
    return values


def _contains(value: object, secret: str) -> bool:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return secret.encode() in value
    return isinstance(value, str) and secret in value


def test_no_table_holds_the_plaintext_of_messages_edits_or_attachments(
    client_person: User, practitioner: User
) -> None:
    conversation = messaging.enquiry(client_person, practitioner, body=SECRETS[0])
    message = Message.objects.select_related("conversation__data_key").get(seq=1)
    services.edit_message(message=message, editor=client_person, body=SECRETS[1])
    content = PNG_BYTES + SECRETS[2].encode()
    messaging.send(
        conversation,
        practitioner,
        "Here is the leaflet",
        files=[CheckedFile(content, "image/png", f"{SECRETS[3]}.png")],
    )
    stored = _every_stored_value()
    found = [secret for secret in SECRETS if any(_contains(v, secret) for v in stored)]
    assert found == []
    # ...while the application reads every one of them back.
    reread = Message.objects.select_related("conversation__data_key").get(pk=message.pk)
    assert reread.body == SECRETS[1]
    assert (
        reread.revisions.select_related("message__conversation__data_key").get().body == SECRETS[0]
    )
    attachment = Attachment.objects.select_related("message__conversation__data_key").get()
    assert attachment.name == f"{SECRETS[3]}.png"


def test_a_body_copied_to_another_message_does_not_open(
    conversation: Conversation, practitioner: User
) -> None:
    other = messaging.send(conversation, practitioner, "Something else")
    with connection.cursor() as cursor:
        table = Message._meta.db_table
        cursor.execute(f"SELECT body FROM {table} WHERE seq = 1")  # noqa: S608
        (first_body,) = cursor.fetchone()
        cursor.execute(
            f"UPDATE {table} SET body = %s WHERE id = %s",  # noqa: S608
            [first_body, other.pk.hex if connection.vendor == "sqlite" else other.pk],
        )
    copied = Message.objects.select_related("conversation__data_key").get(pk=other.pk)
    with pytest.raises(DecryptionFailed):
        _ = copied.body
