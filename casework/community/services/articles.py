"""Writing, publishing and closing articles; inviting practitioners to write them."""

import re
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.community.confidentiality import check_text, valid_kinds
from casework.community.covers import prepare_cover
from casework.community.models import ARTICLE_MAX_CHARS, Article, ArticleTag, Contributor
from casework.directory.bio import render_bio
from casework.privacy import actions
from casework.privacy.audit import record_event

MAX_TAGS = 8
TAG_PATTERN = re.compile(r"^[\w-]{1,30}$")
# Addresses of the community's own pages: an article cannot take them.
RESERVED_SLUGS = frozenset({"write", "mine", "held", "comments", "replies", "feed-atom"})


def may_write(person: object) -> bool:
    """Admins, and practitioners an admin invited."""
    if not isinstance(person, User):
        return False
    if person.role == Role.ADMIN:
        return True
    return person.role == Role.PRACTITIONER and Contributor.objects.filter(person=person).exists()


def invite_contributor(*, admin: User, practitioner: User) -> Contributor:
    if admin.role != Role.ADMIN:
        raise ValidationError(_("Only an administrator invites writers."), code="not_admin")
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError(
            _("Only practitioners are invited to write."), code="not_practitioner"
        )
    with transaction.atomic():
        contributor, created = Contributor.objects.get_or_create(
            person=practitioner, defaults={"invited_by": admin, "invited_at": timezone.now()}
        )
        if created:
            record_event(
                action=actions.COMMUNITY_CONTRIBUTOR_INVITED,
                actor=admin,
                target=contributor,
                subject_id=practitioner.pk,
            )
    return contributor


def clean_tags(raw: Iterable[str]) -> list[str]:
    tags = list(dict.fromkeys(tag.strip().lower() for tag in raw if tag.strip()))
    if len(tags) > MAX_TAGS:
        raise ValidationError(
            _("Use at most %(count)d tags.") % {"count": MAX_TAGS}, code="too_many_tags"
        )
    for tag in tags:
        if not TAG_PATTERN.match(tag):
            raise ValidationError(
                _("A tag is one word of letters, digits or hyphens: %(tag)s") % {"tag": tag},
                code="bad_tag",
            )
    return tags


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60].strip("-") or "article"
    slug = base
    while slug in RESERVED_SLUGS or Article.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def save_article(
    *,
    author: User,
    title: str,
    summary: str,
    body: str,
    tags: Iterable[str] = (),
    publish: bool = False,
    anonymous_comments: bool = False,
    cover: UploadedFile[bytes] | None = None,
    cover_alt: str = "",
    remove_cover: bool = False,
    confirmed_kinds: Iterable[str] = (),
    article: Article | None = None,
    now: datetime | None = None,
) -> Article:
    """Create ``article`` (or change it, by its author or an admin). The guard reads the title,
    summary and text first: identifiers the author did not confirm refuse the save
    (``IdentifiersFound``)."""
    now = now or timezone.now()
    if not may_write(author):
        raise ValidationError(_("Only invited writers publish articles."), code="not_writer")
    if article is not None and article.author_id != author.pk and author.role != Role.ADMIN:
        raise ValidationError(_("This article is someone else's."), code="not_author")
    title, summary, cover_alt = title.strip(), summary.strip(), cover_alt.strip()
    if not title or not summary or not body.strip():
        raise ValidationError(_("An article needs a title, a summary and its text."), code="empty")
    if len(body) > ARTICLE_MAX_CHARS:
        raise ValidationError(
            _("An article can be at most %(count)d characters.") % {"count": ARTICLE_MAX_CHARS},
            code="too_long",
        )
    keeps_cover = bool(article and article.cover) and not remove_cover
    if (cover is not None or keeps_cover) and not cover_alt:
        raise ValidationError(
            _("Describe the cover image for people who cannot see it."), code="cover_alt"
        )
    confirmed = check_text(
        "\n\n".join((title, summary, body)),
        author=author,
        confirmed=valid_kinds(confirmed_kinds),
    )
    cover_bytes = prepare_cover(cover) if cover is not None else None
    with transaction.atomic():
        created = article is None
        if article is None:
            article = Article(author=author, slug=_unique_slug(title), created_at=now)
        else:
            article = Article.objects.select_for_update().get(pk=article.pk)
        article.title = title
        article.summary = summary
        article.body = body
        article.body_html = render_bio(body)
        article.tags = clean_tags(tags)
        article.anonymous_comments = anonymous_comments
        article.guard_confirmed = confirmed
        article.updated_at = now
        if publish and not article.published:
            article.status = Article.Status.PUBLISHED
            article.published_at = now
        elif not publish:
            article.status = Article.Status.DRAFT
        if remove_cover and article.cover:
            article.cover.delete(save=False)
            article.cover = ""
        if cover_bytes is not None:
            article.cover.save("cover.jpg", ContentFile(cover_bytes), save=False)
        article.cover_alt = cover_alt if article.cover else ""
        article.save()
        _index_tags(article)
        record_event(
            action=actions.COMMUNITY_ARTICLE_CREATED
            if created
            else actions.COMMUNITY_ARTICLE_CHANGED,
            actor=author,
            target=article,
            detail={"status": article.status, "guard_confirmed": confirmed},
        )
    return article


def _index_tags(article: Article) -> None:
    """The tag rows the list filters on follow ``article.tags``."""
    ArticleTag.objects.filter(article=article).exclude(name__in=article.tags).delete()
    ArticleTag.objects.bulk_create(
        [ArticleTag(article=article, name=name) for name in article.tags],
        ignore_conflicts=True,
    )


def close_article(*, article: Article, actor: User, closed: bool) -> Article:
    """Stop (or allow again) new comments on ``article``; its author or an admin."""
    if article.author_id != actor.pk and actor.role != Role.ADMIN:
        raise ValidationError(_("This article is someone else's."), code="not_author")
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if article.closed != closed:
            article.closed = closed
            article.save(update_fields=["closed"])
            record_event(
                action=actions.COMMUNITY_ARTICLE_CLOSED
                if closed
                else actions.COMMUNITY_ARTICLE_REOPENED,
                actor=actor,
                target=article,
            )
    return article
