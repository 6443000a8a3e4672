"""Background work of the regulator portal: sending webhook notifications."""

from django_tasks import task

from casework.oversight import webhooks


@task()
def deliver_webhook(*, delivery_id: int) -> str:
    """One try at sending a webhook delivery (``webhooks.attempt_delivery``)."""
    return webhooks.attempt_delivery(delivery_id)
