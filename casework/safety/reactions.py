"""What safety does when something happened (see casework/events/subscribers.py): emails to
the person a decision affects, to a reporter, to an appellant; queued once per event."""

from django.conf import settings
from django.urls import reverse

from casework.events import catalogue as e
from casework.safety.models import Appeal
from casework.safety.notices import Notice
from casework.safety.tasks import send_decision_notice, send_safety_notice


def tell_affected(event: e.ModerationDecided) -> None:
    send_decision_notice.enqueue(recipient_id=event.affected_id, action_id=event.action_id)


def tell_reporter(event: e.ReportDecided) -> None:
    if event.reporter_id is None:
        return  # a visitor follows their report by its reference
    link = settings.SITE_URL + reverse("safety:my_report", kwargs={"report_id": event.report_id})
    send_safety_notice.enqueue(
        recipient_id=event.reporter_id, notice=str(Notice.REPORT_DECIDED), link=link
    )


def tell_appellant(event: e.AppealDecided) -> None:
    action_id = Appeal.objects.values_list("action_id", flat=True).get(pk=event.appeal_id)
    # The statement's page now ends with the final decision and why: the email says so.
    send_decision_notice.enqueue(
        recipient_id=event.appellant_id,
        action_id=str(action_id),
        notice=str(Notice.APPEAL_DECIDED),
    )
