"""The per-minute limit holds against a burst: parallel sends by one person are counted one
after the other, so no more get through than the limit allows."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from pytest_django import Settings

from casework.accounts.models import User
from casework.messaging.models import Message
from casework.testing import messaging
from casework.testing.concurrency import all_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
]

LIMIT = 10
BURST = 16


def test_a_burst_of_parallel_sends_gets_no_more_than_the_limit_through(
    client_person: User, practitioner: User, settings: Settings
) -> None:
    settings.MESSAGING_MESSAGES_PER_MINUTE = LIMIT
    conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    already = Message.objects.filter(sender=client_person, kind=Message.Kind.MESSAGE).count()

    def send(index: int) -> Any:
        return messaging.send(conversation, client_person, f"Message {index}")

    outcomes = all_at_once(BURST, send)
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert all(o.code == "rate_limited" for o in refused), outcomes
    sent = Message.objects.filter(sender=client_person, kind=Message.Kind.MESSAGE).count()
    assert sent == LIMIT
    assert len(refused) == BURST - (LIMIT - already)
