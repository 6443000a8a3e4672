"""Moderators decide reports and detections; the person affected gets a statement of reasons
and one appeal to another moderator; the reporter learns the outcome, not the sanction."""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.messaging import services as messaging_services
from casework.messaging.models import Conversation, Message
from casework.privacy.models import AuditEvent
from casework.registry.reference_data import load_reference_data
from casework.safety import access, appeals
from casework.safety.detections import record_detection
from casework.safety.models import (
    Appeal,
    Detection,
    ModerationAction,
    RegulatorReferral,
    Report,
)
from casework.safety.moderation import take_action
from casework.safety.notices import action_id_from_token, decision_token
from casework.safety.reports import file_report
from casework.safety.restrictions import is_restricted
from casework.testing import factories, messaging
from casework.testing.directory import registered_practitioner

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]
DECISION_LINK = re.compile(r"/decisions/link/([^/\s]+)/")


@pytest.fixture
def gift_card(conversation: Conversation, practitioner: User) -> Message:
    return messaging.send(conversation, practitioner, "Buy me an Amazon gift card")


@pytest.fixture
def report(client_person: User, gift_card: Message) -> Report:
    return file_report(
        reporter=client_person,
        target=access.target_for_message(client_person, gift_card.pk),
        category="fraud",
        details="He wants a gift card",
        evidence=[gift_card],
        consented=True,
    ).report


def act(moderator: User, report: Report, kind: str = "warn", **kwargs: object) -> None:
    take_action(
        moderator=moderator,
        report=report,
        kind=kind,
        rule="payments-on-platform",
        reason="You asked a client for a gift card.",
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_queue_shows_reports_and_detections_gravest_first(
    report: Report,
    gift_card: Message,
    client_person: User,
    conversation: Conversation,
    practitioner: User,
    moderator: User,
    signed_in: SignedIn,
) -> None:
    call_me = record_detection(
        author=practitioner, conversation=conversation, text="call me", categories=["personal"]
    )
    spam = file_report(
        reporter=None,
        target=access.target_for_message(client_person, gift_card.pk),
        category="spam",
        details="",
    ).report
    page = signed_in(moderator).get(reverse("safety:queue")).content.decode()
    # The gift card was flagged when sent (severity 3, before the report of it), then the report
    # (severity 3), then the severity 1 items, oldest first.
    sent_flagged = Detection.objects.get(message=gift_card)
    places = [
        page.index(f"/moderation/detections/{sent_flagged.pk}/"),
        page.index(report.reference),
        page.index(f"/moderation/detections/{call_me.pk}/"),
        page.index(spam.reference),
    ]
    assert places == sorted(places)
    # No content in the queue: the evidence opens only on the item's page. Each detection says
    # what was found by its category's name, never its key.
    assert "gift card" not in page
    assert "Off-platform payment" in page
    assert "off_platform_payment" not in page


def test_opening_a_report_shows_only_the_evidence_consented_and_is_audited(
    report: Report,
    conversation: Conversation,
    practitioner: User,
    moderator: User,
    signed_in: SignedIn,
) -> None:
    messaging.send(conversation, practitioner, "A private word not shown")
    page = signed_in(moderator).get(
        reverse("safety:moderate_report", kwargs={"report_id": report.pk})
    )
    text = page.content.decode()
    assert "Buy me an Amazon gift card" in text
    assert "He wants a gift card" in text
    assert "A private word not shown" not in text
    assert "Hello, can you help me?" not in text  # the reporter's own message was not ticked
    opened = AuditEvent.objects.filter(action="safety.evidence_opened", actor_id=moderator.pk)
    assert opened.count() == 1


def test_opening_a_detection_or_an_appeal_is_audited_each_time(
    report: Report,
    conversation: Conversation,
    practitioner: User,
    moderator: User,
    second_moderator: User,
    signed_in: SignedIn,
) -> None:
    detection = record_detection(
        author=practitioner,
        conversation=conversation,
        text="Send it to my PayPal",
        categories=["off_platform_payment"],
    )
    act(moderator, report)
    appeal = appeals.file_appeal(
        action=ModerationAction.objects.get(), appellant=practitioner, grounds="It was the fee"
    )
    browser = signed_in(second_moderator)
    pages = [
        reverse("safety:moderate_detection", kwargs={"detection_id": detection.pk}),
        reverse("safety:moderate_appeal", kwargs={"appeal_id": appeal.pk}),
        reverse("safety:moderate_detection", kwargs={"detection_id": detection.pk}),
    ]
    for url in pages:
        assert browser.get(url).status_code == 200
    opened = AuditEvent.objects.filter(
        action="safety.evidence_opened", actor_id=second_moderator.pk
    ).order_by("seq")
    assert [event.object_id for event in opened] == [
        str(detection.pk),
        str(appeal.pk),
        str(detection.pk),
    ]


def test_people_who_are_not_moderators_never_reach_the_queue_or_a_report(
    report: Report, practitioner: User, officer: User, signed_in: SignedIn
) -> None:
    for person in (practitioner, officer):
        browser = signed_in(person)
        assert browser.get(reverse("safety:queue")).status_code == 403
        url = reverse("safety:moderate_report", kwargs={"report_id": report.pk})
        assert browser.get(url).status_code == 403


def test_a_suspension_with_a_referral_ends_sessions_and_tells_both_sides(
    conversation: Conversation,
    client_person: User,
    moderator: User,
    signed_in: SignedIn,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[object]],
) -> None:
    load_reference_data()
    practitioner = registered_practitioner(legal_name="Pat Lee")
    enquiry = messaging.enquiry(client_person, practitioner)
    message = messaging.send(enquiry, practitioner, "Text me on WhatsApp")
    filed = file_report(
        reporter=client_person,
        target=access.target_for_message(client_person, message.pk),
        category="boundary",
        details="",
    ).report
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(moderator, filed, kind="suspend", refer=True)
    practitioner.refresh_from_db()
    assert not practitioner.is_active
    kinds = set(ModerationAction.objects.values_list("kind", flat=True))
    assert kinds == {"suspend", "refer"}
    referral = RegulatorReferral.objects.get()
    assert referral.regulator.slug == "social-work-england"
    filed.refresh_from_db()
    assert filed.status == "closed"
    assert filed.outcome == "action_taken"
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert "reviewed" in subjects[client_person.email]
    assert "decision about your account" in subjects[practitioner.email]
    # Nothing of the decision in any email: only that it exists, and a link.
    assert all("WhatsApp" not in sent.body and "suspend" not in sent.body for sent in mail.outbox)
    # The reporter sees the outcome, never the sanction.
    page = signed_in(client_person).get(reverse("safety:my_report", kwargs={"report_id": filed.pk}))
    assert "we acted under our rules" in page.content.decode()
    assert "suspend" not in page.content.decode().lower()


def test_a_suspended_practitioner_reads_the_statement_and_appeals_by_the_signed_link(
    report: Report, practitioner: User, moderator: User, second_moderator: User, client: Client
) -> None:
    act(moderator, report, kind="suspend")
    action = ModerationAction.objects.get()
    url = reverse("safety:decision_by_link", kwargs={"token": decision_token(str(action.pk))})
    page = client.get(url).content.decode()
    assert "Your account is suspended" in page
    assert "Payments go through Casework" in page  # the rule, quoted
    assert "You asked a client for a gift card." in page
    assert client.post(url, {"grounds": "It was a joke"}).status_code == 302
    appeal = Appeal.objects.get()
    # The moderator who decided cannot decide the appeal.
    with pytest.raises(ValidationError, match="another moderator"):
        appeals.decide_appeal(appeal=appeal, moderator=moderator, overturn=True, explanation="Mine")
    appeals.decide_appeal(
        appeal=appeal, moderator=second_moderator, overturn=True, explanation="Too harsh"
    )
    practitioner.refresh_from_db()
    assert practitioner.is_active
    action.refresh_from_db()
    assert not action.in_force
    again = client.post(url, {"grounds": "And again"})
    assert again.status_code == 400
    assert "You have already appealed this decision" in again.content.decode()
    assert "final" in again.content.decode()
    assert Appeal.objects.count() == 1


def test_a_second_appeal_while_the_first_waits_is_refused_with_the_reason(
    report: Report, practitioner: User, moderator: User, signed_in: SignedIn
) -> None:
    act(moderator, report)
    action = ModerationAction.objects.get()
    url = reverse("safety:appeal_decision", kwargs={"action_id": action.pk})
    browser = signed_in(practitioner)
    assert browser.post(url, {"grounds": "It was the fee"}).status_code == 302
    again = browser.post(url, {"grounds": "And again"})
    assert again.status_code == 400
    assert "You have already appealed this decision" in again.content.decode()
    assert Appeal.objects.get().grounds == "It was the fee"


def test_a_forged_decision_link_is_404(client: Client) -> None:
    url = reverse("safety:decision_by_link", kwargs={"token": "forged"})
    assert client.get(url).status_code == 404


def test_a_decided_appeal_is_final(
    report: Report, moderator: User, second_moderator: User, practitioner: User
) -> None:
    act(moderator, report)
    appeal = appeals.file_appeal(
        action=ModerationAction.objects.get(), appellant=practitioner, grounds="Unfair"
    )
    appeals.decide_appeal(
        appeal=appeal, moderator=second_moderator, overturn=False, explanation="It stands"
    )
    third = factories.ModeratorFactory.create(legal_name="Third Person")
    with pytest.raises(ValidationError, match="final"):
        appeals.decide_appeal(appeal=appeal, moderator=third, overturn=True, explanation="No")


def test_the_appellant_is_emailed_that_the_appeal_was_decided_and_is_final(
    report: Report,
    moderator: User,
    second_moderator: User,
    practitioner: User,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[object]],
) -> None:
    act(moderator, report, kind="suspend")
    action = ModerationAction.objects.get()
    appeal = appeals.file_appeal(action=action, appellant=practitioner, grounds="Unfair")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeals.decide_appeal(
            appeal=appeal, moderator=second_moderator, overturn=False, explanation="It stands"
        )
    [sent] = mail.outbox
    assert sent.to == [practitioner.email]
    assert sent.subject == "[Casework] Your appeal was decided"
    assert "It is final." in sent.body
    # Still suspended: the signed link opens the statement and the decision on the appeal.
    token = DECISION_LINK.search(str(sent.body))
    assert token is not None
    assert action_id_from_token(token.group(1)) == str(action.pk)
    assert "It stands" not in sent.body


def test_acting_on_a_closed_report_is_refused_and_changes_nothing(
    report: Report, moderator: User, second_moderator: User, signed_in: SignedIn
) -> None:
    act(moderator, report)
    response = signed_in(second_moderator).post(
        reverse("safety:moderate_report", kwargs={"report_id": report.pk}),
        {"kind": "suspend", "rule": "harassment", "reason": "More"},
    )
    assert response.status_code == 400
    assert ModerationAction.objects.count() == 1


def test_a_moderator_cannot_decide_their_own_report(
    conversation: Conversation, client_person: User, moderator: User, second_moderator: User
) -> None:
    moderation = messaging_services.start_moderator_conversation(
        moderator=moderator, person=client_person, body="About your message"
    )
    rude = messaging.send(moderation, client_person, "Leave me alone, idiot")
    own = file_report(
        reporter=moderator,
        target=access.target_for_message(moderator, rude.pk),
        category="harassment",
        details="",
    ).report
    with pytest.raises(ValidationError, match="another moderator"):
        act(moderator, own)
    act(second_moderator, own)
    assert ModerationAction.objects.get().moderator == second_moderator


def test_a_restriction_stops_new_enquiries_and_bookings(
    report: Report, practitioner: User, moderator: User, client_person: User
) -> None:
    act(moderator, report, kind="restrict")
    assert is_restricted(practitioner)
    newcomer = factories.ClientFactory.create(alias="Kim")
    with pytest.raises(ValidationError, match="not taking enquiries"):
        messaging.enquiry(newcomer, practitioner)
    from casework.scheduling.services.booking import refuse_unless_practitioner_bookable

    with pytest.raises(ValidationError, match="not taking bookings"):
        refuse_unless_practitioner_bookable(practitioner)


def test_a_hidden_message_is_hidden_from_the_conversation(
    report: Report,
    conversation: Conversation,
    client_person: User,
    moderator: User,
    signed_in: SignedIn,
) -> None:
    act(moderator, report, kind="hide")
    url = reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})
    page = signed_in(client_person).get(url).content.decode()
    assert "A moderator hid this message." in page
    assert "Amazon gift card" not in page


def test_a_detection_is_decided_once(
    conversation: Conversation, practitioner: User, moderator: User, signed_in: SignedIn
) -> None:
    detection = record_detection(
        author=practitioner, conversation=conversation, text="pay by crypto", categories=["payment"]
    )
    url = reverse("safety:moderate_detection", kwargs={"detection_id": detection.pk})
    browser = signed_in(moderator)
    assert "pay by crypto" in browser.get(url).content.decode()
    decided = browser.post(url, {"kind": "dismiss", "reason": "A joke between colleagues"})
    assert decided.status_code == 302
    again = browser.post(url, {"kind": "warn", "rule": "spam", "reason": "x"})
    assert again.status_code == 400
    assert "already decided" in again.content.decode()


@pytest.mark.parametrize("overturn", [True, False])
def test_the_reporter_reads_that_the_action_was_withdrawn_when_an_appeal_overturns_it(
    report: Report,
    practitioner: User,
    client_person: User,
    moderator: User,
    second_moderator: User,
    signed_in: SignedIn,
    overturn: bool,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[object]],
) -> None:
    act(moderator, report)
    action = ModerationAction.objects.get()
    appeal = appeals.file_appeal(action=action, appellant=practitioner, grounds="It was the fee")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeals.decide_appeal(
            appeal=appeal, moderator=second_moderator, overturn=overturn, explanation="Reviewed"
        )
    report.refresh_from_db()
    page = signed_in(client_person).get(
        reverse("safety:my_report", kwargs={"report_id": report.pk})
    )
    told = [sent for sent in mail.outbox if sent.to == [client_person.email]]
    if overturn:
        assert report.outcome == Report.Outcome.REVERSED
        assert "the action was withdrawn" in page.content.decode()
        assert len(told) == 1  # reviewed again: the reporter is told, as at the first decision
        assert "reviewed" in told[0].subject
    else:
        assert report.outcome == Report.Outcome.ACTION_TAKEN
        assert "we acted under our rules" in page.content.decode()
        assert told == []
    assert "warn" not in page.content.decode().lower()
