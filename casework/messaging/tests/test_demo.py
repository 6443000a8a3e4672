"""The demo conversations load through the services, once."""

import pytest

from casework.demo.messaging import seed_messaging
from casework.demo.people import seed_people
from casework.demo.registry import seed_registry
from casework.messaging.models import Conversation, Message, OfficeHours
from casework.testing import messaging

pytestmark = pytest.mark.django_db


def test_demo_conversations_load_once() -> None:
    messaging.place("GB-ENG")
    seed_people()
    seed_registry()  # Amara's verified registration: only then does she take enquiries
    first = seed_messaging()
    kinds = sorted(conversation.kind for conversation in first)
    # The registry's cast adds a colleague for Amara to consult.
    assert kinds == ["consultation", "enquiry", "moderation"]
    counts = (Conversation.objects.count(), Message.objects.count())
    assert counts[1] >= 5
    assert OfficeHours.objects.count() == 5
    again = seed_messaging()
    assert [c.pk for c in again] == [c.pk for c in first]
    assert (Conversation.objects.count(), Message.objects.count()) == counts
