"""Reporting community comments and articles through the one report flow (issues 12 and 14)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.community.models import Article, Comment
from casework.community.services.articles import save_article
from casework.community.services.comments import moderate_comment, post_comment
from casework.events.models import OutboxEvent
from casework.events.relay import relay_pending
from casework.safety.appeals import decide_appeal, file_appeal
from casework.safety.models import ModerationAction, Report, ReportTarget
from casework.safety.moderation import take_action
from casework.testing import factories

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def _settled(person: User) -> User:
    """An account old enough that its comments are published at once."""
    person.date_joined = timezone.now() - timedelta(days=30)
    person.save(update_fields=["date_joined"])
    return person


@pytest.fixture
def article(db: None) -> Article:
    return save_article(
        author=factories.AdminFactory.create(),
        title="Listening first",
        summary="What a family taught me.",
        body="Some families teach you patience.",
        publish=True,
        anonymous_comments=True,
    )


@pytest.fixture
def comment(article: Article, practitioner: User) -> Comment:
    posted = post_comment(article=article, author=_settled(practitioner), body="Pay me in crypto.")
    if not posted.visible:
        posted = moderate_comment(
            comment=posted, moderator=factories.ModeratorFactory.create(), publish=True
        )
    return posted


def _report_url(comment: Comment) -> str:
    return reverse("safety:report_comment", kwargs={"object_id": comment.pk})


def test_a_client_reports_a_comment_and_its_author_is_the_person_reported(
    comment: Comment, client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(client_person)
    article_page = browser.get(reverse("community:article", kwargs={"slug": comment.article.slug}))
    assert _report_url(comment) in article_page.content.decode()
    response = browser.post(_report_url(comment), {"category": "fraud", "details": "Crypto"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.reporter == client_person
    assert report.reported == practitioner
    assert report.target_kind == ReportTarget.COMMENT
    assert report.comment == comment


def test_a_visitor_reports_a_comment_and_gets_a_reference(comment: Comment, client: Client) -> None:
    response = client.post(_report_url(comment), {"category": "spam", "details": ""})
    report = Report.objects.get()
    assert response.status_code == 200
    assert report.reporter is None
    assert report.reference in response.content.decode()


def test_a_visitor_reports_an_article_to_its_author(article: Article, client: Client) -> None:
    url = reverse("safety:report_article", kwargs={"slug": article.slug})
    assert (
        url
        in client.get(reverse("community:article", kwargs={"slug": article.slug})).content.decode()
    )
    client.post(url, {"category": "confidentiality", "details": "A client is named"})
    report = Report.objects.get()
    assert report.target_kind == ReportTarget.ARTICLE
    assert report.reported == article.author


def test_a_hidden_comment_is_404_like_a_missing_one(
    comment: Comment, client_person: User, moderator: User, signed_in: SignedIn
) -> None:
    moderate_comment(comment=comment, moderator=moderator, publish=False)
    browser = signed_in(client_person)
    assert browser.get(_report_url(comment)).status_code == 404
    missing = reverse("safety:report_comment", kwargs={"object_id": comment.pk + 1000})
    assert browser.get(missing).status_code == 404
    assert Report.objects.count() == 0


def test_a_comment_of_a_draft_article_is_404(comment: Comment, client: Client) -> None:
    Article.objects.filter(pk=comment.article_id).update(status=Article.Status.DRAFT)
    assert client.get(_report_url(comment)).status_code == 404


def test_an_anonymous_comment_is_reported_and_a_moderator_may_only_hide_it_or_dismiss(
    article: Article, moderator: User, client: Client, signed_in: SignedIn
) -> None:
    anonymous = post_comment(article=article, author=None, body="Buy cheap pills here.")
    moderate_comment(comment=anonymous, moderator=moderator, publish=True)
    page = client.get(reverse("community:article", kwargs={"slug": article.slug}))
    assert _report_url(anonymous) in page.content.decode()
    response = client.post(_report_url(anonymous), {"category": "spam", "details": ""})
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.reported is None
    assert report.comment == anonymous
    browser = signed_in(factories.ModeratorFactory.create())
    url = reverse("safety:moderate_report", kwargs={"report_id": report.pk})
    form = browser.get(url).content.decode()
    assert 'value="hide"' in form
    assert 'value="dismiss"' in form
    assert 'value="warn"' not in form
    assert 'value="suspend"' not in form
    assert "Buy cheap pills here." in form  # the moderator reads what was reported
    refused = browser.post(url, {"kind": "warn", "rule": "spam", "reason": "Spam."})
    assert refused.status_code == 400
    browser.post(url, {"kind": "hide", "rule": "spam", "reason": "An advert."})
    relay_pending()
    anonymous.refresh_from_db()
    assert anonymous.status == Comment.Status.HIDDEN
    action = ModerationAction.objects.get()
    assert action.affected is None
    assert action.comment == anonymous
    # Nobody to send a statement of reasons to.
    assert not OutboxEvent.objects.filter(name="safety.moderation_decided").exists()


def test_reporting_ones_own_comment_is_refused(
    comment: Comment, practitioner: User, signed_in: SignedIn
) -> None:
    response = signed_in(practitioner).post(_report_url(comment), {"category": "spam"})
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_a_moderator_hides_the_reported_comment_from_the_queue(
    comment: Comment, client_person: User, moderator: User, signed_in: SignedIn
) -> None:
    signed_in(client_person).post(_report_url(comment), {"category": "fraud", "details": "Crypto"})
    report = Report.objects.get()
    browser = signed_in(moderator)
    url = reverse("safety:moderate_report", kwargs={"report_id": report.pk})
    assert 'value="hide"' in browser.get(url).content.decode()
    response = browser.post(
        url, {"kind": "hide", "rule": "payments-on-platform", "reason": "Payments stay here."}
    )
    assert response.status_code == 302
    relay_pending()  # the community hides it, reacting to safety's ContentHidden
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    action = ModerationAction.objects.get()
    assert action.comment == comment
    assert action.affected == comment.author
    page = Client().get(reverse("community:article", kwargs={"slug": comment.article.slug}))
    assert "Pay me in crypto." not in page.content.decode()
    assert "This comment was hidden by a moderator." in page.content.decode()


def test_hide_is_not_offered_for_an_article(
    article: Article, client_person: User, moderator: User, signed_in: SignedIn
) -> None:
    signed_in(client_person).post(
        reverse("safety:report_article", kwargs={"slug": article.slug}),
        {"category": "spam"},
    )
    report = Report.objects.get()
    page = signed_in(moderator).get(
        reverse("safety:moderate_report", kwargs={"report_id": report.pk})
    )
    assert 'value="hide"' not in page.content.decode()


def _hide(comment: Comment, reporter: User, moderator: User) -> ModerationAction:
    from casework.safety import access
    from casework.safety.reports import file_report

    report = file_report(
        reporter=reporter,
        target=access.target_for_comment(reporter, comment.pk),
        category="fraud",
        details="",
    ).report
    (action,) = take_action(
        moderator=moderator,
        kind="hide",
        rule="payments-on-platform",
        reason="Payments stay here.",
        report=report,
    )
    relay_pending()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    return action


def _appeal_decided(
    action: ModerationAction, comment: Comment, *, overturn: bool, explanation: str
) -> None:
    """The comment's author appeals ``action``; another moderator decides; events are relayed
    and ``comment`` is read again."""
    assert comment.author is not None
    appeal = file_appeal(action=action, appellant=comment.author, grounds="It was a joke.")
    decide_appeal(
        appeal=appeal,
        moderator=factories.ModeratorFactory.create(),
        overturn=overturn,
        explanation=explanation,
    )
    relay_pending()
    comment.refresh_from_db()


def test_an_overturned_appeal_shows_the_hidden_comment_again(
    comment: Comment, client_person: User, moderator: User
) -> None:
    action = _hide(comment, client_person, moderator)
    _appeal_decided(action, comment, overturn=True, explanation="Read in its thread, it was irony.")
    assert comment.status == Comment.Status.PUBLISHED
    page = Client().get(reverse("community:article", kwargs={"slug": comment.article.slug}))
    assert "Pay me in crypto." in page.content.decode()
    relay_pending()  # delivered once more: nothing changes
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_an_upheld_appeal_leaves_the_comment_hidden(
    comment: Comment, client_person: User, moderator: User
) -> None:
    action = _hide(comment, client_person, moderator)
    _appeal_decided(
        action, comment, overturn=False, explanation="It asks for payment off the platform."
    )
    assert comment.status == Comment.Status.HIDDEN


def test_an_overturned_appeal_keeps_a_comment_another_decision_hides(
    comment: Comment, client_person: User, moderator: User
) -> None:
    first = _hide(comment, client_person, moderator)
    other = factories.ClientFactory.create()
    # A second report of the same comment, by someone else, decided before it was hidden.
    ModerationAction.objects.filter(pk=first.pk).update(in_force=True)
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.PUBLISHED)
    _hide(comment, other, factories.ModeratorFactory.create())
    _appeal_decided(first, comment, overturn=True, explanation="This report was wrong.")
    assert comment.status == Comment.Status.HIDDEN
