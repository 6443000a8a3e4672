"""Articles and their discussion (PRODUCT C9).

Both are public writing, so they are stored in clear (the confidentiality guard, not the vault,
keeps clients out of them). A comment's thread is two levels: a comment on the article, and
replies to it. Deleting a comment keeps its row as a tombstone, so the replies keep their place.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from casework.safety.checks import spam
from casework.safety.detection import LABELS as SAFETY_LABELS

TITLE_MAX = 160
SUMMARY_MAX = 300
ARTICLE_MAX_CHARS = 40_000
COMMENT_MAX_CHARS = 4_000

# Why a comment waits for a moderator, besides safety's categories.
ANONYMOUS = "anonymous"
FIRST_POST = "first_post"
HELD_LABELS = {
    ANONYMOUS: _("Anonymous comment"),
    FIRST_POST: _("First post of a new account"),
    spam.SPAM: spam.LABEL,
}


def cover_path(article: "Article", filename: str) -> str:
    # A fresh random name per upload: an old address never serves the new cover.
    return f"community-covers/{secrets.token_urlsafe(16)}.jpg"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX)
    body = models.TextField(_("text"))  # Markdown, as written
    body_html = models.TextField(editable=False)  # sanitised once, when saved
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    cover = models.FileField(_("cover image"), upload_to=cover_path, blank=True, max_length=200)
    cover_alt = models.CharField(_("cover image description"), max_length=200, blank=True)
    anonymous_comments = models.BooleanField(_("allow anonymous comments"), default=False)
    closed = models.BooleanField(_("closed to new comments"), default=False)
    # Kinds of identifiers the author confirmed were not a client's (never the words).
    guard_confirmed = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="community_published_has_date",
            ),
            # A cover image is always served with words for those who cannot see it.
            models.CheckConstraint(
                condition=Q(cover="") | ~Q(cover_alt=""), name="community_cover_has_alt"
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at"], name="community_published")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:article", kwargs={"slug": self.slug})

    @property
    def published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ArticleTag(models.Model):
    """One tag of an article, a row each, so that the list filters by tag in the database.
    ``Article.tags`` keeps the author's order for display; the service writes both."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="tag_rows")
    name = models.CharField(max_length=30)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["article", "name"], name="community_tag_once")
        ]
        indexes = [models.Index(fields=["name"], name="community_tag_name")]

    def __str__(self) -> str:
        return self.name


class Comment(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Waiting for a moderator")
        PUBLISHED = "published", _("Published")
        HIDDEN = "hidden", _("Hidden by a moderator")
        DELETED = "deleted", _("Deleted by its author")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    # A reply's parent is a comment on the article (two levels): the service checks it.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # Empty for an anonymous comment (where the article allows them).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_comments",
    )
    body = models.TextField(blank=True)  # emptied when deleted or removed
    status = models.CharField(max_length=12, choices=Status.choices)
    # Why it waits for a moderator: "anonymous", "first_post", or safety's categories.
    held_for = models.JSONField(default=list, blank=True)
    guard_confirmed = models.JSONField(default=list, blank=True)
    notify_replies = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="community_comment_not_own_parent"
            ),
            # Only a signed-in author can be told of replies (an anonymous one has no address).
            models.CheckConstraint(
                condition=Q(notify_replies=False) | Q(author__isnull=False),
                name="community_notify_needs_author",
            ),
            models.CheckConstraint(
                condition=~Q(status="deleted") | Q(body=""), name="community_deleted_is_empty"
            ),
        ]
        indexes = [
            models.Index(fields=["article", "created_at"], name="community_thread"),
            models.Index(fields=["status", "created_at"], name="community_held"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk}"

    def held_for_labels(self) -> list[str]:
        """Why it waits, in the reader's language (a key nobody knows is shown as is)."""
        labels = {**SAFETY_LABELS, **HELD_LABELS}
        return [str(labels.get(reason, reason)) for reason in self.held_for]

    @property
    def visible(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Contributor(models.Model):
    """A practitioner an admin invited to write articles (admins write without an invitation)."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contributor"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField()

    class Meta:
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")

    def __str__(self) -> str:
        return f"contributor {self.person_id}"
