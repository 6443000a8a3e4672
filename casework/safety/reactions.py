"""What safety does when something happened (see casework/events/subscribers.py): emails to
the person a decision affects, to a reporter, to an appellant; composed once per event in the
relay's transaction and sent by the task queue."""

from django.conf import settings
from django.urls import reverse

from casework.events import catalogue as e
from casework.safety.models import Appeal
from casework.safety.notices import Notice, queue_decision_notice, queue_safety_notice


def tell_affected(event: e.ModerationDecided) -> None:
    queue_decision_notice(event.affected_id, event.action_id)


def tell_reporter(event: e.ReportDecided) -> None:
    if event.reporter_id is None:
        return  # a visitor follows their report by its reference
    link = settings.SITE_URL + reverse("safety:my_report", kwargs={"report_id": event.report_id})
    queue_safety_notice(event.reporter_id, Notice.REPORT_DECIDED, link)


def tell_appellant(event: e.AppealDecided) -> None:
    action_id = Appeal.objects.values_list("action_id", flat=True).get(pk=event.appeal_id)
    # The statement's page now ends with the final decision and why: the email says so.
    queue_decision_notice(event.appellant_id, str(action_id), Notice.APPEAL_DECIDED)
