"""The community in a browser, in English and in Spanish: the list, an article with its
thread, writing with the confidentiality guard's warnings, a comment and a reply, and the
Atom feed; a writer's own pages, editing and deleting a comment, the moderators' queue and the
link that stops reply emails. Every page passes axe and fits a 320px screen, and a Spanish
page shows no English (``helpers.check_page``)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from casework.accounts.models import User
from casework.community.models import Article, Comment
from casework.community.notices import unsubscribe_token
from casework.community.services.articles import invite_contributor, save_article
from casework.community.services.comments import post_comment
from casework.registry.reference_data import load_reference_data
from casework.testing import factories
from casework.testing.directory import registered_practitioner
from tests.browser.helpers import AssertAccessible, check_page, signed_in_as

pytestmark = pytest.mark.browser

# What the people write, in the language of the run: a Spanish page quotes Spanish writers,
# so any English left on it is the site's own (``helpers.assert_in_spanish``).
WRITTEN = {
    "en": {
        "title": "Listening first",
        "summary": "What a family taught me.",
        "story": (
            "Maria called from 07700 900123 after Oakfield Primary School rang about her son. "
            "We sat together and listened first."
        ),
        "clean story": (
            "A mother called after her son's school rang about him. "
            "We sat together and listened first."
        ),
        "listened": "listened first",
        "tags": "practice, listening",
        "tag": "listening",
        "comment": "Thank you: being listened to changed everything for me.",
        "commented": "being listened to",
        "reply": "Thank you for saying so.",
        "village title": "Small places",
        "village summary": "On anonymity in a village.",
        "village body": "Everyone knows everyone, so we change the details.",
        "neighbour": "My neighbour Maria rang me on 07700 900123 about it.",
        "offensive": "You are a fucking idiot and so is your client.",
    },
    "es": {
        "title": "Escuchar primero",
        "summary": "Lo que me enseñó una familia.",
        "story": (
            "María llamó desde el 07700 900123 después de que la llamaran del Colegio Oakfield "
            "por su hijo. Nos sentamos juntas y primero escuchamos."
        ),
        "clean story": (
            "Una madre llamó después de que la llamaran del colegio por su hijo. "
            "Nos sentamos juntas y primero escuchamos."
        ),
        "listened": "primero escuchamos",
        "tags": "práctica, escucha",
        "tag": "escucha",
        "comment": "Gracias: que me escucharan lo cambió todo para mí.",
        "commented": "que me escucharan",
        "reply": "Gracias por decirlo.",
        "village title": "Lugares pequeños",
        "village summary": "Sobre el anonimato en un pueblo.",
        "village body": "Todo el mundo se conoce, así que cambiamos los detalles.",
        "neighbour": "Mi vecina María me llamó al 07700 900123 por eso.",
        "offensive": "Eres un gilipollas y tu clienta también.",
    },
}
# What the guard marks in each language's story.
MARKED = {
    "en": ("Maria", "07700 900123", "Oakfield Primary School"),
    "es": ("María", "07700 900123", "Colegio Oakfield"),
}


def _settled(person: User) -> User:
    """An account older than a week: its first comment is not held as a newcomer's."""
    person.date_joined = timezone.now() - timedelta(days=30)
    person.save(update_fields=["date_joined"])
    return person


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_practitioner_is_warned_by_the_guard_edits_and_publishes_and_people_discuss(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    written = WRITTEN[language]
    load_reference_data()
    admin = factories.AdminFactory.create()
    amara = _settled(registered_practitioner())
    amara.language = language
    amara.save(update_fields=["language"])
    invite_contributor(admin=admin, practitioner=amara)
    robin = _settled(factories.ClientFactory.create(alias="Robin", language=language))

    # She writes a story with a client's first name, phone number and school.
    writer = profile_in(language)
    signed_in_as(writer, site, amara)
    page = writer.new_page()
    page.goto(f"{site}/community/write/")
    check_page(page, language, assert_accessible)
    page.locator("#id_title").fill(written["title"])
    page.locator("#id_summary").fill(written["summary"])
    page.locator("#id_body").fill(written["story"])
    page.locator("#id_tags").fill(written["tags"])
    page.locator("#id_publish").check()
    page.locator("form button[type=submit]").last.click()

    # The guard stops it: three marked spans, each with its reason, and the way out.
    guard = page.locator(".community-guard")
    expect(guard).to_be_visible()
    findings = guard.locator("ol > li")
    expect(findings).to_have_count(3)
    for words in MARKED[language]:
        expect(guard).to_contain_text(words)
    expect(page.locator("#id_confirm")).to_be_visible()
    assert not Article.objects.exists()
    check_page(page, language, assert_accessible)

    # She edits them out and posts.
    page.locator("#id_body").fill(written["clean story"])
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(written["title"])
    article = Article.objects.get()
    assert article.published
    assert article.guard_confirmed == []

    # A visitor finds it in the list, by its tag, and reads it.
    visitor = profile_in(language).new_page()
    visitor.goto(f"{site}/community/")
    expect(visitor.get_by_role("link", name=written["title"])).to_be_visible()
    check_page(visitor, language, assert_accessible)
    visitor.goto(f"{site}/community/?tag={written['tag']}")
    expect(visitor.get_by_role("link", name=written["title"])).to_be_visible()
    check_page(visitor, language, assert_accessible)
    visitor.get_by_role("link", name=written["title"]).click()
    expect(visitor.locator(".community-article-body")).to_contain_text(written["listened"])
    check_page(visitor, language, assert_accessible)

    # The Atom feed carries it.
    feed = visitor.request.get(f"{site}/community/feed.atom")
    assert feed.ok
    assert "application/atom+xml" in feed.headers["content-type"]
    assert written["title"] in feed.text()

    # The client comments under her alias, and the practitioner replies with her badge.
    reader = profile_in(language)
    signed_in_as(reader, site, robin)
    page = reader.new_page()
    page.goto(f"{site}/community/{article.slug}/")
    page.locator("#id_body").fill(written["comment"])
    page.locator("form button[type=submit]").last.click()
    thread = page.locator(".community-thread")
    expect(thread).to_contain_text("Robin")
    expect(thread).to_contain_text(written["commented"])
    check_page(page, language, assert_accessible)
    first = Comment.objects.get()
    reply = post_comment(article=article, author=amara, body=written["reply"], parent=first)
    assert reply.visible
    page.goto(f"{site}/community/{article.slug}/comments/{first.pk}/reply/")
    check_page(page, language, assert_accessible)
    page.goto(f"{site}/community/{article.slug}/")
    expect(page.locator(f"#comment-{reply.pk} .community-badge")).to_have_count(1)
    check_page(page, language, assert_accessible)

    # Another client replies offensively: the reply waits for a moderator, seen only by her.
    noa = _settled(factories.ClientFactory.create(alias="Noa", language=language))
    angry = profile_in(language)
    signed_in_as(angry, site, noa)
    page = angry.new_page()
    page.goto(f"{site}/community/{article.slug}/comments/{first.pk}/reply/")
    page.locator("#id_body").fill(written["offensive"])
    page.locator("form button[type=submit]").last.click()
    offensive = Comment.objects.get(author=noa)
    assert offensive.status == Comment.Status.HELD
    assert "offensive_language" in offensive.held_for
    expect(page.locator(f"#comment-{offensive.pk} .badge")).to_be_visible()
    check_page(page, language, assert_accessible)
    visitor.goto(f"{site}/community/{article.slug}/")
    expect(visitor.locator(".community-thread")).to_contain_text(written["reply"])
    expect(visitor.locator(".community-thread")).not_to_contain_text(written["offensive"])


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_comment_with_identifying_words_is_marked_in_the_comment_form(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    written = WRITTEN[language]
    admin = factories.AdminFactory.create()
    article = save_article(
        author=admin,
        title=written["village title"],
        summary=written["village summary"],
        body=written["village body"],
        tags=[written["tag"]],
        publish=True,
    )
    robin = _settled(factories.ClientFactory.create(alias="Robin", language=language))
    profile = profile_in(language)
    signed_in_as(profile, site, robin)
    page = profile.new_page()
    page.goto(f"{site}/community/{article.slug}/comment/")
    check_page(page, language, assert_accessible)
    page.locator("#id_body").fill(written["neighbour"])
    page.locator("form button[type=submit]").last.click()
    guard = page.locator(".community-guard")
    expect(guard.locator("ol > li")).to_have_count(2)
    expect(page.locator("#id_confirm")).to_be_visible()
    check_page(page, language, assert_accessible)
    # Posting anyway records the confirmation, and the kinds, not the words.
    page.locator("#id_confirm").check()
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".community-thread")).to_contain_text("Robin")
    assert Comment.objects.get().guard_confirmed == ["name", "phone"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_writers_commenters_moderators_and_unsubscribe_pages_in_each_language(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    """The pages the journeys above do not reach: a writer's articles, a draft, the article
    form again, closing an article; editing a comment (with the guard's marks) and deleting it;
    the page for a practitioner nobody invited; the moderators' queue of held comments with
    why each waits; an anonymous comment; and the link that stops reply emails."""
    written = WRITTEN[language]
    load_reference_data()
    admin = factories.AdminFactory.create()
    amara = _settled(registered_practitioner())
    amara.language = language
    amara.save(update_fields=["language"])
    invite_contributor(admin=admin, practitioner=amara)
    article = save_article(
        author=amara,
        title=written["title"],
        summary=written["summary"],
        body=written["clean story"],
        tags=[written["tag"]],
        publish=True,
        anonymous_comments=True,
    )
    draft = save_article(
        author=amara,
        title=written["village title"],
        summary=written["village summary"],
        body=written["village body"],
    )
    robin = _settled(factories.ClientFactory.create(alias="Robin", language=language))
    robins = post_comment(
        article=article, author=robin, body=written["comment"], notify_replies=True
    )
    # Held: a new account's first post, and (below) a visitor's anonymous comment.
    newcomer = factories.ClientFactory.create(alias="Noa", language=language)
    post_comment(article=article, author=newcomer, body=written["reply"])

    # Amara: her articles, her draft, the article form, and closing the article.
    hers = profile_in(language)
    signed_in_as(hers, site, amara)
    page = hers.new_page()
    page.goto(f"{site}/community/mine/")
    expect(page.get_by_role("link", name=written["village title"])).to_be_visible()
    check_page(page, language, assert_accessible)
    page.goto(f"{site}/community/{draft.slug}/")
    check_page(page, language, assert_accessible)
    page.goto(f"{site}/community/{article.slug}/edit/")
    check_page(page, language, assert_accessible)
    page.goto(f"{site}/community/{article.slug}/")
    check_page(page, language, assert_accessible)

    # A visitor comments anonymously: the form says it waits for a moderator.
    visitor = profile_in(language).new_page()
    visitor.goto(f"{site}/community/{article.slug}/comment/")
    check_page(visitor, language, assert_accessible)
    visitor.locator("#id_body").fill(written["commented"])
    visitor.locator("form button[type=submit]").last.click()
    check_page(visitor, language, assert_accessible)

    # Robin edits her comment: the guard marks a name and a number; she takes them out.
    theirs = profile_in(language)
    signed_in_as(theirs, site, robin)
    page = theirs.new_page()
    page.goto(f"{site}/community/comments/{robins.pk}/edit/")
    check_page(page, language, assert_accessible)
    page.locator("#id_body").fill(written["neighbour"])
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".community-guard ol > li")).to_have_count(2)
    check_page(page, language, assert_accessible)
    page.locator("#id_body").fill(written["comment"])
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(f"#comment-{robins.pk}")).to_contain_text(written["commented"])
    check_page(page, language, assert_accessible)

    # The link in a reply email stops them, without signing in.
    stop = profile_in(language).new_page()
    stop.goto(f"{site}/community/replies/stop/{unsubscribe_token(robins.pk)}/")
    check_page(stop, language, assert_accessible)
    stop.locator("main form button[type=submit]").click()
    expect(stop.locator("main p[role=status]")).to_be_visible()
    check_page(stop, language, assert_accessible)
    robins.refresh_from_db()
    assert not robins.notify_replies
    # A link cut short when copied says so, and changes nothing.
    stop.goto(f"{site}/community/replies/stop/{unsubscribe_token(robins.pk)[:-4]}/")
    expect(stop.locator("main p[role=alert]")).to_be_visible()
    check_page(stop, language, assert_accessible)

    # She deletes it, once she has said yes: a tombstone keeps its place in the thread.
    page.locator(f"#comment-{robins.pk} form button[type=submit]").click()
    expect(page.locator("#confirm-danger-title")).to_be_focused()
    check_page(page, language, assert_accessible)
    page.locator(".confirm-danger button.button--danger").click()
    expect(page.locator(f"#comment-{robins.pk} .community-tombstone")).to_be_visible()
    check_page(page, language, assert_accessible)

    # A practitioner nobody invited is told who writes articles.
    uninvited = registered_practitioner()
    uninvited.language = language
    uninvited.save(update_fields=["language"])
    others = profile_in(language)
    signed_in_as(others, site, uninvited)
    page = others.new_page()
    page.goto(f"{site}/community/write/")
    check_page(page, language, assert_accessible)

    # The moderators' queue says why each comment waits; publishing one leaves the other.
    moderator = factories.ModeratorFactory.create(language=language)
    desk = profile_in(language)
    signed_in_as(desk, site, moderator)
    page = desk.new_page()
    page.goto(f"{site}/community/held/")
    held = page.locator("ol.community-list > li")
    expect(held).to_have_count(2)
    check_page(page, language, assert_accessible)
    held.first.get_by_role("radio").first.check()
    held.first.get_by_role("button").click()
    expect(page.locator("ol.community-list > li")).to_have_count(1)
    check_page(page, language, assert_accessible)

    # Amara closes the article to new comments.
    page = hers.new_page()
    page.goto(f"{site}/community/{article.slug}/")
    page.locator(f"form[action$='/{article.slug}/close/'] button").click()
    expect(page.locator("section[aria-labelledby=discussion] > p.panel")).to_be_visible()
    check_page(page, language, assert_accessible)
    assert Article.objects.get(pk=article.pk).closed
