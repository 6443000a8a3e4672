"""Comments: posting, editing within a window, deleting to a tombstone, moderating, and the
reply notices a commenter asked for.

What waits for a moderator before anyone reads it: anonymous comments, the first comment of an
account younger than a week, comments safety's screen flags (offensive language, harassment,
payment, personal channels...), and spam (a link to another site, or the same words posted
again: ``safety/checks/spam.py``). A comment the screen *blocks* is refused with the reason.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.community.confidentiality import check_text, valid_kinds
from casework.community.models import ANONYMOUS, COMMENT_MAX_CHARS, FIRST_POST, Article, Comment
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.safety.access import is_moderator
from casework.safety.checks import spam
from casework.safety.screening import screen_message

EDIT_WINDOW = timedelta(minutes=15)
NEW_ACCOUNT_AGE = timedelta(days=7)
# A person writes at most this many comments in RATE_WINDOW (a conversation, not a flood).
COMMENTS_PER_WINDOW = 5
RATE_WINDOW = timedelta(minutes=10)
# The same words again within this time are held as spam.
REPEAT_WINDOW = timedelta(days=1)


def may_comment(article: Article, person: object) -> bool:
    """Whether ``person`` (anyone, signed in or not) is offered to comment on ``article``."""
    signed_in = isinstance(person, User)
    return article.published and not article.closed and (signed_in or article.anonymous_comments)


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError(_("Write something first."), code="empty")
    if len(body) > COMMENT_MAX_CHARS:
        raise ValidationError(
            _(
                "A comment can be at most %(count)d characters; this one has %(length)d. "
                "Shorten it, or write an article instead."
            )
            % {"count": COMMENT_MAX_CHARS, "length": len(body)},
            code="too_long",
        )
    return body


def _screened(
    author: User | None, body: str, now: datetime, editing: Comment | None = None
) -> list[str]:
    """Safety's categories for ``body``, spam among them; raises when the screen blocks it.
    ``editing``: the comment these words replace (its own words are no repeat)."""
    if author is None:
        from casework.safety.detection import detect

        categories = {d.category for d in detect(body)}
    else:
        result = screen_message(sender=author, conversation=None, text=body)
        if result.blocked:
            raise ValidationError(" ".join(result.block_reasons), code="blocked")
        categories = set(result.categories)
    if spam.is_spam(body, repeated=_repeated(author, body, now, editing)):
        categories.add(spam.SPAM)
    return sorted(categories)


def _repeated(author: User | None, body: str, now: datetime, editing: Comment | None) -> bool:
    """The same words from the same person within a day, on any article: pasted, not said."""
    if author is None:
        return False
    earlier = Comment.objects.filter(author=author, created_at__gte=now - REPEAT_WINDOW)
    if editing is not None:
        earlier = earlier.exclude(pk=editing.pk)
    return earlier.filter(body=body).exists()


def _check_rate(author: User, now: datetime) -> None:
    recent = Comment.objects.filter(author=author, created_at__gte=now - RATE_WINDOW).count()
    if recent >= COMMENTS_PER_WINDOW:
        raise ValidationError(
            _("You have written several comments just now. Please wait a few minutes."),
            code="rate_limited",
        )


def _is_new(author: User, now: datetime) -> bool:
    if now - author.date_joined >= NEW_ACCOUNT_AGE:
        return False
    return not Comment.objects.filter(author=author, status=Comment.Status.PUBLISHED).exists()


def post_comment(
    *,
    article: Article,
    author: User | None,
    body: str,
    parent: Comment | None = None,
    notify_replies: bool = False,
    confirmed_kinds: Iterable[str] = (),
    now: datetime | None = None,
) -> Comment:
    """Post ``body`` on ``article`` (a reply when ``parent`` is given). ``author`` is None for
    an anonymous comment."""
    now = now or timezone.now()
    body = _check_body(body)
    if author is None and not article.anonymous_comments:
        raise ValidationError(
            _("This article takes comments from signed-in people only."), code="no_anonymous"
        )
    if author is not None:
        _check_rate(author, now)
    confirmed = check_text(body, author=author, confirmed=valid_kinds(confirmed_kinds))
    categories = _screened(author, body, now)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        _check_open(article)
        if parent is not None:
            parent = Comment.objects.select_for_update().get(pk=parent.pk)
            _check_parent(article, parent)
        held_for = list(categories)
        if author is None:
            held_for.append(ANONYMOUS)
        elif _is_new(author, now):
            held_for.append(FIRST_POST)
        comment = Comment.objects.create(
            article=article,
            parent=parent,
            author=author,
            body=body,
            status=Comment.Status.HELD if held_for else Comment.Status.PUBLISHED,
            held_for=held_for,
            guard_confirmed=confirmed,
            notify_replies=notify_replies and author is not None,
            created_at=now,
        )
        record_event(
            action=actions.COMMUNITY_COMMENT_POSTED,
            actor=author,
            target=comment,
            detail={"held_for": held_for, "guard_confirmed": confirmed, "reply": bool(parent)},
        )
        if comment.visible:
            _announce(comment)
    return comment


def comment_refused(
    *, article: Article, author: User | None, parent: Comment | None = None
) -> ValidationError | None:
    """Why ``post_comment`` would refuse any words from ``author`` here, or None: the form
    says so before anyone writes (``post_comment`` checks again, under its locks)."""
    try:
        if author is None and not article.anonymous_comments:
            raise ValidationError(
                _("This article takes comments from signed-in people only."), code="no_anonymous"
            )
        _check_open(article)
        if parent is not None:
            _check_parent(article, parent)
    except ValidationError as error:
        return error
    return None


def _check_open(article: Article) -> None:
    if not article.published:
        raise ValidationError(_("This article is not published."), code="unpublished")
    if article.closed:
        raise ValidationError(_("This article is closed: it takes no new comments."), code="closed")


def _check_parent(article: Article, parent: Comment) -> None:
    if parent.article_id != article.pk:
        raise ValidationError(_("That comment is on another article."), code="wrong_article")
    if parent.parent_id is not None:
        raise ValidationError(
            _("Replies go one level deep: reply to the comment that started the thread."),
            code="too_deep",
        )
    if parent.status == Comment.Status.HELD:
        raise ValidationError(
            _("That comment waits for a moderator: it takes replies once it is published."),
            code="parent_held",
        )
    if parent.status != Comment.Status.PUBLISHED:
        raise ValidationError(
            _("That comment was deleted or hidden: it takes no replies."), code="parent_gone"
        )


def _announce(comment: Comment) -> None:
    emit(
        events.CommentPublished(
            comment_id=comment.pk, article_id=comment.article_id, parent_id=comment.parent_id
        )
    )


def _own_live_comment(comment: Comment, author: User) -> Comment:
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.author_id != author.pk:
        raise ValidationError(_("This comment is someone else's."), code="not_author")
    if locked.status in (Comment.Status.DELETED, Comment.Status.HIDDEN):
        raise ValidationError(_("This comment was deleted or hidden."), code="gone")
    return locked


def edit_comment(
    *,
    comment: Comment,
    author: User,
    body: str,
    confirmed_kinds: Iterable[str] = (),
    now: datetime | None = None,
) -> Comment:
    """Change one's own comment within ``EDIT_WINDOW`` of posting it; shown as edited."""
    now = now or timezone.now()
    body = _check_body(body)
    confirmed = check_text(body, author=author, confirmed=valid_kinds(confirmed_kinds))
    categories = _screened(author, body, now, editing=comment)
    with transaction.atomic():
        comment = _own_live_comment(comment, author)
        if now - comment.created_at > EDIT_WINDOW:
            raise ValidationError(
                _("A comment can be changed for 15 minutes after it is posted."),
                code="edit_window",
            )
        comment.body = body
        comment.edited_at = now
        comment.guard_confirmed = sorted(set(comment.guard_confirmed) | set(confirmed))
        fields = ["body", "edited_at", "guard_confirmed"]
        if categories and comment.status == Comment.Status.PUBLISHED:
            # An edit that the screen flags goes back to the moderators.
            comment.status = Comment.Status.HELD
            comment.held_for = categories
            fields += ["status", "held_for"]
        comment.save(update_fields=fields)
        record_event(
            action=actions.COMMUNITY_COMMENT_EDITED,
            actor=author,
            target=comment,
            detail={"held_for": categories, "guard_confirmed": confirmed},
        )
    return comment


def delete_comment(*, comment: Comment, author: User) -> Comment:
    """Delete one's own comment: its words go, a tombstone keeps the thread's shape."""
    with transaction.atomic():
        comment = _own_live_comment(comment, author)
        comment.body = ""
        comment.status = Comment.Status.DELETED
        comment.notify_replies = False
        comment.save(update_fields=["body", "status", "notify_replies"])
        record_event(action=actions.COMMUNITY_COMMENT_DELETED, actor=author, target=comment)
    return comment


def moderate_comment(*, comment: Comment, moderator: User, publish: bool) -> Comment:
    """A moderator publishes a held comment, or hides a held or published one."""
    if not is_moderator(moderator):
        raise ValidationError(_("Only moderators decide on comments."), code="not_moderator")
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status == Comment.Status.DELETED:
            raise ValidationError(_("Its author deleted this comment."), code="gone")
        was = comment.status
        comment.status = Comment.Status.PUBLISHED if publish else Comment.Status.HIDDEN
        if comment.status == was:
            return comment
        comment.save(update_fields=["status"])
        record_event(
            action=actions.COMMUNITY_COMMENT_PUBLISHED
            if publish
            else actions.COMMUNITY_COMMENT_HIDDEN,
            actor=moderator,
            target=comment,
            subject_id=comment.author_id,
            detail={"was": was},
        )
        if publish:
            _announce(comment)
    return comment


def hide_for_decision(*, comment_id: int, moderator: User | None, action_id: str) -> None:
    """A moderator's decision in safety (``action_id``) hides the comment: its tombstone shows
    in the thread. Idempotent: an event delivered twice changes nothing more."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None or comment.status in (Comment.Status.HIDDEN, Comment.Status.DELETED):
            return
        was = comment.status
        comment.status = Comment.Status.HIDDEN
        comment.save(update_fields=["status"])
        record_event(
            action=actions.COMMUNITY_COMMENT_HIDDEN,
            actor=moderator,
            target=comment,
            subject_id=comment.author_id,
            detail={"was": was, "decision": action_id},
        )


def restore_after_appeal(
    *, comment_id: int, moderator: User | None, action_id: str, still_hidden: bool
) -> None:
    """An appeal overturned the decision that hid the comment: it shows again, unless
    ``still_hidden`` (another decision in force hides it) or its author deleted it."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None or comment.status != Comment.Status.HIDDEN or still_hidden:
            return
        comment.status = Comment.Status.PUBLISHED
        comment.save(update_fields=["status"])
        record_event(
            action=actions.COMMUNITY_COMMENT_RESTORED,
            actor=moderator,
            target=comment,
            subject_id=comment.author_id,
            detail={"decision": action_id},
        )


def stop_reply_notices(*, comment: Comment) -> Comment:
    """The one-click unsubscribe: no more emails about replies to ``comment``."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.notify_replies:
            comment.notify_replies = False
            comment.save(update_fields=["notify_replies"])
            record_event(
                action=actions.COMMUNITY_REPLY_NOTICES_STOPPED,
                actor=None,
                target=comment,
                subject_id=comment.author_id,
            )
    return comment
