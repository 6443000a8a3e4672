"""The regulator portal's reactions to events (see casework/events/subscribers.py)."""

from casework.events.catalogue import RegistrationOrderChanged
from casework.oversight import notices, tasks, webhooks
from casework.registry.models import PlatformRestriction


def tell_practitioner(event: RegistrationOrderChanged) -> None:
    """An officer's order is explained to the practitioner (a register reading has its own
    email, sent by the registry)."""
    if not event.restriction_id:
        return
    restriction = PlatformRestriction.objects.filter(pk=event.restriction_id).first()
    if restriction is not None:
        notices.tell_practitioner_of_order(restriction=restriction, change=event.change)


def notify_regulator(event: RegistrationOrderChanged) -> None:
    """Record the notification to the regulator's system; a task sends it after commit. Run
    again, the reaction finds the notification recorded and queues nothing more."""
    recorded = webhooks.record_notification(event)
    if recorded is not None and recorded[1]:
        tasks.deliver_after_commit(recorded[0].pk)
