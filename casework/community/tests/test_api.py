"""/api/v1 articles and comments: the pages' list, thread, guard and moderation, as JSON."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.community.models import Article, Comment
from casework.community.services.articles import close_article, invite_contributor, save_article
from casework.community.services.comments import delete_comment, moderate_comment, post_comment
from casework.testing import factories

pytestmark = pytest.mark.django_db

TEXT = "Some weeks teach you to listen before you act."


def _old(person: User) -> User:
    """An account older than a week: its comments need no moderator first."""
    person.date_joined = timezone.now() - timedelta(days=30)
    person.save(update_fields=["date_joined"])
    return person


def _writer() -> User:
    writer = factories.PractitionerFactory.create(legal_name="Amara Okafor")
    invite_contributor(admin=factories.AdminFactory.create(), practitioner=writer)
    return writer


def _article(author: User, title: str = "Listening first", **options: Any) -> Article:
    return save_article(
        author=author,
        title=title,
        summary="What a family taught me.",
        body=TEXT,
        tags=options.pop("tags", ["practice"]),
        publish=options.pop("publish", True),
        **options,
    )


def _token(person: User, *scopes: str) -> Client:
    secret = create_api_token(
        person=person, name="App", scopes=list(scopes), days=30, now=timezone.now()
    )[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _session(person: User) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


def _post(browser: Client, url: str, payload: object) -> Any:
    return browser.post(url, json.dumps(payload), content_type="application/json")


def test_the_list_pages_with_a_cursor_in_the_pages_order() -> None:
    writer = _writer()
    for number in range(12):
        _article(writer, f"Week {number}", tags=["duty"] if number % 2 else ["practice"])
    _article(writer, "A draft", publish=False)
    first = Client().get("/api/v1/articles").json()
    assert first["count"] == 12
    page = Client().get(reverse("community:articles"))
    assert [a["slug"] for a in first["results"]] == [a.slug for a in page.context["page"]]
    rest = Client().get("/api/v1/articles", {"cursor": first["next_cursor"]}).json()
    assert len(first["results"]) + len(rest["results"]) == 12
    assert rest["next_cursor"] is None
    assert "A draft" not in json.dumps([first, rest])
    duty = Client().get("/api/v1/articles", {"tag": "Duty"}).json()
    assert duty["count"] == 6
    assert all(a["tags"] == ["duty"] for a in duty["results"])
    # A cursor of one list does not page another.
    wrong = Client().get("/api/v1/articles", {"tag": "duty", "cursor": first["next_cursor"]})
    assert wrong.status_code == 400
    assert list(wrong.json()["error"]["fields"]) == ["query.cursor"]


def test_the_thread_withholds_what_the_page_withholds() -> None:
    writer = _writer()
    article = _article(writer)
    reader = _old(factories.ClientFactory.create(alias="Robin"))
    newcomer = factories.ClientFactory.create(alias="Kit")
    moderator = factories.ModeratorFactory.create()
    shown = post_comment(article=article, author=reader, body="Thank you for this.")
    held = post_comment(article=article, author=newcomer, body="My first words here.")
    deleted = post_comment(article=article, author=reader, body="Words I took back.")
    delete_comment(comment=deleted, author=reader)
    hidden = post_comment(article=article, author=reader, body="Words a moderator hid.")
    moderate_comment(comment=hidden, moderator=moderator, publish=False)
    url = f"/api/v1/articles/{article.slug}"

    def thread(browser: Client) -> dict[int, dict[str, Any]]:
        response = browser.get(url)
        assert response.status_code == 200
        return {c["id"]: c for c in response.json()["comments"]}

    def on_page(browser: Client) -> list[int]:
        page = browser.get(article.get_absolute_url())
        return [item.comment.pk for item in page.context["thread"]]

    anyone = thread(Client())
    assert list(anyone) == on_page(Client()) == [shown.pk, deleted.pk, hidden.pk]
    assert anyone[shown.pk]["body"] == "Thank you for this."
    assert anyone[shown.pk]["author"]["name"] == "Robin"
    assert anyone[deleted.pk]["status"] == Comment.Status.DELETED
    assert anyone[hidden.pk]["status"] == Comment.Status.HIDDEN
    for tombstone in (deleted, hidden):
        assert (anyone[tombstone.pk]["body"], anyone[tombstone.pk]["author"]) == ("", None)
    content = Client().get(url).content.decode()
    assert "took back" not in content
    assert "moderator hid" not in content
    assert "first words" not in content
    # The held comment shows to its author only, as on the page.
    own = thread(_session(newcomer))
    assert own[held.pk]["status"] == Comment.Status.HELD
    assert own[held.pk]["own"] is True
    assert list(own) == on_page(_session(newcomer))


def test_a_draft_answers_its_author_and_admins_only_as_the_page_does() -> None:
    writer = _writer()
    draft = _article(writer, "Not yet", publish=False)
    url = f"/api/v1/articles/{draft.slug}"
    for person, status in (
        (None, 404),
        (factories.ClientFactory.create(), 404),
        (factories.PractitionerFactory.create(), 404),
        (writer, 200),
        (factories.AdminFactory.create(), 200),
    ):
        browser = _session(person) if person is not None else Client()
        assert browser.get(url).status_code == status
        assert browser.get(draft.get_absolute_url()).status_code == status
    assert Client().get("/api/v1/articles/no-such-article").status_code == 404
    assert Client().get("/api/v1/articles/not%20a%20slug").status_code == 404


def test_a_comment_passes_the_guard_and_waits_for_a_moderator_as_on_the_page() -> None:
    article = _article(_writer())
    newcomer = factories.ClientFactory.create(alias="Kit")
    app = _token(newcomer, "community:write")
    url = f"/api/v1/articles/{article.slug}/comments"
    words = "Maria called me from 07700 900123."
    found = _post(app, url, {"body": words})
    assert found.status_code == 422
    error = found.json()["error"]
    assert error["code"] == "identifiers_found"
    assert set(error["kinds"]) >= {"phone"}
    assert error["findings"]
    assert not Comment.objects.exists()
    posted = _post(app, url, {"body": words, "confirm_kinds": error["kinds"]})
    assert posted.status_code == 202  # taken, waiting for a moderator
    body = posted.json()
    assert (body["status"], body["own"], body["body"]) == ("held", True, words)
    comment = Comment.objects.get()
    assert "first_post" in comment.held_for
    assert comment.author == newcomer


def test_replies_go_one_level_deep_and_closed_articles_take_none() -> None:
    writer = _writer()
    article = _article(writer)
    reader = _old(factories.ClientFactory.create())
    app = _token(reader, "community:write")
    url = f"/api/v1/articles/{article.slug}/comments"
    top = _post(app, url, {"body": "A first thought."}).json()
    assert top["status"] == "published"
    reply = _post(app, url, {"body": "And a second.", "reply_to": top["id"]})
    assert reply.status_code == 201
    deeper = _post(app, url, {"body": "And a third.", "reply_to": reply.json()["id"]})
    assert deeper.status_code == 409
    elsewhere = _article(writer, "Another")
    other_url = f"/api/v1/articles/{elsewhere.slug}/comments"
    assert _post(app, other_url, {"body": "Here?", "reply_to": top["id"]}).status_code == 404
    close_article(article=article, actor=writer, closed=True)
    closed = _post(app, url, {"body": "Too late."})
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "closed")
    assert _post(app, url, {"body": "   "}).status_code == 400


def test_commenting_needs_signing_in_and_the_write_scope() -> None:
    article = _article(_writer())
    url = f"/api/v1/articles/{article.slug}/comments"
    reader = factories.ClientFactory.create()
    assert _post(Client(), url, {"body": "Hello"}).status_code == 401
    reading_only = _post(_token(reader, "community:read"), url, {"body": "Hello"})
    assert reading_only.status_code == 403
    assert not Comment.objects.exists()


def test_writing_answers_as_the_writing_page_for_each_role() -> None:
    writer = _writer()
    payload = {
        "title": "Supervision that helps",
        "summary": "What I ask of a supervisor.",
        "body": "Time, and questions.",
        "tags": ["supervision"],
        "publish": True,
    }
    people = {
        "invited practitioner": writer,
        "admin": factories.AdminFactory.create(),
        "practitioner not invited": factories.PractitionerFactory.create(),
        "client": factories.ClientFactory.create(),
        "moderator": factories.ModeratorFactory.create(),
        "officer": factories.OfficerFactory.create(),
    }
    for who, person in people.items():
        browser = _session(person)
        page = browser.get(reverse("community:write_article")).status_code
        made = _post(browser, "/api/v1/articles", {**payload, "title": f"On {who}"})
        assert (page, made.status_code) in ((200, 201), (403, 403)), who
    published = Article.objects.get(title="On invited practitioner")
    assert published.published
    assert Client().get(f"/api/v1/articles/{published.slug}").json()["author"]["id"] == writer.pk
    draft = _post(_session(writer), "/api/v1/articles", {**payload, "publish": False}).json()
    assert draft["status"] == "draft"
    assert Client().get(draft["api_url"]).status_code == 404
    bad_tag = _post(_session(writer), "/api/v1/articles", {**payload, "tags": ["two words"]})
    assert bad_tag.status_code == 400


def test_a_draft_is_published_by_its_author_or_an_admin_and_missing_to_anyone_else() -> None:
    writer = _writer()
    draft = _article(writer, "Not yet", publish=False)
    url = f"/api/v1/articles/{draft.slug}"
    change = {"title": "Now ready", "summary": "At last.", "body": TEXT, "publish": True}
    for person in (
        factories.ClientFactory.create(),
        _writer(),
        factories.ModeratorFactory.create(),
    ):
        browser = _session(person)
        edit_page = browser.get(reverse("community:edit_article", kwargs={"slug": draft.slug}))
        refused = browser.put(url, json.dumps(change), content_type="application/json")
        assert (edit_page.status_code, refused.status_code) == (404, 404)
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT
    app = _token(writer, "community:write")
    published = app.put(url, json.dumps(change), content_type="application/json")
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["title"]) == ("published", "Now ready")
    assert Client().get(url).status_code == 200
    admin = _session(factories.AdminFactory.create())
    back = admin.put(url, json.dumps({**change, "publish": False}), content_type="application/json")
    assert back.json()["status"] == "draft"
    assert Client().get(url).status_code == 404


def test_a_visitor_comments_where_the_article_allows_it_and_waits_for_a_moderator() -> None:
    article = _article(_writer(), anonymous_comments=True)
    url = f"/api/v1/articles/{article.slug}/comments"
    posted = _post(Client(), url, {"body": "This helped me.", "notify_replies": True})
    assert posted.status_code == 202
    body = posted.json()
    assert (body["status"], body["author"], body["body"]) == ("held", None, "This helped me.")
    comment = Comment.objects.get()
    assert comment.author is None
    assert "anonymous" in comment.held_for
    assert not comment.notify_replies
    # Held: nobody reads it or replies to it before a moderator, the visitor included.
    reply = _post(Client(), url, {"body": "And more.", "reply_to": body["id"]})
    assert reply.status_code == 404
    assert Client().get(f"/api/v1/articles/{article.slug}").json()["comments"] == []
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "This helped me." not in page


def test_a_visitor_is_told_to_sign_in_where_the_article_takes_signed_in_people_only() -> None:
    article = _article(_writer())
    refused = _post(Client(), f"/api/v1/articles/{article.slug}/comments", {"body": "Hi"})
    assert refused.status_code == 401
    assert "signed-in people only" in refused.json()["error"]["message"]
    assert not Comment.objects.exists()


def test_visitors_comments_share_the_pages_hourly_limit_per_address() -> None:
    article = _article(_writer(), anonymous_comments=True)
    url = f"/api/v1/articles/{article.slug}/comments"
    page_url = reverse("community:comment", kwargs={"slug": article.slug})
    for number in range(5):
        assert Client().post(page_url, {"body": f"Thought {number}."}).status_code == 302
    answers = [_post(Client(), url, {"body": f"More {n}."}).status_code for n in range(6)]
    assert answers == [202] * 5 + [429]
    assert Comment.objects.count() == 10


def test_a_visitors_comment_meets_the_guard_as_on_the_page() -> None:
    article = _article(_writer(), anonymous_comments=True)
    found = _post(
        Client(),
        f"/api/v1/articles/{article.slug}/comments",
        {"body": "Maria called me from 07700 900123."},
    )
    assert found.status_code == 422
    assert found.json()["error"]["code"] == "identifiers_found"
    assert not Comment.objects.exists()


def test_a_bad_token_is_refused_not_taken_for_a_visitor() -> None:
    article = _article(_writer(), anonymous_comments=True)
    url = f"/api/v1/articles/{article.slug}/comments"
    wrong = Client(headers={"Authorization": "Bearer cw_not-a-token"})
    refused = _post(wrong, url, {"body": "Hello"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert wrong.get(f"/api/v1/articles/{article.slug}").status_code == 401
    assert wrong.get("/api/v1/articles").status_code == 401
    assert not Comment.objects.exists()


def test_a_token_reads_the_thread_as_its_person_does() -> None:
    article = _article(_writer())
    newcomer = factories.ClientFactory.create()
    post_comment(article=article, author=newcomer, body="Held for now.")
    url = f"/api/v1/articles/{article.slug}"
    mine = _token(newcomer, "community:read").get(url).json()["comments"]
    assert [(c["body"], c["status"], c["own"]) for c in mine] == [("Held for now.", "held", True)]
    assert Client().get(url).json()["comments"] == []
    listed = _token(newcomer, "community:read").get("/api/v1/articles").json()
    assert [a["slug"] for a in listed["results"]] == [article.slug]
    assert _token(newcomer, "messaging:read").get(url).status_code == 403
