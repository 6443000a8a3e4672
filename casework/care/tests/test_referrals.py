"""Referral and transfer: only what the client agreed to, seen by the client, withdrawable."""

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from casework.accounts.models import User
from casework.care.models import Case, CaseSource, Referral, ReferralStatus
from casework.care.services import cases, referrals
from casework.messaging.models import Conversation
from casework.privacy.models import AuditEvent
from casework.testing import messaging
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.django_db
LETTER = "Robin would benefit from a housing specialist."


def propose(case: Case, to: User, kind: str = "referral") -> Referral:
    return referrals.propose_referral(
        case=case,
        practitioner=case.practitioner,
        to_practitioner=to,
        kind=kind,
        items=["emergency", "scores", "location"],
        summary=LETTER,
    )


@pytest.fixture
def detailed(case: Case, practitioner: User) -> Case:
    return cases.update_case_details(
        case=case,
        actor=practitioner,
        client_location=messaging.place("GB-ENG"),
        emergency_contact="Sam, brother",
        crisis_plan="Call Sam first",
    )


def test_nothing_reaches_the_other_practitioner_before_the_client_agrees(
    detailed: Case, other_practitioner: User, client: Client
) -> None:
    referral = propose(detailed, other_practitioner)
    client.force_login(other_practitioner)
    assert client.get(f"/care/referrals/{referral.pk}/").status_code == 404
    client.force_login(detailed.client)
    page = client.get(f"/care/referrals/{referral.pk}/")
    assert page.status_code == 200
    assert LETTER in page.content.decode()


def test_the_recipient_sees_only_what_the_client_chose(
    detailed: Case, other_practitioner: User, client: Client
) -> None:
    referral = propose(detailed, other_practitioner)
    client.force_login(detailed.client)
    refused = client.post(f"/care/referrals/{referral.pk}/", {"decision": "agree"})
    assert refused.status_code == 400
    agreed = client.post(
        f"/care/referrals/{referral.pk}/", {"decision": "agree", "items": ["summary", "location"]}
    )
    assert agreed.status_code == 302
    client.force_login(other_practitioner)
    html = client.get(f"/care/referrals/{referral.pk}/").content.decode()
    assert LETTER in html
    assert "England" in html
    assert "Call Sam first" not in html
    assert "Sam, brother" not in html
    assert AuditEvent.objects.filter(action="care.referral_read").exists()


def test_the_client_withdraws_and_the_recipient_loses_sight_at_once(
    detailed: Case,
    other_practitioner: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    referral = propose(detailed, other_practitioner)
    referrals.answer_referral(
        referral=referral, client=detailed.client, agree=True, items=["summary", "emergency"]
    )
    client.force_login(other_practitioner)
    assert "Call Sam first" in client.get(f"/care/referrals/{referral.pk}/").content.decode()
    client.force_login(detailed.client)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/care/referrals/{referral.pk}/withdraw/", {"confirmed": "yes"})
    client.force_login(other_practitioner)
    assert client.get(f"/care/referrals/{referral.pk}/").status_code == 404
    assert {m.to[0] for m in mail.outbox} == {other_practitioner.email, detailed.practitioner.email}


def test_the_client_can_decline(detailed: Case, other_practitioner: User) -> None:
    referral = propose(detailed, other_practitioner)
    done = referrals.answer_referral(referral=referral, client=detailed.client, agree=False)
    assert done.status == ReferralStatus.DECLINED
    assert done.shared_items == []
    with pytest.raises(ValidationError, match="already been decided"):
        referrals.answer_referral(referral=referral, client=detailed.client, agree=True)


def test_the_client_cannot_share_what_was_not_proposed(
    detailed: Case, other_practitioner: User
) -> None:
    referral = referrals.propose_referral(
        case=detailed,
        practitioner=detailed.practitioner,
        to_practitioner=other_practitioner,
        kind="referral",
        items=[],
        summary=LETTER,
    )
    with pytest.raises(ValidationError, match="cannot be shared"):
        referrals.answer_referral(
            referral=referral, client=detailed.client, agree=True, items=["emergency"]
        )


def test_taking_on_a_referral_opens_the_recipients_own_case(
    detailed: Case, other_practitioner: User
) -> None:
    referral = propose(detailed, other_practitioner)
    referrals.answer_referral(
        referral=referral, client=detailed.client, agree=True, items=["summary", "location"]
    )
    new_case = referrals.accept_referral(referral=referral, recipient=other_practitioner)
    assert new_case.pk != detailed.pk
    assert new_case.source == CaseSource.REFERRAL
    assert new_case.client_location_id == "GB-ENG"
    assert Case.objects.get(pk=detailed.pk).practitioner_id == detailed.practitioner_id


def test_a_transfer_hands_the_case_over_once_the_client_agrees(
    detailed: Case, practitioner: User, other_practitioner: User, client: Client
) -> None:
    referral = propose(detailed, other_practitioner, kind="transfer")
    with pytest.raises(ValidationError, match="not waiting"):
        referrals.accept_referral(referral=referral, recipient=other_practitioner)
    referrals.answer_referral(
        referral=referral, client=detailed.client, agree=True, items=["summary"]
    )
    client.force_login(other_practitioner)
    response = client.post(f"/care/referrals/{referral.pk}/accept/")
    assert response.status_code == 302
    moved = Case.objects.get(pk=detailed.pk)
    assert moved.practitioner_id == other_practitioner.pk
    # The case conversation follows the client to their new practitioner.
    assert Conversation.objects.get(kind="case", state="open").practitioner_id == (
        other_practitioner.pk
    )
    client.force_login(practitioner)
    assert client.get(f"/care/clients/{detailed.pk}/").status_code == 404
    with pytest.raises(ValidationError, match="complete"):
        referrals.withdraw_referral(referral=referral, person=detailed.client)


def test_a_referral_goes_to_another_verified_practitioner_with_a_letter(
    detailed: Case, practitioner: User
) -> None:
    with pytest.raises(ValidationError, match="another verified practitioner"):
        propose(detailed, practitioner)
    with pytest.raises(ValidationError, match="another verified practitioner"):
        propose(detailed, PractitionerFactory.create())  # no verified registration
    with pytest.raises(ValidationError, match="letter"):
        referrals.propose_referral(
            case=detailed,
            practitioner=practitioner,
            to_practitioner=PractitionerFactory.create(),
            kind="referral",
            items=[],
            summary=" ",
        )


def test_the_recipient_may_decline(detailed: Case, other_practitioner: User) -> None:
    referral = propose(detailed, other_practitioner)
    referrals.answer_referral(
        referral=referral, client=detailed.client, agree=True, items=["summary"]
    )
    done = referrals.decline_referral(referral=referral, recipient=other_practitioner)
    assert done.status == ReferralStatus.REFUSED


def test_the_refer_page_answers_alike_for_every_address(
    detailed: Case, practitioner: User, other_practitioner: User, client: Client
) -> None:
    """Whether an address is a practitioner's is never told: a verified colleague, an
    unverified account, a client's address and nobody's get the same answer."""
    unverified = PractitionerFactory.create(email="unverified@example.org")
    client.force_login(practitioner)
    answers = []
    for email in (other_practitioner.email, unverified.email, "robin@example.org", "x@y.org"):
        response = client.post(
            f"/care/clients/{detailed.pk}/refer/",
            {"kind": "referral", "email": email, "summary": LETTER},
            follow=True,
        )
        page = response.content.decode()
        assert "If this address belongs to a verified practitioner" in page
        answers.append((response.status_code, response.redirect_chain))
    assert len(set(map(repr, answers))) == 1
    assert list(Referral.objects.values_list("to_practitioner_id", flat=True)) == [
        other_practitioner.pk
    ]


def test_the_refer_page_still_explains_a_missing_letter(
    detailed: Case, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    response = client.post(
        f"/care/clients/{detailed.pk}/refer/",
        {"kind": "referral", "email": "nobody@example.org", "summary": " "},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


# Sharing by consent (issue 16) ---------------------------------------------------------------


def test_a_transfer_recipient_never_sees_emergency_details_the_client_did_not_tick(
    detailed: Case, other_practitioner: User, client: Client
) -> None:
    transfer = propose(detailed, other_practitioner, kind="transfer")
    referrals.answer_referral(
        referral=transfer, client=detailed.client, agree=True, items=["summary", "location"]
    )
    client.force_login(other_practitioner)
    before = client.get(f"/care/referrals/{transfer.pk}/").content.decode()
    assert "Call Sam first" not in before
    assert "Sam, brother" not in before
    client.post(f"/care/referrals/{transfer.pk}/accept/")
    for page in (
        f"/care/clients/{detailed.pk}/",
        f"/care/clients/{detailed.pk}/details/",
        f"/care/referrals/{transfer.pk}/",
    ):
        html = client.get(page).content.decode()
        assert "Call Sam first" not in html, page
        assert "Sam, brother" not in html, page
    moved = Case.objects.get(pk=detailed.pk)
    assert (moved.emergency_contact, moved.crisis_plan) == (None, None)
    assert moved.client_location_id == "GB-ENG"  # ticked, so it went with the case
    handed = AuditEvent.objects.get(action="care.case_transferred")
    assert handed.detail["withheld"] == ["emergency", "scores"]


def test_a_transfer_carries_the_emergency_details_when_the_client_ticks_them(
    detailed: Case, other_practitioner: User, client: Client
) -> None:
    transfer = propose(detailed, other_practitioner, kind="transfer")
    referrals.answer_referral(
        referral=transfer, client=detailed.client, agree=True, items=["summary", "emergency"]
    )
    referrals.accept_referral(referral=transfer, recipient=other_practitioner)
    client.force_login(other_practitioner)
    assert "Call Sam first" in client.get(f"/care/clients/{detailed.pk}/").content.decode()
    assert Case.objects.get(pk=detailed.pk).client_location_id is None  # not ticked


def test_a_referral_stops_sharing_when_its_case_closes_until_the_client_renews_it(
    detailed: Case, other_practitioner: User, client: Client
) -> None:
    referral = propose(detailed, other_practitioner)
    referrals.answer_referral(
        referral=referral, client=detailed.client, agree=True, items=["summary", "emergency"]
    )
    referrals.accept_referral(referral=referral, recipient=other_practitioner)
    url = f"/care/referrals/{referral.pk}/"
    client.force_login(other_practitioner)
    assert "Call Sam first" in client.get(url).content.decode()
    cases.change_case_status(case=detailed, actor=detailed.practitioner, to_status="closed")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.LAPSED
    client.force_login(other_practitioner)
    assert client.get(url).status_code == 404
    assert "Call Sam first" not in client.get("/care/referrals/").content.decode()
    # The client still sees it, on a page that lists no open case, and renews it.
    client.force_login(detailed.client)
    page = client.get("/care/my/").content.decode()
    assert "Ended with a closed case" in page
    assert f"/care/referrals/{referral.pk}/renew/" in page
    client.post(f"/care/referrals/{referral.pk}/renew/")
    renewed = Referral.objects.get(pk=referral.pk)
    assert (renewed.status, renewed.renewed_at is not None) == (ReferralStatus.ACCEPTED, True)
    client.force_login(other_practitioner)
    assert "Call Sam first" in client.get(url).content.decode()
    # ...and withdraws it again from her page: the recipient loses sight at once.
    client.force_login(detailed.client)
    assert f"/care/referrals/{referral.pk}/withdraw/" in client.get("/care/my/").content.decode()
    client.post(f"/care/referrals/{referral.pk}/withdraw/", {"confirmed": "yes"})
    client.force_login(other_practitioner)
    assert client.get(url).status_code == 404


def test_the_client_sees_and_withdraws_every_live_share_from_her_page(
    detailed: Case, other_practitioner: User, client: Client
) -> None:
    referral = propose(detailed, other_practitioner)
    referrals.answer_referral(
        referral=referral, client=detailed.client, agree=True, items=["summary", "location"]
    )
    referrals.accept_referral(referral=referral, recipient=other_practitioner)
    client.force_login(detailed.client)
    page = client.get("/care/my/").content.decode()
    assert "What you share, and with whom" in page
    assert "The referral letter, Where you are" in page
    response = client.post(f"/care/referrals/{referral.pk}/withdraw/", {"confirmed": "yes"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.WITHDRAWN
    assert "You share nothing with anyone" in client.get("/care/my/").content.decode()
