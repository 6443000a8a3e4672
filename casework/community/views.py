"""Pages of the community: the list, an article and its thread, the feed, writing, moderating."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.community import access
from casework.community.confidentiality import IdentifiersFound, findings, highlighted
from casework.community.feeds import atom_feed
from casework.community.forms import ArticleForm, CommentForm, EditCommentForm, ModerationForm
from casework.community.models import Article, Comment
from casework.community.notices import comment_id_from_token
from casework.community.queries import (
    ARTICLES_PER_PAGE,
    clean_tag_filter,
    listed_articles,
    thread_of,
)
from casework.community.services import articles as article_services
from casework.community.services import comments as comment_services
from casework.shell.confirmations import Danger, ask_first

FORM_METHODS = ["GET", "HEAD", "POST"]


def _guard_context(found: IdentifiersFound | None) -> dict[str, Any]:
    if found is None:
        return {}
    return {
        "guard_text": highlighted(found.text, found.spans),
        "guard_findings": findings(found.text, found.spans),
    }


def _with_guard(form: Any, found: IdentifiersFound) -> None:
    """Ask again, with the kinds found now (what a tick on ``confirm`` will confirm)."""
    data = form.data.copy()
    data.setlist("kinds", found.kinds)
    data["confirm"] = ""
    form.data = data
    form.add_error(
        None,
        _(
            "Some words could identify a client: they are highlighted below. Change them, "
            "or confirm that none is about a client."
        ),
    )


@login_not_required
@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    tag = clean_tag_filter(request.GET.get("tag", ""))
    page = Paginator(listed_articles(tag), ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tag": tag,
        "page_query": urlencode({"tag": tag}) if tag else "",
        "may_write": article_services.may_write(request.user),
    }
    return TemplateResponse(request, "community/article_list.html", context)


def _article_page(
    request: HttpRequest,
    article: Article,
    *,
    form: CommentForm | None = None,
    found: IdentifiersFound | None = None,
    status: int = 200,
) -> TemplateResponse:
    signed_in = isinstance(request.user, User)
    context = {
        "article": article,
        "thread": thread_of(article, request.user),
        "form": form or CommentForm(signed_in=signed_in),
        "may_comment": comment_services.may_comment(article, request.user),
        "may_edit": isinstance(request.user, User)
        and (article.author_id == request.user.pk or request.user.role == Role.ADMIN),
        "edit_window_minutes": int(comment_services.EDIT_WINDOW.total_seconds() // 60),
        "now": timezone.now(),
        **_guard_context(found),
    }
    return TemplateResponse(request, "community/article.html", context, status=status)


@login_not_required
@require_safe
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = access.get_article_for_viewer(request.user, slug)
    return _article_page(request, found)


@login_not_required
@require_safe
def cover(request: HttpRequest, slug: str) -> HttpResponseBase:
    found = access.get_article_for_viewer(request.user, slug)
    if not found.cover:
        raise Http404
    try:
        handle = found.cover.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=300" if found.published else "private, no-store"
    return response


@login_not_required
@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    return atom_feed(request)


# Visitors' anonymous comments per address, the API's counted too.
VISITOR_COMMENT_RATE = "10/h"


def visitor_over_comment_limit(request: HttpRequest) -> bool:
    """Visitors' anonymous comments, by address (signed-in people are limited per account by
    the service)."""
    if isinstance(request.user, User):
        return False
    limited: bool = is_ratelimited(
        request, group="community.comment", key="ip", rate=VISITOR_COMMENT_RATE, increment=True
    )
    return limited


@login_not_required
@require_http_methods(FORM_METHODS)
def comment(request: HttpRequest, slug: str, comment_id: int | None = None) -> HttpResponse:
    """Post a comment on an article, or a reply to ``comment_id``. GET shows the form alone."""
    found = access.get_article_for_viewer(request.user, slug)
    parent = access.get_comment_for_reply(request.user, slug, comment_id) if comment_id else None
    author = request.user if isinstance(request.user, User) else None
    if request.method != "POST":
        form = CommentForm(signed_in=author is not None)
        # Said before anyone writes, rather than after, when nothing could be posted here.
        refusal = comment_services.comment_refused(article=found, author=author, parent=parent)
        context = {"article": found, "parent": parent, "form": form, "refusal": refusal}
        return TemplateResponse(request, "community/comment_form.html", context)
    form = CommentForm(request.POST, signed_in=author is not None)
    if not form.is_valid():
        return _comment_form(request, found, parent, form, None, 400)
    if visitor_over_comment_limit(request):
        form.add_error(None, _("Many comments came from here just now. Please wait an hour."))
        return _comment_form(request, found, parent, form, None, 429)
    try:
        posted = comment_services.post_comment(
            article=found,
            author=author,
            body=form.cleaned_data["body"],
            parent=parent,
            notify_replies=form.cleaned_data.get("notify_replies", False),
            confirmed_kinds=form.confirmed_kinds(),
        )
    except IdentifiersFound as guard:
        _with_guard(form, guard)
        return _comment_form(request, found, parent, form, guard, 422)
    except ValidationError as error:
        form.add_error(None, error)
        status = 429 if error.code == "rate_limited" else 409
        return _comment_form(request, found, parent, form, None, status)
    if posted.visible:
        messages.success(request, _("Your comment is posted."))
    else:
        messages.info(
            request, _("Thank you. Your comment waits for a moderator before others see it.")
        )
    return redirect(f"{found.get_absolute_url()}#comment-{posted.pk}")


def _comment_form(
    request: HttpRequest,
    article: Article,
    parent: Comment | None,
    form: CommentForm,
    found: IdentifiersFound | None,
    status: int,
) -> TemplateResponse:
    context = {"article": article, "parent": parent, "form": form, **_guard_context(found)}
    return TemplateResponse(request, "community/comment_form.html", context, status=status)


@require_http_methods(FORM_METHODS)
def edit_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (signed in: LoginRequiredMiddleware)
    found = access.get_comment_for_author(person, comment_id)
    form = EditCommentForm(request.POST or None, initial={"body": found.body})
    guard = None
    if request.method == "POST" and form.is_valid():
        try:
            comment_services.edit_comment(
                comment=found,
                author=person,
                body=form.cleaned_data["body"],
                confirmed_kinds=form.confirmed_kinds(),
            )
        except IdentifiersFound as error:
            guard = error
            _with_guard(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your comment is changed."))
            return redirect(f"{found.article.get_absolute_url()}#comment-{found.pk}")
    context = {"comment": found, "form": form, **_guard_context(guard)}
    status = 200 if request.method != "POST" or not form.errors else 422
    return TemplateResponse(request, "community/edit_comment.html", context, status=status)


@require_POST
def delete_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    found = access.get_comment_for_author(person, comment_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Delete your comment?"),
            consequences=[
                _("Its words are gone for good: you cannot bring them back."),
                _("Replies to it stay, under a note that the comment was deleted."),
            ],
            confirm=_("Delete the comment"),
            back_url=f"{found.article.get_absolute_url()}#comment-{found.pk}",
        ),
    )
    if asking is not None:
        return asking
    try:
        comment_services.delete_comment(comment=found, author=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your comment is deleted."))
    return redirect(f"{found.article.get_absolute_url()}#comment-{found.pk}")


@role_required(Role.ADMIN, Role.PRACTITIONER)
@require_safe
def my_articles(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    context = {
        "articles": access.own_articles(person),
        "may_write": article_services.may_write(person),
    }
    return TemplateResponse(request, "community/my_articles.html", context)


def _article_form_page(
    request: HttpRequest, form: ArticleForm, found: Article | None, guard: IdentifiersFound | None
) -> TemplateResponse:
    context = {"form": form, "article": found, **_guard_context(guard)}
    status = 200 if request.method != "POST" else 422
    return TemplateResponse(request, "community/write_article.html", context, status=status)


def _save_from(request: HttpRequest, person: User, found: Article | None) -> HttpResponse:
    initial = {}
    if found is not None:
        initial = {
            "title": found.title,
            "summary": found.summary,
            "body": found.body,
            "tags": ", ".join(found.tags),
            "cover_alt": found.cover_alt,
            "anonymous_comments": found.anonymous_comments,
            "publish": found.published,
        }
    form = ArticleForm(request.POST or None, request.FILES or None, initial=initial)
    guard = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = article_services.save_article(
                author=person,
                article=found,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                body=form.cleaned_data["body"],
                tags=form.tag_list(),
                publish=form.cleaned_data["publish"],
                anonymous_comments=form.cleaned_data["anonymous_comments"],
                cover=form.cleaned_data["cover"],
                cover_alt=form.cleaned_data["cover_alt"],
                remove_cover=form.cleaned_data["remove_cover"],
                confirmed_kinds=form.confirmed_kinds(),
            )
        except IdentifiersFound as error:
            guard = error
            _with_guard(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The article is saved."))
            return redirect(saved.get_absolute_url())
    return _article_form_page(request, form, found, guard)


@role_required(Role.ADMIN, Role.PRACTITIONER)
@require_http_methods(FORM_METHODS)
def write_article(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    if not article_services.may_write(person):
        return TemplateResponse(request, "community/not_invited.html", status=403)
    return _save_from(request, person, None)


@require_http_methods(FORM_METHODS)
def edit_article(request: HttpRequest, slug: str) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    found = access.get_article_for_editor(person, slug)
    return _save_from(request, person, found)


@require_POST
def close_article(request: HttpRequest, slug: str) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    found = access.get_article_for_editor(person, slug)
    closing = not found.closed
    article_services.close_article(article=found, actor=person, closed=closing)
    messages.success(
        request,
        _("The article takes no new comments.")
        if closing
        else _("The article takes comments again."),
    )
    return redirect(found.get_absolute_url())


@role_required(Role.MODERATOR)
@require_safe
def held_comments(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    context = {"comments": access.held_comments(person), "form": ModerationForm()}
    return TemplateResponse(request, "community/held_comments.html", context)


@role_required(Role.MODERATOR)
@require_POST
def moderate_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    found = access.get_comment_for_moderator(person, comment_id)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to publish or hide the comment."))
        return redirect("community:held_comments")
    try:
        comment_services.moderate_comment(
            comment=found, moderator=person, publish=form.cleaned_data["decision"] == "publish"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your decision is recorded."))
    return redirect("community:held_comments")


@login_not_required
@require_http_methods(FORM_METHODS)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a reply notice: GET asks, POST stops (a link checker's GET changes nothing;
    mail programs' one-click unsubscribe POSTs here)."""
    comment_id = comment_id_from_token(token)
    found = access.get_comment_by_id(comment_id) if comment_id is not None else None
    if found is None:
        # A link cut short by a mail program, or made up: say so, rather than a bare 404.
        return TemplateResponse(
            request, "community/unsubscribed.html", {"broken": True}, status=404
        )
    if request.method == "POST":
        comment_services.stop_reply_notices(comment=found)
        return TemplateResponse(request, "community/unsubscribed.html", {"done": True})
    return TemplateResponse(request, "community/unsubscribed.html", {"done": False})
