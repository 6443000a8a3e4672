"""Articles, comments, the guard at the door, and reply notices, end to end."""

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from PIL import Image

from casework.accounts.models import User
from casework.community.confidentiality import IdentifiersFound
from casework.community.guard import evaluation
from casework.community.guard.identifiers import find_identifiers
from casework.community.models import Article, Comment
from casework.community.notices import unsubscribe_token
from casework.community.services.articles import invite_contributor, save_article
from casework.community.services.comments import (
    RATE_WINDOW,
    delete_comment,
    edit_comment,
    moderate_comment,
    post_comment,
)
from casework.events.relay import relay_pending
from casework.testing import factories

pytestmark = pytest.mark.django_db

# The guard never flags its author's own name: a random one could be a name the text uses
# ("Maria"), and the test would then depend on the order the suite ran in.
AUTHOR = "Quentin Ashdown"

STORY = "Some families teach you patience. This one taught me to listen first."


def _old(person: User) -> User:
    person.date_joined = timezone.now() - timedelta(days=30)
    person.save(update_fields=["date_joined"])
    return person


def _article(**kwargs: object) -> Article:
    admin = factories.AdminFactory.create(legal_name=AUTHOR)
    options = {"anonymous_comments": False, **kwargs}
    return save_article(
        author=admin,
        title="Listening first",
        summary="What a family taught me.",
        body=STORY,
        tags=["practice"],
        publish=True,
        **options,  # type: ignore[arg-type]
    )


def test_the_guard_finds_the_three_spans_of_the_journey() -> None:
    text = "Maria called from 07700 900123 after Oakfield Primary School rang."
    kinds = {span.kind for span in find_identifiers(text)}
    assert kinds == {"name", "phone", "institution"}


def test_the_guard_leaves_crisis_lines_public_figures_and_the_author_alone() -> None:
    assert find_identifiers("Call Samaritans on 116 123. Florence Nightingale knew.") == []
    assert find_identifiers("I'm Amara Okafor.", author_names=["Amara Okafor"]) == []


def test_the_guard_meets_its_targets_on_the_labelled_snippets() -> None:
    snippets = evaluation.labelled_snippets()
    assert len(snippets) >= 300
    assert {s.language for s in snippets} == {"en", "es"}
    scores = evaluation.scores(evaluation.evaluate(snippets))
    assert all(score.meets_target for score in scores), scores
    assert evaluation.overall_precision(scores) >= evaluation.PRECISION_TARGET


def test_an_identifying_article_is_refused_until_confirmed_and_only_kinds_are_kept() -> None:
    admin = factories.AdminFactory.create(legal_name=AUTHOR)
    body = "Maria rang from 07700 900123."
    with pytest.raises(IdentifiersFound) as found:
        save_article(author=admin, title="A call", summary="A call.", body=body, publish=True)
    assert found.value.kinds == ["name", "phone"]
    assert not Article.objects.exists()
    saved = save_article(
        author=admin,
        title="A call",
        summary="A call.",
        body=body,
        publish=True,
        confirmed_kinds=["name", "phone"],
    )
    assert saved.guard_confirmed == ["name", "phone"]


def test_markdown_tricks_are_inert() -> None:
    admin = factories.AdminFactory.create(legal_name=AUTHOR)
    saved = save_article(
        author=admin,
        title="Tricks",
        summary="Tricks.",
        body="<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    # What was markup is shown as text; the link is not a link.
    assert "<script" not in saved.body_html
    assert "<img" not in saved.body_html
    assert 'href="javascript' not in saved.body_html


def test_only_admins_and_invited_practitioners_write() -> None:
    practitioner = factories.PractitionerFactory.create()
    with pytest.raises(ValidationError):
        save_article(author=practitioner, title="T", summary="S", body=STORY)
    invite_contributor(admin=factories.AdminFactory.create(), practitioner=practitioner)
    assert save_article(author=practitioner, title="T", summary="S", body=STORY).pk


def test_a_first_post_of_a_new_account_waits_for_a_moderator() -> None:
    article = _article()
    client = factories.ClientFactory.create(alias="Robin")
    held = post_comment(article=article, author=client, body="Thank you for this.")
    assert held.status == Comment.Status.HELD
    assert held.held_for == ["first_post"]
    moderate_comment(comment=held, moderator=factories.ModeratorFactory.create(), publish=True)
    later = post_comment(article=article, author=client, body="And again, thanks.")
    assert later.status == Comment.Status.PUBLISHED


def test_an_offensive_comment_is_held_by_the_safety_screen() -> None:
    article = _article()
    client = _old(factories.ClientFactory.create(alias="Robin"))
    comment = post_comment(article=article, author=client, body="You are a fucking idiot.")
    assert comment.status == Comment.Status.HELD
    assert "first_post" not in comment.held_for


def test_a_100_kb_comment_is_refused_clearly() -> None:
    article = _article()
    client = _old(factories.ClientFactory.create(alias="Robin"))
    with pytest.raises(ValidationError, match="at most 4000 characters"):
        post_comment(article=article, author=client, body="a" * 100_000)
    assert not Comment.objects.exists()


def test_closed_articles_and_deleted_parents_take_no_comments() -> None:
    article = _article()
    client = _old(factories.ClientFactory.create(alias="Robin"))
    parent = post_comment(article=article, author=client, body="A thought.")
    delete_comment(comment=parent, author=client)
    with pytest.raises(ValidationError, match="deleted or hidden"):
        post_comment(article=article, author=client, body="Reply.", parent=parent)
    Article.objects.filter(pk=article.pk).update(closed=True)
    with pytest.raises(ValidationError, match="closed"):
        post_comment(article=article, author=client, body="Late.")


def test_replies_are_two_levels_deep() -> None:
    article = _article()
    client = _old(factories.ClientFactory.create(alias="Robin"))
    top = post_comment(article=article, author=client, body="Top.")
    reply = post_comment(article=article, author=client, body="Reply.", parent=top)
    with pytest.raises(ValidationError, match="one level deep"):
        post_comment(article=article, author=client, body="Deeper.", parent=reply)


def test_the_edit_window_closes_after_15_minutes() -> None:
    article = _article()
    client = _old(factories.ClientFactory.create(alias="Robin"))
    comment = post_comment(article=article, author=client, body="First words.")
    edited = edit_comment(comment=comment, author=client, body="Better words.")
    assert edited.edited_at is not None
    later = timezone.now() + timedelta(minutes=16)
    with time_machine.travel(later), pytest.raises(ValidationError, match="15 minutes"):
        edit_comment(comment=comment, author=client, body="Too late.")


def test_anonymous_comments_only_where_allowed_and_always_held() -> None:
    with pytest.raises(ValidationError):
        post_comment(article=_article(), author=None, body="Hello")
    open_article = _article(anonymous_comments=True)
    comment = post_comment(article=open_article, author=None, body="Hello")
    assert comment.status == Comment.Status.HELD
    assert comment.held_for == ["anonymous"]


def test_a_reply_emails_the_commenter_who_asked_and_one_click_stops_it() -> None:
    article = _article()
    practitioner = _old(factories.PractitionerFactory.create())
    client = _old(factories.ClientFactory.create(alias="Robin"))
    top = post_comment(article=article, author=practitioner, body="Top.", notify_replies=True)
    post_comment(article=article, author=client, body="A reply.", parent=top)
    relay_pending()
    assert len(mail.outbox) == 1
    assert "A reply." not in mail.outbox[0].body
    browser = Client()
    # A link cut short, or made up, says so and changes nothing.
    for link in (unsubscribe_token(top.pk)[:-4], "forged:token"):
        for method in (browser.get, browser.post):
            broken = method(f"/community/replies/stop/{link}/")
            assert broken.status_code == 404
            assert "This link does not work" in broken.content.decode()
    top.refresh_from_db()
    assert top.notify_replies
    assert browser.post(f"/community/replies/stop/{unsubscribe_token(top.pk)}/").status_code == 200
    top.refresh_from_db()
    assert not top.notify_replies


def test_the_list_detail_and_feed_show_a_published_article() -> None:
    article = _article()
    browser = Client()
    assert article.title in browser.get("/community/").content.decode()
    assert STORY in browser.get(article.get_absolute_url()).content.decode()
    feed = browser.get("/community/feed.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert article.title in feed.content.decode()


def test_the_comment_form_highlights_what_could_identify_a_client() -> None:
    article = _article()
    client = _old(factories.ClientFactory.create(alias="Robin"))
    browser = Client()
    browser.force_login(client)
    response = browser.post(
        f"/community/{article.slug}/comment/", {"body": "Ask Maria on 07700 900123 <b>x</b>"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert page.count('class="community-guard-mark"') == 2
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert not Comment.objects.exists()
    confirmed = browser.post(
        f"/community/{article.slug}/comment/",
        {"body": "Ask Maria on 07700 900123", "confirm": "on", "kinds": ["name", "phone"]},
    )
    assert confirmed.status_code == 302
    assert Comment.objects.get().guard_confirmed == ["name", "phone"]


def test_the_list_filters_by_tag_in_the_database_and_costs_the_same_for_3_or_30_articles(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    admin = factories.AdminFactory.create(legal_name=AUTHOR)
    for number in range(30):
        save_article(
            author=admin,
            title=f"Story {number}",
            summary="A story.",
            body=STORY,
            tags=["practice", "listening" if number % 3 == 0 else "supervision"],
            publish=True,
        )
    # The page of articles with their authors (one query, a join), and their count for the
    # pagination: two queries, whatever the number of articles or tags.
    with django_assert_max_num_queries(2):
        response = client.get("/community/?tag=listening")
    assert response.status_code == 200
    titles = [a.title for a in response.context["page"].object_list]
    assert len(titles) == 10
    assert response.context["page"].paginator.count == 10
    assert all(int(t.split()[1]) % 3 == 0 for t in titles)
    assert 'rel="next"' not in response.content.decode()  # ten fit on one page
    # All thirty: three pages, whose links keep no filter.
    page = client.get("/community/?page=2").content.decode()
    assert 'href="?page=3"' in page
    assert 'href="?page=1"' in page
    assert "Page 2 of 3" in page
    with django_assert_max_num_queries(2):
        response = client.get("/community/?tag=nothing-like-this")
    assert response.context["page"].paginator.count == 0


def test_the_pages_of_a_tag_keep_the_tag(client: Client) -> None:
    admin = factories.AdminFactory.create(legal_name=AUTHOR)
    for number in range(12):
        save_article(
            author=admin,
            title=f"Story {number}",
            summary="A story.",
            body=STORY,
            tags=["listening-well"],
            publish=True,
        )
    page = client.get("/community/", {"tag": "listening-well"}).content.decode()
    assert 'href="?tag=listening-well&amp;page=2"' in page
    assert 'aria-label="Pages of articles"' in page


def test_a_thread_costs_the_same_queries_for_2_or_40_comments(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    article = _article()
    readers = [_old(factories.ClientFactory.create()) for _ in range(4)]
    practitioner = _old(factories.PractitionerFactory.create())
    start = timezone.now() - timedelta(days=1)
    for number in range(10):
        at = start + number * RATE_WINDOW  # under the rate limit
        top = post_comment(
            article=article, author=readers[number % 4], body=f"Thought {number}", now=at
        )
        post_comment(article=article, author=practitioner, body="Thank you.", parent=top, now=at)
        post_comment(article=article, author=readers[0], body="Agreed.", parent=top, now=at)
    client.force_login(readers[1])
    client.get("/community/")  # the first page after signing in records the device's session
    # The session and its person (2); allauth's record of the device's session: its row, its
    # person, its update and their savepoint (5); the article with its author (1), the comments
    # with their authors (1), the practitioners' verified registrations with their regulators
    # (1), and the person's unread messages in the header (1).
    with django_assert_max_num_queries(11):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["thread"]) == 10


def test_the_reply_page_shows_no_words_the_thread_withholds() -> None:
    article = _article(anonymous_comments=True)
    robin = _old(factories.ClientFactory.create(alias="Robin"))
    moderator = factories.ModeratorFactory.create()
    held = post_comment(article=article, author=robin, body="You are a fucking idiot.")
    anonymous = post_comment(article=article, author=None, body="Words nobody has checked.")
    hidden = post_comment(article=article, author=robin, body="Words a moderator hid.")
    moderate_comment(comment=hidden, moderator=moderator, publish=False)
    visitor = Client()
    # Held comments are missing to everyone but their author, as in the thread.
    for waiting in (held, anonymous):
        reply_page = f"/community/{article.slug}/comments/{waiting.pk}/reply/"
        assert visitor.get(reply_page).status_code == 404
        assert visitor.post(reply_page, {"body": "Hello."}).status_code == 404
    # A hidden one shows as its tombstone, and the page says why it takes no reply.
    response = visitor.get(f"/community/{article.slug}/comments/{hidden.pk}/reply/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Words a moderator hid." not in page
    assert "This comment was hidden by a moderator." in page
    assert "it takes no replies" in page
    assert 'name="body"' not in page
    # Its author sees her held comment, and that it takes replies once published.
    author = Client()
    author.force_login(robin)
    page = author.get(f"/community/{article.slug}/comments/{held.pk}/reply/").content.decode()
    assert "You are a fucking idiot." in page
    assert "takes replies once it is published" in page


def test_the_comment_page_of_a_closed_article_says_so_before_anyone_writes() -> None:
    article = _article()
    Article.objects.filter(pk=article.pk).update(closed=True)
    robin = _old(factories.ClientFactory.create(alias="Robin"))
    browser = Client()
    browser.force_login(robin)
    page = browser.get(f"/community/{article.slug}/comment/").content.decode()
    assert "This article is closed: it takes no new comments." in page
    assert 'name="body"' not in page
    # A visitor, where only signed-in people comment, is offered to sign in.
    open_article = _article()
    page = Client().get(f"/community/{open_article.slug}/comment/").content.decode()
    assert "signed-in people only" in page
    assert "/accounts/login/?next=" in page


def _photo_with_exif() -> io.BytesIO:
    image = Image.new("RGB", (2400, 1800), (10, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    buffer.seek(0)
    buffer.name = "garden.jpg"
    return buffer


def test_a_cover_is_resized_without_exif_and_served_with_its_description(
    settings: Any, tmp_path: Path
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    admin = factories.AdminFactory.create(legal_name=AUTHOR)
    writer = Client()
    writer.force_login(admin)
    fields = {"title": "The garden", "summary": "A garden.", "body": STORY, "publish": "on"}
    # Without words for those who cannot see it, the cover is refused and nothing is saved.
    refused = writer.post("/community/write/", {**fields, "cover": _photo_with_exif()})
    assert refused.status_code == 422
    assert "Describe the cover image" in refused.content.decode()
    assert not Article.objects.exists()
    described = {**fields, "cover": _photo_with_exif(), "cover_alt": "A bench under a tree."}
    assert writer.post("/community/write/", described).status_code == 302
    article = Article.objects.get()
    visitor = Client()
    served = visitor.get(f"/community/{article.slug}/cover.jpg")
    assert served.status_code == 200
    stored = b"".join(served.streaming_content)  # type: ignore[attr-defined]
    assert b"Secret Camera" not in stored
    assert Image.open(io.BytesIO(stored)).size == (1200, 630)
    page = visitor.get(article.get_absolute_url()).content.decode()
    assert f'src="/community/{article.slug}/cover.jpg" alt="A bench under a tree."' in page


def test_spam_waits_for_a_moderator_who_is_told_why() -> None:
    article = _article()
    robin = _old(factories.ClientFactory.create(alias="Robin"))
    advert = post_comment(
        article=article, author=robin, body="Loans in 5 minutes: https://fast-cash.example/"
    )
    assert advert.status == Comment.Status.HELD
    assert advert.held_for == ["spam"]
    assert advert.held_for_labels() == ["Spam"]
    helpful = post_comment(
        article=article, author=robin, body="This helped me: https://www.nhs.uk/mental-health/"
    )
    assert helpful.status == Comment.Status.PUBLISHED
    # Its own words again, in an edit, are no repeat; the same words pasted anew are.
    assert edit_comment(comment=helpful, author=robin, body=helpful.body).visible
    again = post_comment(article=_article(), author=robin, body=helpful.body)
    assert again.held_for == ["spam"]


def test_an_administrator_invites_a_practitioner_to_write_in_the_admin() -> None:
    from casework.community.services.articles import may_write
    from casework.privacy import actions
    from casework.privacy.models import AuditEvent

    admin = factories.AdminFactory.create()
    practitioner = factories.PractitionerFactory.create()
    site = Client()
    site.force_login(admin)
    form = site.get("/admin/community/contributor/add/").content.decode()
    assert f'value="{practitioner.pk}"' in form
    assert (
        site.post("/admin/community/contributor/add/", {"person": practitioner.pk}).status_code
        == 302
    )
    assert may_write(practitioner)
    invited = AuditEvent.objects.get(action=actions.COMMUNITY_CONTRIBUTOR_INVITED)
    assert invited.actor_id == admin.pk
    # Once invited, she is no longer offered, and the invitation stays on record.
    assert (
        f'value="{practitioner.pk}"'
        not in site.get("/admin/community/contributor/add/").content.decode()
    )
    contributor = practitioner.contributor.pk
    assert site.get(f"/admin/community/contributor/{contributor}/delete/").status_code == 403


def test_a_sixth_comment_within_ten_minutes_waits_with_the_words_kept() -> None:
    article = _article()
    robin = _old(factories.ClientFactory.create(alias="Robin"))
    for number in range(5):
        post_comment(article=article, author=robin, body=f"Thought number {number}.")
    browser = Client()
    browser.force_login(robin)
    response = browser.post(f"/community/{article.slug}/comment/", {"body": "One more thought."})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Please wait a few minutes." in page
    assert "One more thought." in page  # in the form again, nothing lost
    assert Comment.objects.count() == 5
    with time_machine.travel(timezone.now() + RATE_WINDOW):
        assert post_comment(article=article, author=robin, body="One more thought.").visible
