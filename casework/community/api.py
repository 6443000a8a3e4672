"""/api/v1 operations of the community: the same list, thread, guard and moderation as the
pages. Reading is public; commenting and writing need a token with ``community:write`` (or the
browser session)."""

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from casework import cursors
from casework.accounts.models import Role, User
from casework.accounts.tokens import WRITE, open_to_anyone, person_auth
from casework.community import access
from casework.community.confidentiality import IdentifiersFound, findings
from casework.community.guard.identifiers import KINDS
from casework.community.models import SUMMARY_MAX, TITLE_MAX, Article, Comment
from casework.community.queries import (
    ARTICLES_PER_PAGE,
    Badge,
    ThreadItem,
    clean_tag_filter,
    listed_articles,
    thread_of,
)
from casework.community.services import articles as article_services
from casework.community.services import comments as comment_services
from casework.community.views import visitor_over_comment_limit
from casework.problems import Error as Problem
from casework.problems import ErrorDetail, problem
from casework.shell.converters import RowId

router = Router(tags=["community"])

CURSOR_SALT = "casework.community.api.cursor"
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")
# The guard's kinds, as a client may confirm them after a 422 `identifiers_found`.
KINDS_TEXT = ", ".join(sorted(KINDS))


class AuthorSchema(Schema):
    id: int
    name: str


class BadgeSchema(Schema):
    regulator: str
    verification_url: str = Field(description="Where anyone checks the registration, live")


class ArticleSummarySchema(Schema):
    slug: str
    title: str
    summary: str
    tags: list[str]
    author: AuthorSchema
    published_at: datetime | None
    url: str = Field(description="The article's page")
    api_url: str = Field(description="The article with its comments, here")


class ArticlePage(Schema):
    count: int = Field(description="Published articles (with `tag`, those that carry it)")
    next: str | None = Field(description="The next page's address (with its cursor)")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")
    results: list[ArticleSummarySchema]


class ArticlesQuery(Schema):
    tag: str | None = Field(None, description="Only articles with this tag, e.g. burnout")
    cursor: str | None = Field(
        None, description="`next_cursor` of the previous page: the same list, further on"
    )


class CommentSchema(Schema):
    id: int
    status: str = Field(
        description="published; held (waiting for a moderator: only its author sees it); "
        "deleted or hidden (a tombstone: no author, no text)"
    )
    author: AuthorSchema | None = Field(description="Null when anonymous, deleted or hidden")
    badges: list[BadgeSchema] = Field(description="The author's verified registrations")
    body: str = Field(description="Plain text; empty when deleted or hidden")
    own: bool = Field(description="Yours")
    created_at: datetime
    edited_at: datetime | None
    replies: list["CommentSchema"] = Field(description="One level deep")


CommentSchema.model_rebuild()


class ArticleSchema(ArticleSummarySchema):
    status: str = Field(description="published, or draft (its author and admins only)")
    body: str = Field(description="Markdown, as written")
    body_html: str = Field(description="The text as sanitised HTML (the page shows it)")
    anonymous_comments: bool
    closed: bool = Field(description="Takes no new comments")
    may_comment: bool = Field(description="You may comment now")
    comments: list[CommentSchema] = Field(
        description="The thread as the page shows it to you, oldest first"
    )


class Finding(Schema):
    number: int
    words: str
    labels: list[str]
    reasons: list[str]


class GuardDetail(ErrorDetail):
    # Absent from a 422 that is about the schema rather than the words.
    kinds: list[str] = Field(
        default_factory=list,
        description="With `identifiers_found`: what the guard found; send these as `confirm_kinds`",
    )
    findings: list[Finding] = Field(
        default_factory=list,
        description="With `identifiers_found`: each stretch of words found, and why",
    )


class GuardProblem(Schema):
    """The one error shape; with code `identifiers_found`, what the guard found (any other
    422 is the schema's)."""

    error: GuardDetail


class NewComment(Schema):
    body: str = Field(description="Plain text, at most 3,000 characters")
    reply_to: RowId | None = Field(
        None, description="A published top-level comment of this article, to reply to"
    )
    notify_replies: bool = Field(
        False, description="Be emailed when someone replies (signed in only; ignored otherwise)"
    )
    confirm_kinds: list[str] = Field(
        default_factory=list,
        max_length=len(KINDS),
        description="After a 422 `identifiers_found`: the kinds it named, confirming that none "
        f"of the words is about a client ({KINDS_TEXT})",
    )

    # Strict, as the schema says: "publish": 0 or "reply_to": "7" is refused, not guessed at.
    model_config = {
        "strict": True,
        "json_schema_extra": {
            "example": {
                "body": "This matches what I saw on duty weeks.",
                "notify_replies": True,
            }
        },
    }


class NewArticle(Schema):
    title: str = Field(max_length=TITLE_MAX)
    summary: str = Field(max_length=SUMMARY_MAX, description="One or two sentences")
    body: str = Field(description="Markdown")
    tags: list[str] = Field(
        default_factory=list,
        max_length=article_services.MAX_TAGS,
        description="Up to 8, each one word of letters, digits or hyphens",
    )
    publish: bool = Field(False, description="Publish now; false keeps a draft only you see")
    anonymous_comments: bool = Field(
        False, description="Take anonymous comments (each waits for a moderator)"
    )
    confirm_kinds: list[str] = Field(
        default_factory=list,
        max_length=len(KINDS),
        description="After a 422 `identifiers_found`: the kinds it named, confirming that none "
        f"of the words is about a client ({KINDS_TEXT})",
    )

    # Strict, as the schema says: "publish": 0 or "reply_to": "7" is refused, not guessed at.
    model_config = {
        "strict": True,
        "json_schema_extra": {
            "example": {
                "title": "What a duty week taught me",
                "summary": "Listening before acting.",
                "body": "Some weeks teach you to *listen* before you act.",
                "tags": ["duty", "listening"],
                "publish": True,
            }
        },
    }


def _author(person: User) -> dict[str, Any]:
    return {"id": person.pk, "name": person.display_name}


def _summary(request: HttpRequest, article: Article) -> dict[str, Any]:
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "tags": list(article.tags),
        "author": _author(article.author),
        "published_at": article.published_at,
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "api_url": request.build_absolute_uri(
            reverse("api:community_article", kwargs={"slug": article.slug})
        ),
    }


def _badge(request: HttpRequest, badge: Badge) -> dict[str, str]:
    return {
        "regulator": badge.regulator,
        "verification_url": request.build_absolute_uri(badge.verification_url),
    }


def _comment(request: HttpRequest, item: ThreadItem) -> dict[str, Any]:
    """A comment as the page shows it: a tombstone keeps its place, never its words or author."""
    comment = item.comment
    gone = comment.status in (Comment.Status.DELETED, Comment.Status.HIDDEN)
    return {
        "id": comment.pk,
        "status": comment.status,
        "author": None if gone or comment.author is None else _author(comment.author),
        "badges": [] if gone else [_badge(request, badge) for badge in item.badges],
        "body": "" if gone else comment.body,
        "own": item.own,
        "created_at": comment.created_at,
        "edited_at": None if gone else comment.edited_at,
        "replies": [_comment(request, reply) for reply in item.replies],
    }


def _article(request: HttpRequest, article: Article) -> dict[str, Any]:
    return {
        **_summary(request, article),
        "status": article.status,
        "body": article.body,
        "body_html": article.body_html,
        "anonymous_comments": article.anonymous_comments,
        "closed": article.closed,
        "may_comment": comment_services.may_comment(article, request.user),
        "comments": [_comment(request, item) for item in thread_of(article, request.user)],
    }


def _article_at(viewer: object, slug: str) -> Article:
    """As the page's address takes only a slug, anything else is no article."""
    if not SLUG.fullmatch(slug):
        raise Http404
    return access.get_article_for_viewer(viewer, slug)


def _guard_problem(found: IdentifiersFound) -> Status[object]:
    return problem(
        422,
        _(
            "Some words could identify a client. Change them, or send again with "
            "`confirm_kinds` to confirm that none is about a client."
        ),
        code="identifiers_found",
        kinds=found.kinds,
        findings=findings(found.text, found.spans),
    )


@router.get(
    "/articles",
    response={200: ArticlePage, 400: Problem},
    summary="Published community articles, newest first",
    description="Written by practitioners and the Casework team; anyone may read them. Page "
    "with `next_cursor`. A personal access token (with `community:read`) or the session may "
    "be sent too; a token that is wrong, expired or revoked answers 401.",
    **open_to_anyone("community"),
    url_name="community_articles",
)
def list_articles(request: HttpRequest, query: Query[ArticlesQuery]) -> Status[object]:
    tag = clean_tag_filter(query.tag or "")
    params = {"tag": tag} if tag else {}
    number = 1
    if query.cursor is not None:
        found = cursors.page_of_cursor(params, query.cursor, salt=CURSOR_SALT)
        if found is None:
            return cursors.refused()
        number = found
    page = Paginator(listed_articles(tag), ARTICLES_PER_PAGE).get_page(number)
    has_next = page.has_next() and page.number == number
    return Status(
        200,
        {
            "count": page.paginator.count,
            "next": cursors.page_link(request, params, number + 1, salt=CURSOR_SALT)
            if has_next
            else None,
            "next_cursor": cursors.cursor_for(params, number + 1, salt=CURSOR_SALT)
            if has_next
            else None,
            "results": [_summary(request, article) for article in page],
        },
    )


@router.get(
    "/articles/{slug}",
    response={200: ArticleSchema, 404: Problem},
    summary="An article with its comments",
    description="The thread as the article's page shows it: a comment waiting for a moderator "
    "only to its author (signed in with a token with `community:read` or the browser "
    "session), a deleted or hidden one as a tombstone without its words. A draft answers its "
    "author and admins only; to anyone else 404, as a missing article. Open to anyone; a token "
    "that is wrong, expired or revoked answers 401.",
    **open_to_anyone("community"),
    url_name="community_article",
)
def read_article(request: HttpRequest, slug: str) -> Status[object]:
    try:
        found = _article_at(request.user, slug)
    except Http404:
        return problem(404, _("No such article."))
    return Status(200, _article(request, found))


@router.post(
    "/articles/{slug}/comments",
    response={
        201: CommentSchema,
        202: CommentSchema,
        400: Problem,
        401: Problem,
        404: Problem,
        409: Problem,
        422: GuardProblem,
        429: Problem,
    },
    summary="Comment on an article, or reply to a comment",
    description="The same checks as the page: the confidentiality guard (422 "
    "`identifiers_found` with what it found; change the words or confirm with "
    "`confirm_kinds`), safety's screen (a blocked comment is refused, 400), and moderation: "
    "a first comment of a new account, or one the screen flags, waits for a moderator "
    "(`status: held`, answered 202 rather than 201: taken, not yet in the thread, so it takes "
    "no replies and only its author reads it back). A closed or unpublished article answers "
    "409. Signed in with a token "
    "with `community:write` or the session, you comment as yourself. Without either, where "
    "the article takes anonymous comments (`anonymous_comments`), the comment is anonymous "
    "and always waits for a moderator; a few an hour are taken from one address (429); an "
    "article that takes comments from signed-in people only answers 401. A token that is "
    "wrong, expired or revoked answers 401.",
    **open_to_anyone("community", WRITE),
    url_name="community_comment",
)
def comment(request: HttpRequest, slug: str, payload: NewComment) -> Status[object]:
    # A person signed in by the token or the session; None for a visitor (Visitor ran).
    person = request.user if isinstance(request.user, User) else None
    try:
        found = _article_at(request.user, slug)
        parent = (
            access.get_comment_for_reply(request.user, found.slug, payload.reply_to)
            if payload.reply_to is not None
            else None
        )
    except Http404:
        return problem(404, _("No such article, or no such comment on it."))
    if person is None and not found.anonymous_comments:
        return _signed_in_only()
    if visitor_over_comment_limit(request):
        return problem(429, _("Many comments came from here just now. Please wait an hour."))
    try:
        posted = comment_services.post_comment(
            article=found,
            author=person,
            body=payload.body,
            parent=parent,
            notify_replies=payload.notify_replies,
            confirmed_kinds=payload.confirm_kinds,
        )
    except IdentifiersFound as guard:
        return _guard_problem(guard)
    except ValidationError as error:
        if error.code == "no_anonymous":  # the article changed its rule meanwhile
            return _signed_in_only()
        status = {"rate_limited": 429, "empty": 400, "too_long": 400, "blocked": 400}.get(
            str(error.code), 409
        )
        return problem(status, " ".join(error.messages), code=error.code or None)
    # As the thread shows it to its author, badges and all (a visitor's waits unseen: as written).
    shown = [
        item
        for top in (thread_of(found, person) if person is not None else [])
        for item in (top, *top.replies)
        if item.comment.pk == posted.pk
    ]
    # 202 while it waits: accepted, but not in the thread yet (no replies, unseen by others).
    answer = 202 if posted.status == Comment.Status.HELD else 201
    item = shown[0] if shown else ThreadItem(posted, [], own=True)
    return Status(answer, _comment(request, item))


def _signed_in_only() -> Status[object]:
    return problem(
        401,
        _(
            "This article takes comments from signed-in people only: send a token with "
            "community:write, or sign in."
        ),
        code="unauthenticated",
    )


@router.post(
    "/articles",
    response={201: ArticleSchema, 400: Problem, 401: Problem, 403: Problem, 422: GuardProblem},
    summary="Write an article (invited practitioners and admins)",
    description="The same service as the writing page: the confidentiality guard reads the "
    "title, summary and text first (422 `identifiers_found`; confirm with `confirm_kinds`). "
    "`publish: false` keeps a draft only you and admins see. Practitioners write once an "
    "admin invited them; everyone else is refused (403). Cover images are added on the page.",
    auth=person_auth("community", "write"),
    url_name="community_write_article",
)
def write_article(request: HttpRequest, payload: NewArticle) -> Status[object]:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (the authentication ran)
    if person.role not in (Role.PRACTITIONER, Role.ADMIN):
        return problem(403, _("Only practitioners and admins write articles."))
    if not article_services.may_write(person):
        return problem(
            403, _("Practitioners write once an admin invited them: ask the Casework team.")
        )
    return _save(request, person, payload, editing=None)


@router.put(
    "/articles/{slug}",
    response={200: ArticleSchema, 400: Problem, 401: Problem, 404: Problem, 422: GuardProblem},
    summary="Change an article, publish a draft, or take one back to draft",
    description="Its author or an admin, through the same service as the editing page: the "
    "whole article is sent again (`publish: true` publishes a draft; `false` takes a "
    "published one back to a draft). The guard reads it again (422 `identifiers_found`). A "
    "cover image, set on the page, is kept. Anyone else's article answers 404.",
    auth=person_auth("community", "write"),
    url_name="community_edit_article",
)
def edit_article(request: HttpRequest, slug: str, payload: NewArticle) -> Status[object]:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (the authentication ran)
    try:
        if not SLUG.fullmatch(slug):
            raise Http404
        editing = access.get_article_for_editor(person, slug)
    except Http404:
        return problem(404, _("No such article of yours."))
    return _save(request, person, payload, editing=editing)


def _save(
    request: HttpRequest, person: User, payload: NewArticle, *, editing: Article | None
) -> Status[object]:
    """Write a new article (201) or change ``editing`` (200, its page-set cover kept) through
    the editing page's service, the guard's refusal in its shape."""
    kept: dict[str, Any] = {}
    if editing is not None:
        kept = {"article": editing, "cover_alt": editing.cover_alt}
    try:
        saved = article_services.save_article(
            author=person,
            title=payload.title,
            summary=payload.summary,
            body=payload.body,
            tags=payload.tags,
            publish=payload.publish,
            anonymous_comments=payload.anonymous_comments,
            confirmed_kinds=payload.confirm_kinds,
            **kept,
        )
    except IdentifiersFound as guard:
        return _guard_problem(guard)
    except ValidationError as error:
        return problem(400, " ".join(error.messages), code=error.code or None)
    return Status(201 if editing is None else 200, _article(request, saved))
