import pytest
from pytest_django import Settings

from casework.accounts.models import User
from casework.messaging.models import Conversation
from casework.testing import messaging


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Settings) -> None:
    """Tasks run as they are enqueued (as the root conftest intends). Set through the settings
    fixture so that django-tasks drops a backend an app's ready() may have loaded before the
    root conftest changed TASKS."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def conversation(client_person: User, practitioner: User) -> Conversation:
    """Robin's open enquiry to Amara Okafor, with Robin's first message (seq 1)."""
    return messaging.enquiry(client_person, practitioner, body="Hello, can you help me?")
