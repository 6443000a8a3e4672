"""Emails of safety: that a decision or an outcome is ready, and a link. Never what.

No sanction, no rule, no reason in the email: those are on the page it links to, behind
sign-in (or, for a suspended person who cannot sign in, behind a signed link).
"""

from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import User
from casework.emails import queue_notice

DECISION_LINK_SALT = "safety.decision-link"
# How long a decision's signed link opens it: the time the person has to appeal (the EU
# Digital Services Act, Art. 20(1), asks for at least six months).
DECISION_LINK_MAX_AGE = 60 * 60 * 24 * 183


class Notice(StrEnum):
    DECISION = "decision"
    REPORT_DECIDED = "report_decided"
    APPEAL_DECIDED = "appeal_decided"


SUBJECTS: dict[Notice, Promise] = {
    Notice.DECISION: _("A decision about your account"),
    Notice.REPORT_DECIDED: _("Your report was reviewed"),
    Notice.APPEAL_DECIDED: _("Your appeal was decided"),
}


def decision_token(action_id: str) -> str:
    return signing.dumps(str(action_id), salt=DECISION_LINK_SALT)


def action_id_from_token(token: str) -> str | None:
    try:
        found: str = signing.loads(token, salt=DECISION_LINK_SALT, max_age=DECISION_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return found


def decision_link(recipient: User, action_id: str) -> str:
    """The signed-in page, or a signed link when the account is suspended."""
    if recipient.is_active:
        path = reverse("safety:decision", kwargs={"action_id": action_id})
    else:
        path = reverse("safety:decision_by_link", kwargs={"token": decision_token(action_id)})
    return settings.SITE_URL + path


def compose(recipient: User, notice: Notice, link: str) -> EmailMultiAlternatives:
    with translation.override(recipient.language):
        subject = f"[Casework] {SUBJECTS[notice]}"
        body = render_to_string(
            "safety/email/notice.txt", {"notice": str(notice), "link": link}
        ).strip()
    return EmailMultiAlternatives(subject=subject, body=body, to=[recipient.email])


def queue_safety_notice(recipient_id: int, notice: Notice, link: str) -> None:
    """Compose the notice for a person still active, in the relay's transaction; the task
    queue sends it (``emails.queue_notice``)."""
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is not None:
        queue_notice(compose(recipient, notice, link), kind=f"safety.{notice}")


def queue_decision_notice(
    recipient_id: int, action_id: str, notice: Notice = Notice.DECISION
) -> None:
    """A statement of reasons is ready, or the final decision on its appeal (``notice``).
    Sent to suspended accounts too (with a signed link): a person must learn of a decision
    that shuts them out, be able to appeal it, and read the answer."""
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is not None:
        message = compose(recipient, notice, decision_link(recipient, action_id))
        queue_notice(message, kind=f"safety.{notice}")
