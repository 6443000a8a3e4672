import pytest
from pytest_django import Settings

from casework.accounts.models import User
from casework.messaging.models import Conversation
from casework.testing import factories, messaging


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def conversation(client_person: User, practitioner: User) -> Conversation:
    """Robin's open enquiry to Amara Okafor, with Robin's first message (seq 1)."""
    return messaging.enquiry(client_person, practitioner, body="Hello, can you help me?")


@pytest.fixture
def second_moderator(db: None) -> User:
    return factories.ModeratorFactory.create(legal_name="Ines Duarte", email="ines@example.org")
