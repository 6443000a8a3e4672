"""The community in a browser, in English and in Spanish: the list, an article with its
thread, writing with the confidentiality guard's warnings, a comment and a reply, and the
Atom feed. Every page passes axe and fits a 320px screen."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from casework.accounts.models import User
from casework.community.models import Article, Comment
from casework.community.services.articles import invite_contributor, save_article
from casework.community.services.comments import post_comment
from casework.registry.reference_data import load_reference_data
from casework.testing import factories
from casework.testing.directory import registered_practitioner
from tests.browser.helpers import AssertAccessible, check_page, signed_in_as

pytestmark = pytest.mark.browser

STORY = (
    "Maria called from 07700 900123 after Oakfield Primary School rang about her son. "
    "We sat together and listened first."
)
CLEAN_STORY = (
    "A mother called after her son's school rang about him. We sat together and listened first."
)


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
    page.locator("#id_title").fill("Listening first")
    page.locator("#id_summary").fill("What a family taught me.")
    page.locator("#id_body").fill(STORY)
    page.locator("#id_tags").fill("practice, listening")
    page.locator("#id_publish").check()
    page.locator("form button[type=submit]").last.click()

    # The guard stops it: three marked spans, each with its reason, and the way out.
    guard = page.locator(".community-guard")
    expect(guard).to_be_visible()
    findings = guard.locator("ol > li")
    expect(findings).to_have_count(3)
    for words in ("Maria", "07700 900123", "Oakfield Primary School"):
        expect(guard).to_contain_text(words)
    expect(page.locator("#id_confirm")).to_be_visible()
    assert not Article.objects.exists()
    check_page(page, language, assert_accessible)

    # She edits them out and posts.
    page.locator("#id_body").fill(CLEAN_STORY)
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Listening first")
    article = Article.objects.get()
    assert article.published
    assert article.guard_confirmed == []

    # A visitor finds it in the list, by its tag, and reads it.
    visitor = profile_in(language).new_page()
    visitor.goto(f"{site}/community/")
    expect(visitor.get_by_role("link", name="Listening first")).to_be_visible()
    check_page(visitor, language, assert_accessible)
    visitor.goto(f"{site}/community/?tag=listening")
    expect(visitor.get_by_role("link", name="Listening first")).to_be_visible()
    check_page(visitor, language, assert_accessible)
    visitor.get_by_role("link", name="Listening first").click()
    expect(visitor.locator(".community-article-body")).to_contain_text("listened first")
    check_page(visitor, language, assert_accessible)

    # The Atom feed carries it.
    feed = visitor.request.get(f"{site}/community/feed.atom")
    assert feed.ok
    assert "application/atom+xml" in feed.headers["content-type"]
    assert "Listening first" in feed.text()

    # The client comments under her alias, and the practitioner replies with her badge.
    reader = profile_in(language)
    signed_in_as(reader, site, robin)
    page = reader.new_page()
    page.goto(f"{site}/community/{article.slug}/")
    page.locator("#id_body").fill("Thank you: being listened to changed everything for me.")
    page.locator("form button[type=submit]").last.click()
    thread = page.locator(".community-thread")
    expect(thread).to_contain_text("Robin")
    expect(thread).to_contain_text("being listened to")
    check_page(page, language, assert_accessible)
    first = Comment.objects.get()
    reply = post_comment(
        article=article, author=amara, body="Thank you for saying so.", parent=first
    )
    assert reply.visible
    page.goto(f"{site}/community/{article.slug}/comments/{first.pk}/reply/")
    check_page(page, language, assert_accessible)
    page.goto(f"{site}/community/{article.slug}/")
    expect(page.locator(f"#comment-{reply.pk} .community-badge")).to_have_count(1)
    check_page(page, language, assert_accessible)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_comment_with_identifying_words_is_marked_in_the_comment_form(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    admin = factories.AdminFactory.create()
    article = save_article(
        author=admin,
        title="Small places",
        summary="On anonymity in a village.",
        body="Everyone knows everyone, so we change the details.",
        tags=["anonymity"],
        publish=True,
    )
    robin = _settled(factories.ClientFactory.create(alias="Robin", language=language))
    profile = profile_in(language)
    signed_in_as(profile, site, robin)
    page = profile.new_page()
    page.goto(f"{site}/community/{article.slug}/comment/")
    check_page(page, language, assert_accessible)
    page.locator("#id_body").fill("My neighbour Maria rang me on 07700 900123 about it.")
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
