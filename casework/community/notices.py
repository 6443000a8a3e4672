"""Emails of the community: that someone replied to your comment, and a link. Never the words.

Each carries a signed link that stops these emails in one click, without signing in.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.community.models import Comment

UNSUBSCRIBE_SALT = "community.reply-notices"


def unsubscribe_token(comment_id: int) -> str:
    return signing.dumps(int(comment_id), salt=UNSUBSCRIBE_SALT)


def comment_id_from_token(token: str) -> int | None:
    """The comment a link stops notices for; None for a forged or damaged link."""
    try:
        found = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return found if isinstance(found, int) else None


def unsubscribe_link(comment_id: int) -> str:
    path = reverse("community:unsubscribe", kwargs={"token": unsubscribe_token(comment_id)})
    return settings.SITE_URL + path


def compose_reply_notice(
    recipient: User, comment: Comment, reply: Comment
) -> EmailMultiAlternatives:
    article = comment.article
    link = (
        settings.SITE_URL
        + reverse("community:article", kwargs={"slug": article.slug})
        + f"#comment-{reply.pk}"
    )
    stop = unsubscribe_link(comment.pk)
    with translation.override(recipient.language):
        subject = "[Casework] " + _("Someone replied to your comment")
        body = render_to_string(
            "community/email/reply.txt", {"link": link, "unsubscribe": stop}
        ).strip()
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
