"""Reads that need care: an article's thread with its authors' live badges, in a fixed number
of queries whatever its length."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse

from casework.accounts.models import Role, User
from casework.community.access import published_articles
from casework.community.models import Article, Comment
from casework.registry.models import RegistrationClaim

ARTICLES_PER_PAGE = 10
LONGEST_TAG = 30


def clean_tag_filter(raw: str) -> str:
    """A tag as the list filters on it (tags are stored lower case, at most 30 characters)."""
    return raw.strip().lower()[:LONGEST_TAG]


def listed_articles(tag: str = "") -> QuerySet[Article]:
    """The published articles, newest first, those with ``tag`` only when one is given."""
    articles = published_articles().order_by("-published_at", "-pk")
    if tag:
        articles = articles.filter(tag_rows__name=tag)
    return articles


@dataclass(frozen=True)
class Badge:
    verification_url: str
    badge_url: str
    regulator: str


@dataclass
class ThreadItem:
    comment: Comment
    badges: list[Badge]
    replies: list["ThreadItem"] = field(default_factory=list)
    own: bool = False


def _badges_of(author_ids: set[int]) -> dict[int, list[Badge]]:
    claims = RegistrationClaim.objects.filter(
        practitioner_id__in=author_ids, state=RegistrationClaim.State.VERIFIED
    ).select_related("regulator")
    found: dict[int, list[Badge]] = {}
    for claim in claims:
        kwargs = {"regulator": claim.regulator.slug, "number": claim.registration_number}
        found.setdefault(claim.practitioner_id, []).append(
            Badge(
                verification_url=reverse("registry:verification", kwargs=kwargs),
                badge_url=reverse("registry:badge", kwargs=kwargs),
                regulator=claim.regulator.name,
            )
        )
    return found


def thread_of(article: Article, viewer: object) -> list[ThreadItem]:
    """Comments on ``article`` as a two-level thread. Held comments show only to their
    author; deleted and hidden ones stay as tombstones (their words are not sent)."""
    viewer_id = viewer.pk if isinstance(viewer, User) else None
    comments = list(
        Comment.objects.filter(article=article).select_related("author").order_by("created_at")
    )
    shown = [
        c
        for c in comments
        if c.status != Comment.Status.HELD or (viewer_id and c.author_id == viewer_id)
    ]
    practitioners = {
        c.author_id
        for c in shown
        if c.author is not None and c.author.role == Role.PRACTITIONER and c.author_id is not None
    }
    badges = _badges_of(practitioners) if practitioners else {}
    items: dict[int, ThreadItem] = {}
    top: list[ThreadItem] = []
    for comment in shown:
        item = ThreadItem(
            comment,
            badges.get(comment.author_id or 0, []),
            own=bool(viewer_id and comment.author_id == viewer_id),
        )
        items[comment.pk] = item
        if comment.parent_id is None:
            top.append(item)
        elif comment.parent_id in items:
            items[comment.parent_id].replies.append(item)
    return top
