"""Claims: a name match proves nothing; each proof route refuses an impostor without its proof;
one registration has one holder, and a second claim opens a dispute that reviewers decide."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry.claims import (
    Decision,
    add_claim_evidence,
    claim_registration,
    decide_claim,
    withdraw_claim,
)
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator, RegulatorOfficer
from casework.registry.standing import in_good_standing
from casework.testing.factories import PractitionerFactory
from casework.testing.registry import officer_of, prove_by_officer

pytestmark = pytest.mark.django_db

State = RegistrationClaim.State
Route = RegistrationClaim.ProofRoute


@pytest.fixture
def entry(england: Regulator) -> RegisterEntry:
    return RegisterEntry.objects.create(
        regulator=england,
        registration_number="SW123456",
        name="OKAFOR, Amara",
        previous_names=["Amara Eze"],
        status="registered",
    )


@pytest.fixture
def impostor(db: None) -> User:
    """Someone who typed the real registrant's name at sign-up."""
    return PractitionerFactory.create(legal_name="Amara Okafor", email="not-amara@example.net")


def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 a document")


def claim_sw123456(person: User, regulator: Regulator, **documents: object) -> RegistrationClaim:
    return claim_registration(
        practitioner=person,
        regulator=regulator,
        registration_number="sw 123456",
        **documents,  # type: ignore[arg-type]
    )


def test_a_claim_matching_the_register_awaits_proof_and_counts_for_nothing(
    practitioner: User, entry: RegisterEntry
) -> None:
    claim = claim_sw123456(practitioner, entry.regulator)
    assert claim.state == State.AWAITING_PROOF
    assert claim.entry == entry
    assert claim.proof_route == ""
    assert not in_good_standing(practitioner)
    assert not IssuedCredential.objects.exists()
    assert AuditEvent.objects.filter(action="registry.claim_matched").exists()
    assert not AuditEvent.objects.filter(action="registry.claim_verified").exists()


def test_a_claim_under_another_name_waits_for_review(
    other_practitioner: User, entry: RegisterEntry
) -> None:
    claim = claim_sw123456(other_practitioner, entry.regulator, evidence=pdf("cert.pdf"))
    assert claim.state == State.PENDING
    assert claim.entry == entry
    assert not in_good_standing(other_practitioner)


def test_evidence_that_is_not_a_pdf_or_image_is_refused(
    other_practitioner: User, entry: RegisterEntry
) -> None:
    with pytest.raises(ValidationError, match="PDF, PNG or JPEG"):
        claim_sw123456(
            other_practitioner,
            entry.regulator,
            identity_document=SimpleUploadedFile("id.pdf", b"<html>not a pdf</html>"),
        )
    assert not RegistrationClaim.objects.exists()


def test_an_officer_of_the_regulator_confirms_and_the_proof_is_recorded(
    practitioner: User, officer: User, entry: RegisterEntry
) -> None:
    RegulatorOfficer.objects.create(officer=officer, regulator=entry.regulator)
    claim = claim_sw123456(practitioner, entry.regulator)
    with pytest.raises(ValidationError, match="reason"):
        decide_claim(claim=claim, reviewer=officer, decision=Decision.CONFIRM, reason=" ")
    decided = decide_claim(
        claim=claim, reviewer=officer, decision=Decision.CONFIRM, reason="Known to us"
    )
    assert decided.state == State.VERIFIED
    assert (decided.proof_route, decided.proved_by) == (Route.OFFICER, officer)
    assert decided.proved_at is not None
    assert in_good_standing(practitioner)
    assert IssuedCredential.objects.filter(claim=decided, revoked=False).count() == 1
    event = AuditEvent.objects.get(action="registry.claim_verified")
    assert (event.reason, event.detail["route"]) == ("Known to us", "officer")
    with pytest.raises(ValidationError, match="already been decided"):
        decide_claim(claim=claim, reviewer=officer, decision=Decision.REFUSE, reason="again")


def test_an_admin_or_another_regulators_officer_cannot_confirm_as_the_regulator(
    impostor: User, admin_person: User, officer: User, entry: RegisterEntry
) -> None:
    scotland = Regulator.objects.get(slug="sssc")
    RegulatorOfficer.objects.create(officer=officer, regulator=scotland)
    claim = claim_sw123456(impostor, entry.regulator)
    for reviewer in (admin_person, officer):
        with pytest.raises(ValidationError, match="Only an officer of this regulator"):
            decide_claim(claim=claim, reviewer=reviewer, decision=Decision.CONFIRM, reason="Yes")
    claim.refresh_from_db()
    assert claim.state == State.AWAITING_PROOF


def test_verifying_on_evidence_needs_an_identity_and_a_registration_document(
    impostor: User, practitioner: User, admin_person: User, entry: RegisterEntry
) -> None:
    claim = claim_sw123456(impostor, entry.regulator, evidence=pdf())
    with pytest.raises(ValidationError, match="both an identity document"):
        decide_claim(
            claim=claim, reviewer=admin_person, decision=Decision.EVIDENCE, reason="Looks right"
        )
    assert not in_good_standing(impostor)
    real = claim_sw123456(practitioner, entry.regulator)
    add_claim_evidence(
        claim=real,
        practitioner=practitioner,
        identity_document=pdf("passport.pdf"),
        registration_document=pdf("certificate.pdf"),
    )
    decided = decide_claim(
        claim=real, reviewer=admin_person, decision=Decision.EVIDENCE, reason="Passport matches"
    )
    assert (decided.state, decided.proof_route) == (State.VERIFIED, Route.EVIDENCE)
    # Verifying one claim decides the dispute: the other claim is refused, with the reason.
    claim.refresh_from_db()
    assert claim.state == State.REJECTED
    assert "Passport matches" in claim.decision_reason
    decided.refresh_from_db()
    assert decided.disputed_since is None


def test_a_second_claim_on_a_registration_awaiting_proof_opens_a_dispute_and_tells_the_first(
    impostor: User,
    practitioner: User,
    entry: RegisterEntry,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    first = claim_sw123456(impostor, entry.regulator)
    with django_capture_on_commit_callbacks(execute=True):
        second = claim_sw123456(practitioner, entry.regulator)
    first.refresh_from_db()
    assert first.state == second.state == State.AWAITING_PROOF
    assert first.in_dispute
    assert second.in_dispute
    [told] = mail.outbox
    assert told.to == ["not-amara@example.net"]
    assert "SW123456" in told.body
    assert "amara@example.org" not in told.body  # the other claimant is not named


def test_a_second_claim_on_a_held_registration_changes_nothing_for_clients(
    practitioner: User,
    impostor: User,
    entry: RegisterEntry,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    holder = prove_by_officer(claim_sw123456(practitioner, entry.regulator))
    with django_capture_on_commit_callbacks(execute=True):
        rival = claim_sw123456(impostor, entry.regulator)
    holder.refresh_from_db()
    assert holder.state == State.VERIFIED
    assert holder.in_dispute
    assert rival.in_dispute
    assert rival.state == State.AWAITING_PROOF
    assert in_good_standing(practitioner)
    assert not in_good_standing(impostor)
    assert IssuedCredential.objects.filter(claim=holder, revoked=False).exists()
    assert [message.to for message in mail.outbox] == [["amara@example.org"]]


def test_refusing_the_impostor_settles_the_dispute_and_the_holder_keeps_everything(
    practitioner: User, impostor: User, entry: RegisterEntry
) -> None:
    holder = prove_by_officer(claim_sw123456(practitioner, entry.regulator))
    rival = claim_sw123456(impostor, entry.regulator)
    refused = decide_claim(
        claim=rival,
        reviewer=officer_of(entry.regulator),
        decision=Decision.REFUSE,
        reason="The registrant proved control; this account did not.",
    )
    assert refused.state == State.REJECTED
    holder.refresh_from_db()
    assert holder.state == State.VERIFIED
    assert not holder.in_dispute
    assert in_good_standing(practitioner)


def test_the_refused_claimant_is_told_by_the_relay_even_when_nothing_ran_after_the_commit(
    practitioner: User, impostor: User, entry: RegisterEntry
) -> None:
    # No after-commit step runs here (as when the process dies at the commit): the notice waits
    # in the outbox, and the relay's round sends it, once.
    holder = prove_by_officer(claim_sw123456(practitioner, entry.regulator))
    rival = claim_sw123456(impostor, entry.regulator)
    decide_claim(
        claim=rival,
        reviewer=officer_of(entry.regulator),
        decision=Decision.REFUSE,
        reason="The registrant proved control; this account did not.",
    )
    assert holder.pk
    mail.outbox.clear()
    call_command("relay_events")
    call_command("relay_events")
    told = [message.to for message in mail.outbox if message.to == [impostor.email]]
    assert told == [[impostor.email]]


def test_verifying_the_rival_in_a_dispute_takes_the_registration_from_the_holder(
    practitioner: User, impostor: User, entry: RegisterEntry
) -> None:
    """The reviewer found that the earlier holder was the impostor."""
    holder = prove_by_officer(claim_sw123456(impostor, entry.regulator))
    real = claim_sw123456(practitioner, entry.regulator)
    prove_by_officer(real)
    holder.refresh_from_db()
    assert holder.state == State.REJECTED
    assert not IssuedCredential.objects.filter(claim=holder, revoked=False).exists()
    assert not in_good_standing(impostor)
    assert in_good_standing(practitioner)


def test_the_database_refuses_a_second_verified_claim_on_one_entry(
    practitioner: User, impostor: User, entry: RegisterEntry
) -> None:
    prove_by_officer(claim_sw123456(practitioner, entry.regulator))
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationClaim.objects.create(
            practitioner=impostor,
            regulator=entry.regulator,
            registration_number="SW123999",  # a different number, the same entry
            entry=entry,
            state=State.VERIFIED,
            proof_route=Route.OFFICER,
            proved_at=timezone.now(),
        )


def test_the_review_queue_shows_only_the_officers_own_regulators(
    officer: User, other_practitioner: User, entry: RegisterEntry, client: Client
) -> None:
    claim = claim_sw123456(other_practitioner, entry.regulator)
    client.force_login(officer)
    assert client.get(reverse("registry:review_claim", args=[claim.pk])).status_code == 404
    RegulatorOfficer.objects.create(officer=officer, regulator=entry.regulator)
    assert claim.registration_number in client.get(reverse("registry:review_queue")).text
    page = client.get(reverse("registry:review_claim", args=[claim.pk]))
    assert page.status_code == 200
    assert "OKAFOR, Amara" in page.text  # side by side with the entry


def test_an_officer_decides_a_dispute_through_the_review_page(
    officer: User, practitioner: User, impostor: User, entry: RegisterEntry, client: Client
) -> None:
    RegulatorOfficer.objects.create(officer=officer, regulator=entry.regulator)
    rival = claim_sw123456(impostor, entry.regulator)
    real = claim_sw123456(practitioner, entry.regulator)
    client.force_login(officer)
    page = client.get(reverse("registry:review_claim", args=[rival.pk]))
    assert "In dispute." in page.text
    refused = client.post(
        reverse("registry:review_claim", args=[rival.pk]),
        {"decision": "refuse", "reason": "No proof of control"},
    )
    assert refused.status_code == 302
    confirmed = client.post(
        reverse("registry:review_claim", args=[real.pk]),
        {"decision": "confirm", "reason": "On our records"},
    )
    assert confirmed.status_code == 302
    rival.refresh_from_db()
    real.refresh_from_db()
    assert (rival.state, real.state, real.proof_route) == (
        State.REJECTED,
        State.VERIFIED,
        Route.OFFICER,
    )


def test_a_reviewer_without_evidence_gets_a_form_error_not_a_500(
    admin_person: User, impostor: User, entry: RegisterEntry, client: Client
) -> None:
    claim = claim_sw123456(impostor, entry.regulator)
    client.force_login(admin_person)
    response = client.post(
        reverse("registry:review_claim", args=[claim.pk]),
        {"decision": "evidence", "reason": "Trust me"},
    )
    assert response.status_code == 200
    assert "needs both an identity document" in response.text


def test_a_practitioner_claims_through_the_page_and_reads_that_proof_is_needed(
    practitioner: User, entry: RegisterEntry, client: Client
) -> None:
    client.force_login(practitioner)
    response = client.post(
        reverse("registry:my_registrations"),
        {"regulator": "social-work-england", "registration_number": "SW123456"},
    )
    assert response.status_code == 302
    page = client.get(reverse("registry:my_registrations")).text
    assert "Matched, awaiting proof" in page
    assert "Now show that it is yours" in page
    assert "Send me a code" not in page  # the register gives no contact address


def test_identity_evidence_is_sealed_and_served_only_to_reviewers(
    practitioner: User, entry: RegisterEntry, client: Client, admin_person: User
) -> None:
    claim = claim_sw123456(practitioner, entry.regulator)
    client.force_login(practitioner)
    response = client.post(
        reverse("registry:add_claim_evidence", args=[claim.pk]),
        {
            f"evidence-{claim.pk}-identity_document": pdf("passport.pdf"),
            f"evidence-{claim.pk}-registration_document": pdf("certificate.pdf"),
            f"evidence-{claim.pk}-note": "My name changed after my divorce",
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    with claim.identity_document.open("rb") as stored:
        assert b"%PDF" not in stored.read()
    # The note beside the documents is sealed as they are, and read by the reviewer.
    assert "divorce" not in claim.evidence_note
    assert claim.note_given == "My name changed after my divorce"
    assert client.get(reverse("registry:claim_identity_document", args=[claim.pk])).status_code in (
        403,
        404,
    )
    client.force_login(admin_person)
    served = client.get(reverse("registry:claim_identity_document", args=[claim.pk]))
    assert served.status_code == 200
    assert b"".join(served).startswith(b"%PDF")
    review = client.get(reverse("registry:review_claim", args=[claim.pk]))
    assert "My name changed after my divorce" in review.text


def test_withdrawing_an_open_claim_frees_the_registration_and_ends_the_dispute(
    practitioner: User, impostor: User, entry: RegisterEntry
) -> None:
    mine = claim_sw123456(practitioner, entry.regulator)
    theirs = claim_sw123456(impostor, entry.regulator)
    withdraw_claim(claim=theirs, practitioner=impostor)
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.state == State.WITHDRAWN
    assert not mine.in_dispute


def test_clients_cannot_claim_registrations(client_person: User, entry: RegisterEntry) -> None:
    with pytest.raises(ValidationError):
        claim_sw123456(client_person, entry.regulator)


def test_claims_verified_by_a_name_match_alone_are_listed_and_asked_for_proof(
    practitioner: User,
    entry: RegisterEntry,
    capsys: pytest.CaptureFixture[str],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """As the migration that introduced proof left the claims verified before it."""
    RegistrationClaim.objects.create(
        practitioner=practitioner,
        regulator=entry.regulator,
        registration_number=entry.registration_number,
        entry=entry,
        state=State.VERIFIED,
        proof_route=Route.NAME_MATCH,
        proved_at=timezone.now(),
    )
    call_command("claims_without_proof")
    assert "SW123456" in capsys.readouterr().out
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        call_command("claims_without_proof", "--ask")
    [asked] = mail.outbox
    assert asked.to == ["amara@example.org"]
    assert "/practice/registrations/" in asked.body


def test_the_migration_keeps_earlier_verified_claims_verified_and_marks_how(
    practitioner: User, other_practitioner: User, officer: User, entry: RegisterEntry
) -> None:
    """Claims verified before proof existed: by the name match alone, or by a reviewer."""
    migration = importlib.import_module("casework.registry.migrations.0005_claim_proof")
    matched = RegistrationClaim.objects.create(
        practitioner=practitioner,
        regulator=entry.regulator,
        registration_number=entry.registration_number,
        entry=entry,
        state=State.VERIFIED,
        decided_at=timezone.now(),
    )
    other = RegisterEntry.objects.create(
        regulator=entry.regulator,
        registration_number="SW999",
        name="Jonas Berg",
        status="registered",
    )
    reviewed = RegistrationClaim.objects.create(
        practitioner=other_practitioner,
        regulator=entry.regulator,
        registration_number="SW999",
        entry=other,
        state=State.VERIFIED,
        decided_by=officer,
        decided_at=timezone.now(),
    )
    migration.keep_verified_claims(django_apps, None)
    matched.refresh_from_db()
    reviewed.refresh_from_db()
    assert (matched.state, matched.proof_route, matched.proved_by) == (
        State.VERIFIED,
        Route.NAME_MATCH,
        None,
    )
    assert matched.proved_at == matched.decided_at
    assert (reviewed.proof_route, reviewed.proved_by) == (Route.EVIDENCE, officer)
    # The officers of the regulator see the name-match one in their review list.
    RegulatorOfficer.objects.create(officer=officer, regulator=entry.regulator)
    reviewer = Client()
    reviewer.force_login(officer)
    queue = reviewer.get(reverse("registry:review_queue")).text
    assert "SW123456" in queue
    assert "Name match only" in queue
    assert "SW999" not in queue
