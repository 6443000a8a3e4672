"""What the community does when something happened (see casework/events/subscribers.py)."""

from casework.accounts.models import User
from casework.community.models import Comment
from casework.community.notices import queue_reply_notice
from casework.community.services.comments import hide_for_decision, restore_after_appeal
from casework.events import catalogue as e


def tell_replied_to(event: e.CommentPublished) -> None:
    if event.parent_id is None:
        return
    parent = Comment.objects.filter(pk=event.parent_id, notify_replies=True).first()
    reply = Comment.objects.filter(pk=event.comment_id).first()
    if parent is None or reply is None or parent.author_id is None:
        return
    if parent.author_id == reply.author_id:
        return  # one's own reply is no news
    queue_reply_notice(parent.pk, reply.pk)


def hide_comment(event: e.ContentHidden) -> None:
    hide_for_decision(
        comment_id=event.comment_id,
        moderator=_person(event.moderator_id),
        action_id=event.action_id,
    )


def restore_comment(event: e.ContentRestored) -> None:
    restore_after_appeal(
        comment_id=event.comment_id,
        moderator=_person(event.moderator_id),
        action_id=event.action_id,
        still_hidden=event.still_hidden,
    )


def _person(person_id: int | None) -> User | None:
    return User.objects.filter(pk=person_id).first() if person_id is not None else None
