"""The verification email travels through the real database task queue and its worker."""

import pytest
from django.core import mail
from django.test import override_settings

from casework.emails import deliver_email
from casework.testing.tasks import DATABASE_TASKS, run_queued_tasks


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_delivers_an_enqueued_email() -> None:
    # django-tasks resets its backends whenever TASKS changes.
    with override_settings(TASKS=DATABASE_TASKS):
        result = deliver_email.enqueue(
            to=["river@example.org"], subject="Confirm your address", body="A link"
        )
        assert mail.outbox == []  # waiting in the queue, not sent yet
        run_queued_tasks()
        assert [m.subject for m in mail.outbox] == ["Confirm your address"]
        result.refresh()
        assert result.status == "SUCCESSFUL"
