"""Background work of the regulator portal: sending webhook notifications.

The dependency goes one way: this module queues and runs the tries, ``webhooks`` records and
sends them and knows nothing of the task queue."""

from datetime import datetime

from django.utils import timezone
from django_tasks import task

from casework.oversight import webhooks
from casework.shell.task_queue import queue_with_the_change


@task()
def deliver_webhook(*, delivery_id: int) -> str:
    """One try at sending a webhook delivery (``webhooks.attempt_delivery``)."""
    return webhooks.attempt_delivery(delivery_id)


def deliver_after_commit(delivery_id: int) -> None:
    """Queue the first try with the transaction that recorded the delivery: it runs once that
    commits, for the worker must find the row, and no call to another system may start
    before the commit."""
    queue_with_the_change(deliver_webhook, delivery_id=delivery_id)


def send_waiting_webhooks(*, now: datetime | None = None) -> int:
    """Queue a try of every delivery whose next try is due (its task lost, or its last try
    failed); the number queued. Safe beside the worker: a try takes the row first."""
    due = webhooks.due_deliveries(now or timezone.now())
    for delivery_id in due:
        deliver_webhook.enqueue(delivery_id=delivery_id)
    return len(due)
