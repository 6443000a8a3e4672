"""Emails of the care app: that something happened, and a link. Never what.

No names, no scores, no answers, no reasons: mail passes through servers that are not ours and
an inbox is often read over a shoulder. Each email is written in its reader's language by
``queue_care_notice`` in a reaction (``reactions.py``, once the change is committed), sealed
into the outbox in the relay's transaction and sent by the task queue.
"""

from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import User
from casework.emails import queue_notice


class Notice(StrEnum):
    CASE_OPENED = "case_opened"
    CHECK_IN_READY = "check_in_ready"
    URGENT_FLAG = "urgent_flag"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    REFERRAL_PROPOSED = "referral_proposed"
    REFERRAL_SHARED = "referral_shared"
    REFERRAL_ANSWERED = "referral_answered"
    REFERRAL_WITHDRAWN = "referral_withdrawn"
    CASE_TRANSFERRED = "case_transferred"
    EMERGENCY_DETAILS_OPENED = "emergency_details_opened"
    CLIENT_EMERGENCY_DETAILS_OPENED = "client_emergency_details_opened"
    REFERRAL_LAPSED = "referral_lapsed"
    REFERRAL_ENDED_WITH_CASE = "referral_ended_with_case"
    SUPERVISION_INVITED = "supervision_invited"
    SUPERVISION_ANSWERED = "supervision_answered"
    SUPERVISOR_JOINED = "supervisor_joined"
    SUPERVISION_ENDED = "supervision_ended"
    ONLINE_WORK_SUITS = "online_work_suits"
    ONLINE_WORK_DOES_NOT_SUIT = "online_work_does_not_suit"
    CONSENT_GIVEN = "consent_given"
    CASE_EXPORT_ASKED = "case_export_asked"
    CASE_EXPORT_AGREED = "case_export_agreed"
    CASE_EXPORT_DECLINED = "case_export_declined"
    CASE_EXPORT_READY = "case_export_ready"


SUBJECTS: dict[Notice, Promise] = {
    Notice.CASE_OPENED: _("Your care page is ready"),
    Notice.CHECK_IN_READY: _("A check-in is ready"),
    Notice.URGENT_FLAG: _("A check-in needs your attention"),
    Notice.CONSENT_WITHDRAWN: _("A client changed their consent"),
    Notice.REFERRAL_PROPOSED: _("Your social worker proposes a referral"),
    Notice.REFERRAL_SHARED: _("A referral was shared with you"),
    Notice.REFERRAL_ANSWERED: _("A client answered your referral"),
    Notice.REFERRAL_WITHDRAWN: _("A referral was withdrawn"),
    Notice.CASE_TRANSFERRED: _("A case was handed over"),
    Notice.EMERGENCY_DETAILS_OPENED: _("Your emergency details were opened"),
    Notice.CLIENT_EMERGENCY_DETAILS_OPENED: _("A client's emergency details were opened"),
    Notice.REFERRAL_LAPSED: _("A referral ended with your case"),
    Notice.REFERRAL_ENDED_WITH_CASE: _("A referral shared with you ended"),
    Notice.SUPERVISION_INVITED: _("You are invited to supervise a case"),
    Notice.SUPERVISION_ANSWERED: _("Your colleague answered your invitation to supervise"),
    Notice.SUPERVISOR_JOINED: _("A supervisor now reads your case notes"),
    Notice.SUPERVISION_ENDED: _("A supervision ended"),
    Notice.ONLINE_WORK_SUITS: _("Your social worker asks for your consent"),
    Notice.ONLINE_WORK_DOES_NOT_SUIT: _("Your social worker suggests another way to work"),
    Notice.CONSENT_GIVEN: _("A client gave their consent"),
    Notice.CASE_EXPORT_ASKED: _("Your social worker asks to export your case"),
    Notice.CASE_EXPORT_AGREED: _("A client agreed to the export of their case"),
    Notice.CASE_EXPORT_DECLINED: _("A client declined the export of their case"),
    Notice.CASE_EXPORT_READY: _("A case export is ready"),
}


def site_link(url_name: str, **kwargs: object) -> str:
    return settings.SITE_URL + reverse(url_name, kwargs=kwargs or None)


def compose(recipient: User, notice: Notice, link: str) -> EmailMultiAlternatives:
    with translation.override(recipient.language):
        subject = f"[Casework] {SUBJECTS[notice]}"
        body = render_to_string(
            "care/email/notice.txt", {"notice": str(notice), "link": link}
        ).strip()
    return EmailMultiAlternatives(subject=subject, body=body, to=[recipient.email])


def queue_care_notice(recipient_id: int, notice: Notice, link: str) -> None:
    """Compose the notice for a person still active and queue it (``emails.queue_notice``)."""
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is not None:
        queue_notice(compose(recipient, notice, link), kind=f"care.{notice}")
