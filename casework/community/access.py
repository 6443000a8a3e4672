"""Who may see which article and comment: one place for pages, the feed and tasks.

A published article is public; a draft exists only for its author and admins. A comment shows
in its thread when published; a held one only to its author (and moderators); deleted and
hidden ones show as tombstones. Anything else answers 404, the same as a missing one.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from casework.accounts.models import Role, User
from casework.community.models import Article, Comment
from casework.safety.access import is_moderator


def published_articles() -> QuerySet[Article]:
    return Article.objects.filter(status=Article.Status.PUBLISHED).select_related("author")


def _may_see_drafts_of(viewer: object) -> Q:
    if isinstance(viewer, User):
        if viewer.role == Role.ADMIN:
            return Q()
        return Q(status=Article.Status.PUBLISHED) | Q(author=viewer)
    return Q(status=Article.Status.PUBLISHED)


def get_article_for_viewer(viewer: object, slug: str) -> Article:
    article = Article.objects.select_related("author").filter(_may_see_drafts_of(viewer), slug=slug)
    found = article.first()
    if found is None:
        raise Http404
    return found


def get_article_for_editor(person: User, slug: str) -> Article:
    """Its author, or an admin."""
    found = get_article_for_viewer(person, slug)
    if found.author_id != person.pk and person.role != Role.ADMIN:
        raise Http404
    return found


def own_articles(person: User) -> QuerySet[Article]:
    return Article.objects.filter(author=person).order_by("-updated_at")


def get_comment_for_author(person: User, comment_id: int) -> Comment:
    found = Comment.objects.select_related("article").filter(pk=comment_id, author=person).first()
    if found is None:
        raise Http404
    return found


def _shown_in_thread(viewer: object) -> Q:
    """The comments ``viewer`` finds in a thread: published ones, the tombstones of deleted
    and hidden ones, and their own held ones (nobody else's: a held comment may be what a
    moderator is about to refuse)."""
    shown = ~Q(status=Comment.Status.HELD)
    if isinstance(viewer, User):
        shown |= Q(author=viewer)
    return shown


def get_comment_for_reply(viewer: object, slug: str, comment_id: int) -> Comment:
    """A comment the viewer sees in the thread of an article they may see: the replies'
    parent. Whether it takes replies is the service's to say."""
    article = get_article_for_viewer(viewer, slug)
    found = Comment.objects.filter(_shown_in_thread(viewer), pk=comment_id, article=article)
    comment = found.first()
    if comment is None:
        raise Http404
    return comment


def held_comments(person: User) -> QuerySet[Comment]:
    if not is_moderator(person):
        return Comment.objects.none()
    return (
        Comment.objects.filter(status=Comment.Status.HELD)
        .select_related("article", "author")
        .order_by("created_at")
    )


def get_comment_for_moderator(person: User, comment_id: int) -> Comment:
    if not is_moderator(person):
        raise Http404
    found = Comment.objects.select_related("article", "author").filter(pk=comment_id).first()
    if found is None:
        raise Http404
    return found


def get_comment_by_id(comment_id: int) -> Comment | None:
    """For the signed unsubscribe link, whose signature is the proof."""
    return Comment.objects.filter(pk=comment_id).first()
