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
from casework.emails import queue_notice

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


def queue_reply_notice(comment_id: int, reply_id: int) -> None:
    """Tell a comment's author of a reply, composed in the relay's transaction and sent by the
    task queue (``emails.queue_notice``)."""
    comment = Comment.objects.select_related("article", "author").filter(pk=comment_id).first()
    reply = Comment.objects.filter(pk=reply_id, status=Comment.Status.PUBLISHED).first()
    if comment is None or reply is None or comment.author is None:
        return
    # Asked for, still wanted (not unsubscribed since), and still someone who signs in.
    if not comment.notify_replies or not comment.author.is_active:
        return
    queue_notice(compose_reply_notice(comment.author, comment, reply), kind="community.reply")
