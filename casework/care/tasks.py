"""Background work of care: its notices. A check-in's reminder is a task of its own, beside the
plan that queues it (``services/reminders.py``); the clock runs the sweep
(``manage.py run_check_ins``)."""

from django_tasks import task

from casework.accounts.models import User
from casework.care.notices import Notice, compose
from casework.emails import send_now


@task()
def send_care_notice(*, recipient_id: int, notice: str, link: str) -> None:
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        return
    send_now(compose(recipient, Notice(notice), link), kind=f"care.{notice}")
