"""What the community does when something happened (see casework/events/subscribers.py)."""

import uuid

from casework.community.models import Comment
from casework.community.services.comments import hide_for_decision, restore_after_appeal
from casework.community.tasks import send_reply_notice
from casework.events import catalogue as e
from casework.safety.models import ActionKind, Appeal, ModerationAction


def tell_replied_to(event: e.CommentPublished) -> None:
    if event.parent_id is None:
        return
    parent = Comment.objects.filter(pk=event.parent_id, notify_replies=True).first()
    reply = Comment.objects.filter(pk=event.comment_id).first()
    if parent is None or reply is None or parent.author_id is None:
        return
    if parent.author_id == reply.author_id:
        return  # one's own reply is no news
    send_reply_notice.enqueue(comment_id=parent.pk, reply_id=reply.pk)


def hide_comment(event: e.ContentHidden) -> None:
    decision = ModerationAction.objects.select_related("moderator").filter(pk=event.action_id)
    found = decision.first()
    hide_for_decision(
        comment_id=event.comment_id,
        moderator=found.moderator if found is not None else None,
        action_id=event.action_id,
    )


def restore_comment(event: e.ContentRestored) -> None:
    decision = uuid.UUID(event.action_id)
    appeal = Appeal.objects.select_related("decided_by").filter(action_id=decision).first()
    # Another decision in force (a second report of the same comment) keeps it hidden.
    still_hidden = (
        ModerationAction.objects.filter(
            comment_id=event.comment_id, kind=ActionKind.HIDE, in_force=True
        )
        .exclude(pk=decision)
        .exists()
    )
    restore_after_appeal(
        comment_id=event.comment_id,
        moderator=appeal.decided_by if appeal is not None else None,
        action_id=event.action_id,
        still_hidden=still_hidden,
    )
