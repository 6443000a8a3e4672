"""Informed consent per technology: the guard, giving and withdrawing, the service following."""

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from casework.accounts.models import User
from casework.care import consent
from casework.care.consent import current_text, require_consent
from casework.care.models import (
    Case,
    CaseStatus,
    CheckInStatus,
    Consent,
    PlanStatus,
    Technology,
)
from casework.care.services import cases, consents
from casework.messaging.models import Conversation
from casework.testing import care, messaging
from casework.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db


def give(case: Case, technology: str) -> Consent:
    return consents.give_consent(
        case=case,
        client=case.client,
        technology=technology,
        version=current_text(technology).version,
    )


@pytest.fixture
def assessed(frozen: Any, practitioner: User, client_person: User) -> Case:
    """A case where online work suits the client, who has not consented to anything yet."""
    case = care.open_case(practitioner, client_person)
    return cases.record_online_suitability(case=case, actor=practitioner, suitable=True)


def test_every_technology_has_a_text_covering_what_the_product_requires() -> None:
    for technology in Technology.values:
        text = current_text(technology)
        headings = [str(heading) for heading, _body in text.sections]
        assert headings == [
            "What it is",
            "Risks",
            "Limits of confidentiality",
            "In an emergency",
            "If the connection drops",
        ]
        assert all(str(body) for _heading, body in text.sections)


@pytest.mark.parametrize("technology", Technology.values)
def test_no_service_without_consent(assessed: Case, technology: str) -> None:
    with pytest.raises(ValidationError, match="has not consented") as refused:
        require_consent(assessed, technology)
    assert refused.value.code == "no_consent"
    given = give(assessed, technology)
    assert require_consent(assessed, technology) == given


def test_online_work_must_be_judged_suitable_first(
    frozen: Any, practitioner: User, client_person: User
) -> None:
    case = care.open_case(practitioner, client_person)
    give(case, Technology.CHECK_INS)
    with pytest.raises(ValidationError, match="Record first") as refused:
        require_consent(case, Technology.CHECK_INS)
    assert refused.value.code == "unassessed"
    cases.record_online_suitability(
        case=case, actor=practitioner, suitable=False, alternative="In person"
    )
    with pytest.raises(ValidationError, match="not suitable"):
        require_consent(case, Technology.CHECK_INS)


def test_no_service_on_a_paused_or_closed_case(case: Case, practitioner: User) -> None:
    cases.change_case_status(case=case, actor=practitioner, to_status=CaseStatus.PAUSED)
    with pytest.raises(ValidationError, match="paused"):
        require_consent(case, Technology.VIDEO)
    cases.change_case_status(case=case, actor=practitioner, to_status=CaseStatus.CLOSED)
    with pytest.raises(ValidationError, match="closed"):
        require_consent(case, Technology.VIDEO)


def test_consent_records_the_text_version_and_time(assessed: Case, frozen: Any) -> None:
    given = give(assessed, Technology.VIDEO)
    assert given.text_version == current_text(Technology.VIDEO).version
    assert given.given_at is not None
    assert given.given_by_id == assessed.client_id
    # Giving it again changes nothing.
    assert give(assessed, Technology.VIDEO).pk == given.pk


def test_consent_to_a_text_the_client_did_not_see_is_refused(assessed: Case) -> None:
    with pytest.raises(ValidationError, match="read it again"):
        consents.give_consent(
            case=assessed, client=assessed.client, technology="video", version="1999-01"
        )
    with pytest.raises(ValidationError):
        consents.give_consent(
            case=assessed, client=assessed.client, technology="telepathy", version="x"
        )


def test_only_the_client_gives_consent(assessed: Case, practitioner: User) -> None:
    with pytest.raises(ValidationError, match="Only the client"):
        consents.give_consent(
            case=assessed,
            client=practitioner,
            technology="video",
            version=current_text("video").version,
        )


def test_a_renewed_text_asks_for_consent_again(
    assessed: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    give(assessed, Technology.VIDEO)
    old = current_text(Technology.VIDEO)
    renewed = consent.ConsentText(**{**old.__dict__, "version": "2099-01", "renews": True})
    monkeypatch.setattr(consent, "TEXTS", (*consent.TEXTS, renewed))
    with pytest.raises(ValidationError, match="has not consented"):
        require_consent(assessed, Technology.VIDEO)
    give(assessed, Technology.VIDEO)
    assert require_consent(assessed, Technology.VIDEO).text_version == "2099-01"
    assert Consent.objects.filter(case=assessed, technology="video").count() == 2


def test_withdrawing_check_ins_stops_them(
    case: Case, practitioner: User, django_capture_on_commit_callbacks: Any
) -> None:
    plan = care.plan(case)
    with django_capture_on_commit_callbacks(execute=True):
        consents.withdraw_consent(case=case, client=case.client, technology=Technology.CHECK_INS)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PAUSED
    assert not plan.check_ins.filter(status=CheckInStatus.OPEN).exists()
    with pytest.raises(ValidationError, match="has not consented"):
        care.plan(case, "gad7")
    # The practitioner is told that something changed, not what.
    (email,) = [m for m in mail.outbox if m.to == [practitioner.email]]
    assert "consent" in str(email.subject).lower()
    assert "check-in" not in str(email.body).lower()


def test_consenting_to_messaging_turns_the_enquiry_into_the_case_conversation(
    assessed: Case,
) -> None:
    enquiry = messaging.enquiry(assessed.client, assessed.practitioner)
    give(assessed, Technology.MESSAGING)
    enquiry.refresh_from_db()
    assert enquiry.kind == Conversation.Kind.CASE
    assert enquiry.is_open
    consents.withdraw_consent(
        case=assessed, client=assessed.client, technology=Technology.MESSAGING
    )
    enquiry.refresh_from_db()
    assert not enquiry.is_open


def test_withdrawing_what_was_never_given_changes_nothing(assessed: Case) -> None:
    assert (
        consents.withdraw_consent(case=assessed, client=assessed.client, technology="video") is None
    )


# Pages --------------------------------------------------------------------------------------


def test_the_client_reads_the_text_and_consents(assessed: Case, client: Client) -> None:
    client.force_login(assessed.client)
    url = f"/care/my/{assessed.pk}/consent/video/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Limits of confidentiality" in page.content.decode()
    unticked = client.post(url, {"version": current_text("video").version})
    assert unticked.status_code == 400
    assert "Tick the box" in unticked.content.decode()
    ticked = client.post(url, {"version": current_text("video").version, "agree": "yes"})
    assert ticked.status_code == 302
    assert consent.live_consent(assessed, "video") is not None
    client.post(f"/care/my/{assessed.pk}/consent/video/withdraw/", {"confirmed": "yes"})
    assert consent.live_consent(assessed, "video") is None


def test_consent_pages_belong_to_the_client_of_the_case(
    assessed: Case, client: Client, practitioner: User
) -> None:
    other = ClientFactory.create()
    client.force_login(other)
    assert client.get(f"/care/my/{assessed.pk}/consent/video/").status_code == 404
    client.force_login(assessed.client)
    assert client.get(f"/care/my/{assessed.pk}/consent/telepathy/").status_code == 404
    assert client.get(f"/care/my/{assessed.pk}/consent/video/withdraw/").status_code == 405
    client.force_login(practitioner)
    assert client.get(f"/care/my/{assessed.pk}/consent/video/").status_code == 403


def _case_conversations(case: Case) -> list[Conversation]:
    return list(
        Conversation.objects.filter(
            kind=Conversation.Kind.CASE, client=case.client, practitioner=case.practitioner
        )
    )


def test_consent_to_messaging_on_an_unsuitable_case_opens_no_conversation(
    frozen: Any, practitioner: User, client_person: User
) -> None:
    case = care.open_case(practitioner, client_person)
    cases.record_online_suitability(
        case=case, actor=practitioner, suitable=False, alternative="Meet in person"
    )
    with pytest.raises(ValidationError, match="does not suit you"):
        give(case, Technology.MESSAGING)
    assert _case_conversations(case) == []
    assert not Consent.objects.filter(case=case, technology=Technology.MESSAGING).exists()


def test_consent_to_messaging_on_a_paused_case_opens_no_conversation(
    assessed: Case, practitioner: User
) -> None:
    cases.change_case_status(case=assessed, actor=practitioner, to_status=CaseStatus.PAUSED)
    with pytest.raises(ValidationError, match="paused"):
        give(assessed, Technology.MESSAGING)
    assert _case_conversations(assessed) == []


def test_consent_to_messaging_before_the_assessment_waits_for_it(
    frozen: Any, practitioner: User, client_person: User, client: Client
) -> None:
    case = care.open_case(practitioner, client_person)
    client.force_login(client_person)
    response = client.post(
        f"/care/my/{case.pk}/consent/messaging/",
        {"agree": "yes", "version": current_text(Technology.MESSAGING).version},
        follow=True,
    )
    assert "Secure messages start once your social worker" in response.content.decode()
    assert consent.live_consent(case, Technology.MESSAGING) is not None
    assert _case_conversations(case) == []
    cases.record_online_suitability(case=case, actor=practitioner, suitable=True)
    assert [c.state for c in _case_conversations(case)] == [Conversation.State.OPEN]


def test_recording_online_work_as_unsuitable_closes_the_case_conversation(
    case: Case, practitioner: User
) -> None:
    assert [c.state for c in _case_conversations(case)] == [Conversation.State.OPEN]
    cases.record_online_suitability(
        case=case, actor=practitioner, suitable=False, alternative="Meet in person"
    )
    assert [c.state for c in _case_conversations(case)] == [Conversation.State.CLOSED]


def test_the_consent_text_does_not_claim_emergency_details_are_on_record(
    assessed: Case, client: Client
) -> None:
    client.force_login(assessed.client)
    page = client.get(f"/care/my/{assessed.pk}/consent/video/").content.decode()
    assert "keeps your location, an emergency contact" not in page
    assert "Emergency contact: <strong>not recorded yet</strong>" in page
    assert "Crisis plan: <strong>not written yet</strong>" in page


def test_a_consent_to_the_first_wording_still_counts(assessed: Case) -> None:
    Consent.objects.create(
        case=assessed,
        technology=Technology.VIDEO,
        text_version="2026-01",
        given_at=assessed.opened_at,
        given_by=assessed.client,
    )
    assert current_text(Technology.VIDEO).version == "2026-12"
    assert consent.live_consent(assessed, Technology.VIDEO) is not None


def test_the_practitioner_is_told_of_a_consent_and_the_client_of_the_decision(
    practitioner: User, client_person: User, django_capture_on_commit_callbacks: Any
) -> None:
    case = care.open_case(practitioner, client_person)
    with django_capture_on_commit_callbacks(execute=True):
        cases.record_online_suitability(case=case, actor=practitioner, suitable=True)
    (asked,) = [m for m in mail.outbox if m.to == [client_person.email]]
    assert "consent" in str(asked.subject).lower()
    with django_capture_on_commit_callbacks(execute=True):
        give(case, Technology.VIDEO)
    (told,) = [m for m in mail.outbox if m.to == [practitioner.email]]
    assert "consent" in str(told.subject).lower()
    assert "video" not in str(told.body).lower()  # which service is not said
