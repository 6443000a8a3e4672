"""The relay as tasks of the task worker: one event after its commit, and the catch-up."""

from django_tasks import task

from casework.events import relay


@task()
def relay_event(*, event_id: str) -> bool:
    """Deliver one event to its subscribers; False when there was nothing (left) to do."""
    return relay.deliver(event_id)


@task()
def relay_pending_events() -> int:
    """Deliver every event whose time to try has come; the number delivered in full."""
    return relay.relay_pending()
