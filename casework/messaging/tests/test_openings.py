"""Reading a conversation is audited once per opening, whichever way it is read: the page,
the API, the live socket. Not once per message, and not again for an earlier page."""

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.messaging.models import Conversation
from casework.messaging.tests.test_live import cookie_for, open_and_resume, socket
from casework.privacy import actions
from casework.privacy.models import AuditEvent
from casework.testing import messaging


def openings() -> list[tuple[int | None, int | None, str]]:
    return [
        (event.actor_id, event.subject_id, event.detail["way"])
        for event in AuditEvent.objects.filter(action=actions.MESSAGING_CONVERSATION_OPENED)
    ]


@pytest.mark.django_db
def test_opening_the_page_is_one_event_about_the_other_person_however_many_messages(
    conversation: Conversation, client_person: User, practitioner: User, client: Client
) -> None:
    for n in range(5):
        messaging.send(conversation, client_person, f"Message {n}")
    client.force_login(practitioner)
    url = reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})
    assert client.get(url).status_code == 200
    assert client.get(url, {"before": 3}).status_code == 200  # an earlier page: same opening
    assert openings() == [(practitioner.pk, client_person.pk, "page")]


@pytest.mark.django_db
def test_reading_through_the_api_is_one_opening_for_a_half_hour_of_polling(
    conversation: Conversation, client_person: User, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    with time_machine.travel("2026-03-04 09:00Z", tick=False) as clock:
        for after in (0, 1, 1):
            assert client.get(url, {"after": after}).status_code == 200
        clock.shift(60 * 31)
        assert client.get(url, {"after": 1}).status_code == 200
    assert openings() == [(practitioner.pk, client_person.pk, "api")] * 2


@pytest.mark.django_db(transaction=True)
def test_opening_the_live_socket_is_an_opening(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    cookie = cookie_for(client_person)

    async def journey() -> None:
        communicator = socket(conversation.pk, cookie)
        await open_and_resume(communicator, 1)
        await communicator.disconnect()

    async_to_sync(journey)()
    assert openings() == [(client_person.pk, practitioner.pk, "socket")]
