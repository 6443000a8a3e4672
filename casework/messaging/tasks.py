"""Background work of messaging. Arguments are ids (JSON), never model instances."""

from django_tasks import task

from casework.messaging import notices


@task()
def send_message_notices() -> int:
    """Send the "You have a new message" emails that have fallen due."""
    return notices.send_due_notices()
