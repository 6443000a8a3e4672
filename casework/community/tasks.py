"""Background work of the community: reply notices, composed from ids in the reader's
language."""

from django_tasks import task

from casework.community.models import Comment
from casework.community.notices import compose_reply_notice
from casework.emails import send_now


@task()
def send_reply_notice(*, comment_id: int, reply_id: int) -> None:
    comment = Comment.objects.select_related("article", "author").filter(pk=comment_id).first()
    reply = Comment.objects.filter(pk=reply_id, status=Comment.Status.PUBLISHED).first()
    if comment is None or reply is None or comment.author is None:
        return
    # Asked for, still wanted (not unsubscribed since), and still someone who signs in.
    if not comment.notify_replies or not comment.author.is_active:
        return
    send_now(compose_reply_notice(comment.author, comment, reply), kind="community.reply")
