"""Background work of care: emails, check-in reminders and the check-in sweep."""

from django.utils import timezone
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


@task()
def remind_check_in(*, check_in_id: str) -> bool:
    """Send one check-in's reminder when it falls due (queued for that time)."""
    from casework.care.services.check_ins import remind

    return remind(check_in_id, now=timezone.now())


@task()
def run_check_in_round() -> dict[str, int]:
    """The sweep: missed check-ins marked, due ones created and reminded."""
    from casework.care.services.check_ins import run_check_in_round as sweep

    done = sweep()
    return {"missed": done.missed, "created": done.created, "reminded": done.reminded}
