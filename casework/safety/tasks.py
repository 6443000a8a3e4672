"""Background work of safety: its emails, composed from ids in the reader's language."""

from django_tasks import task

from casework.accounts.models import User
from casework.emails import send_now
from casework.safety.notices import Notice, compose, decision_link


@task()
def send_safety_notice(*, recipient_id: int, notice: str, link: str) -> None:
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        return
    send_now(compose(recipient, Notice(notice), link), kind=f"safety.{notice}")


@task()
def send_decision_notice(
    *, recipient_id: int, action_id: str, notice: str = Notice.DECISION.value
) -> None:
    """A statement of reasons is ready, or the final decision on its appeal (``notice``).
    Sent to suspended accounts too (with a signed link): a person must learn of a decision
    that shuts them out, be able to appeal it, and read the answer."""
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None:
        return
    chosen = Notice(notice)
    message = compose(recipient, chosen, decision_link(recipient, action_id))
    send_now(message, kind=f"safety.{chosen}")
