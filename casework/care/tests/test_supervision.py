"""Supervision by agreement: a verified practitioner who accepts reads the supervised
practitioner's notes, the client is told and can end it, and it ends with the case or the
transfer. Each leak path of issue 16 has its test here."""

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from casework.accounts.models import User
from casework.care.models import Case, CaseNote, Supervision, SupervisionEnd, SupervisionStatus
from casework.care.services import cases, notes, referrals
from casework.care.services import supervision as supervisions
from casework.events.models import OutboxEvent
from casework.privacy.models import AuditEvent
from casework.testing import care
from casework.testing.factories import ClientFactory, PractitionerFactory

pytestmark = pytest.mark.django_db
# The page differs by its CSRF tokens alone (new on every page): they are left out.
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')


def write(case: Case, text: str = "Slept badly") -> CaseNote:
    return notes.write_note(
        case=case,
        author=case.practitioner,
        template="dap",
        session_on=case.opened_at.date(),
        sections={"data": text},
    )


def invite(case: Case, person: User) -> Supervision:
    return supervisions.invite_supervisor(
        case=case, practitioner=case.practitioner, email=person.email
    )


def reads(client: Client, person: User, note: CaseNote) -> int:
    client.force_login(person)
    return client.get(f"/care/notes/{note.pk}/").status_code


def test_an_unverified_practitioner_never_supervises(case: Case, client: Client) -> None:
    unverified = PractitionerFactory.create()
    note = write(case)
    invitation = invite(case, unverified)
    # Nobody verified has the address: the invitation names no one, so no one can accept it.
    assert invitation.supervisor_id is None
    with pytest.raises(ValidationError):
        supervisions.answer_invitation(supervision=invitation, supervisor=unverified, accept=True)
    assert reads(client, unverified, note) == 404
    assert client.get("/care/supervision/").content.decode().count("Accept") == 0


def test_a_supervisor_who_loses_their_registration_reads_nothing_more(
    case: Case, client: Client
) -> None:
    supervisor = care.verified_practitioner()
    care.supervise(case, supervisor)
    note = write(case)
    assert reads(client, supervisor, note) == 200
    from casework.registry.models import RegisterEntry

    RegisterEntry.objects.filter(claims__practitioner=supervisor).update(status="suspended")
    assert reads(client, supervisor, note) == 404


def test_a_supervisor_named_without_agreement_sees_nothing_until_they_accept(
    case: Case, client: Client
) -> None:
    supervisor = care.verified_practitioner()
    note = write(case)
    invitation = invite(case, supervisor)
    assert invitation.status == SupervisionStatus.INVITED
    assert reads(client, supervisor, note) == 404
    assert client.get(f"/care/emergency/{case.pk}/").status_code == 404
    page = client.get("/care/supervision/").content.decode()
    assert "asks you to supervise" in page
    assert case.client.display_name not in page  # nothing of the case before accepting
    response = client.post(
        f"/care/supervision/{invitation.pk}/answer/", {"decision": "accept"}, follow=True
    )
    assert "You supervise this case now" in response.content.decode()
    assert reads(client, supervisor, note) == 200


def test_a_declined_invitation_gives_nothing(case: Case, client: Client) -> None:
    supervisor = care.verified_practitioner()
    note = write(case)
    invitation = invite(case, supervisor)
    client.force_login(supervisor)
    client.post(f"/care/supervision/{invitation.pk}/answer/", {"decision": "decline"})
    assert Supervision.objects.get().status == SupervisionStatus.DECLINED
    assert reads(client, supervisor, note) == 404


def test_the_client_is_told_sees_who_supervises_and_can_end_it(case: Case, client: Client) -> None:
    supervisor = care.verified_practitioner(legal_name="Sam Achebe")
    invitation = invite(case, supervisor)
    client.force_login(case.client)
    assert "Sam Achebe" not in client.get("/care/my/").content.decode()  # only once accepted
    supervisions.answer_invitation(supervision=invitation, supervisor=supervisor, accept=True)
    told = OutboxEvent.objects.filter(name="care.supervision_answered").get()
    assert told.payload["accepted"] is True
    assert told.payload["client_id"] == case.client_id
    page = client.get("/care/my/").content.decode()
    assert "Sam Achebe supervises your work with" in page
    note = write(case)
    response = client.post(
        f"/care/supervision/{invitation.pk}/end/", {"confirmed": "yes"}, follow=True
    )
    assert response.status_code == 200
    ended = Supervision.objects.get()
    assert (ended.status, ended.end_reason) == (SupervisionStatus.ENDED, SupervisionEnd.CLIENT)
    assert reads(client, supervisor, note) == 404
    assert AuditEvent.objects.filter(
        action="care.supervision_ended", actor_id=case.client_id
    ).exists()


def test_supervision_ends_when_the_case_closes(case: Case, client: Client) -> None:
    supervisor = care.verified_practitioner()
    care.supervise(case, supervisor)
    note = write(case)
    cases.change_case_status(case=case, actor=case.practitioner, to_status="closed")
    assert Supervision.objects.get().end_reason == SupervisionEnd.CASE_CLOSED
    assert reads(client, supervisor, note) == 404


def test_after_a_transfer_the_new_practitioners_supervisor_reads_no_earlier_note(
    case: Case, other_practitioner: User, client: Client
) -> None:
    old_supervisor = care.verified_practitioner()
    care.supervise(case, old_supervisor)
    earlier = write(case, "Before the handover")
    transfer = referrals.propose_referral(
        case=case,
        practitioner=case.practitioner,
        to_practitioner=other_practitioner,
        kind="transfer",
        items=[],
        summary="Moving to Jonas",
    )
    referrals.answer_referral(referral=transfer, client=case.client, agree=True, items=["summary"])
    moved = referrals.accept_referral(referral=transfer, recipient=other_practitioner)
    # The supervision of the previous practitioner's work ended with the transfer.
    assert Supervision.objects.get().end_reason == SupervisionEnd.TRANSFERRED
    assert reads(client, old_supervisor, earlier) == 404
    # The new practitioner chooses again: an unverified colleague cannot accept; a verified one
    # who accepts reads the new practitioner's notes, never the earlier ones.
    unverified = PractitionerFactory.create()
    named = invite(moved, unverified)
    assert named.supervisor_id is None
    assert reads(client, unverified, earlier) == 404
    new_supervisor = care.verified_practitioner()
    invitation = invite(moved, new_supervisor)
    assert reads(client, new_supervisor, earlier) == 404  # not accepted yet
    supervisions.answer_invitation(supervision=invitation, supervisor=new_supervisor, accept=True)
    later = write(moved, "After the handover")
    assert reads(client, new_supervisor, later) == 200
    assert reads(client, new_supervisor, earlier) == 404
    page = client.get("/care/supervision/").content.decode()
    assert str(later.pk) in page
    assert str(earlier.pk) not in page


def test_the_supervisor_form_answers_alike_for_every_address(
    case: Case, client: Client, frozen: Any
) -> None:
    verified = care.verified_practitioner(email="verified@example.org")
    PractitionerFactory.create(email="unverified@example.org")
    ClientFactory.create(email="someone@example.org")
    client.force_login(case.practitioner)
    answers = []
    for email in (
        verified.email,
        "unverified@example.org",
        "someone@example.org",
        case.practitioner.email,
        "nobody@example.org",
    ):
        response = client.post(f"/care/clients/{case.pk}/supervisor/", {"email": email})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "If this address belongs to a verified practitioner" in page
        assert f"Invitation sent to {email}" in page
        answers.append(CSRF.sub("", page.replace(email, "ADDRESS")))
    assert len(set(answers)) == 1
    # Every address got an invitation and its event; only the verified colleague can accept.
    assert Supervision.objects.count() == 5
    assert OutboxEvent.objects.filter(name="care.supervision_invited").count() == 5
    assert list(
        Supervision.objects.filter(supervisor__isnull=False).values_list("supervisor", flat=True)
    ) == [verified.pk]


def test_the_practitioner_ends_a_supervision_and_the_supervisor_may_step_down(
    case: Case, client: Client
) -> None:
    supervisor = care.verified_practitioner()
    care.supervise(case, supervisor)
    client.force_login(supervisor)
    found = Supervision.objects.get()
    client.post(f"/care/supervision/{found.pk}/end/", {"confirmed": "yes"})
    assert Supervision.objects.get().end_reason == SupervisionEnd.SUPERVISOR
    care.supervise(case, supervisor)
    client.force_login(case.practitioner)
    client.post(f"/care/clients/{case.pk}/supervisor/", {"action": "stop", "confirmed": "yes"})
    assert not Supervision.objects.filter(status__in=["invited", "accepted"]).exists()
    stranger = ClientFactory.create()
    client.force_login(stranger)
    assert client.post(f"/care/supervision/{found.pk}/end/").status_code == 404


def test_the_client_is_emailed_once_the_supervisor_accepts_and_not_before(
    case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor = care.verified_practitioner()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(case, supervisor)
    assert [m.to for m in mail.outbox] == [[supervisor.email]]  # invited, the client not told
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        supervisions.answer_invitation(supervision=invitation, supervisor=supervisor, accept=True)
    told = {m.to[0]: m.subject for m in mail.outbox}
    assert told[case.client.email] == "[Casework] A supervisor now reads your case notes"
    assert case.practitioner.email in told
