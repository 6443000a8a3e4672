"""What the community does when something happened (see casework/events/subscribers.py)."""

from casework.community.models import Comment
from casework.community.tasks import send_reply_notice
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
    send_reply_notice.enqueue(comment_id=parent.pk, reply_id=reply.pk)
