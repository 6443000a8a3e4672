"""Proof by a one-time code to the contact address the regulator's export supplies: the code
goes only there, works once, expires, allows few tries, and guessing is rate-limited."""

import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from casework.accounts.models import User
from casework.registry import register_import
from casework.registry.claim_codes import (
    CODE_ATTEMPTS,
    prove_claim_by_code,
    send_claim_code,
)
from casework.registry.claims import claim_registration, withdraw_claim
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import ClaimCode, RegisterEntry, RegistrationClaim, Regulator
from casework.registry.standing import in_good_standing
from casework.testing.factories import PractitionerFactory
from casework.testing.registry import prove_by_officer

pytestmark = pytest.mark.django_db

State = RegistrationClaim.State
CONTACT = "amara.okafor@registrant.example"
NOW = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def entry(england: Regulator) -> RegisterEntry:
    return RegisterEntry.objects.create(
        regulator=england,
        registration_number="SW123456",
        name="OKAFOR, Amara",
        status="registered",
        contact_email=CONTACT,
    )


@pytest.fixture
def claim(practitioner: User, entry: RegisterEntry) -> RegistrationClaim:
    return claim_registration(
        practitioner=practitioner, regulator=entry.regulator, registration_number="SW123456"
    )


def sent_code(
    claim: RegistrationClaim,
    person: User,
    capture: DjangoCaptureOnCommitCallbacks,
) -> str:
    before = len(mail.outbox)
    with capture(execute=True):
        send_claim_code(claim=claim, practitioner=person)
    message = mail.outbox[before]
    found = re.search(r"\b(\d{8})\b", str(message.body))
    assert found, message.body
    return found.group(1)


def test_the_code_goes_only_to_the_registers_contact_address_and_says_only_what_it_is_for(
    claim: RegistrationClaim,
    practitioner: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == [CONTACT]
    assert "SW123456" in message.body
    assert code in message.body
    for private in (practitioner.email, practitioner.legal_name, "Amara"):
        assert private not in message.body
    stored = ClaimCode.objects.get(claim=claim)
    assert code not in stored.code_hash


def test_the_right_code_verifies_the_claim_and_records_the_route(
    claim: RegistrationClaim,
    practitioner: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
    proved = prove_claim_by_code(
        claim=claim, practitioner=practitioner, code=f" {code[:4]} {code[4:]}"
    )
    assert proved.state == State.VERIFIED
    assert proved.proof_route == RegistrationClaim.ProofRoute.EMAILED_CODE
    assert proved.proved_by == practitioner
    assert proved.proved_at is not None
    assert in_good_standing(practitioner)
    assert IssuedCredential.objects.filter(claim=proved, revoked=False).count() == 1


def test_a_code_works_once(
    claim: RegistrationClaim,
    practitioner: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
    prove_claim_by_code(claim=claim, practitioner=practitioner, code=code)
    with pytest.raises(ValidationError):
        prove_claim_by_code(claim=claim, practitioner=practitioner, code=code)
    assert IssuedCredential.objects.filter(claim=claim).count() == 1


def test_a_used_code_cannot_prove_a_later_claim(
    practitioner: User,
    entry: RegisterEntry,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    claim = claim_registration(
        practitioner=practitioner, regulator=entry.regulator, registration_number="SW123456"
    )
    code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
    prove_claim_by_code(claim=claim, practitioner=practitioner, code=code)
    withdraw_claim(claim=claim, practitioner=practitioner)
    again = claim_registration(
        practitioner=practitioner, regulator=entry.regulator, registration_number="SW123456"
    )
    with pytest.raises(ValidationError, match="expired or was already used"):
        prove_claim_by_code(claim=again, practitioner=practitioner, code=code)
    again.refresh_from_db()
    assert again.state == State.AWAITING_PROOF


def test_an_expired_code_is_refused(
    claim: RegistrationClaim,
    practitioner: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
        traveller.shift(timedelta(minutes=15, seconds=1))
        with pytest.raises(ValidationError, match="expired"):
            prove_claim_by_code(claim=claim, practitioner=practitioner, code=code)
    claim.refresh_from_db()
    assert claim.state == State.AWAITING_PROOF


def test_a_new_code_replaces_the_old_one_and_resending_waits_a_minute(
    claim: RegistrationClaim,
    practitioner: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        old = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
        with pytest.raises(ValidationError, match="less than a minute ago"):
            send_claim_code(claim=claim, practitioner=practitioner)
        traveller.shift(timedelta(minutes=1))
        new = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
        if old != new:
            with pytest.raises(ValidationError):
                prove_claim_by_code(claim=claim, practitioner=practitioner, code=old)
        assert prove_claim_by_code(claim=claim, practitioner=practitioner, code=new).state == (
            State.VERIFIED
        )


def test_at_most_five_codes_a_day(
    claim: RegistrationClaim,
    practitioner: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        for _ in range(5):
            sent_code(claim, practitioner, django_capture_on_commit_callbacks)
            traveller.shift(timedelta(minutes=2))
        with pytest.raises(ValidationError, match="five codes"):
            send_claim_code(claim=claim, practitioner=practitioner)
        traveller.shift(timedelta(days=1))
        sent_code(claim, practitioner, django_capture_on_commit_callbacks)


def test_wrong_guesses_use_up_the_code(
    claim: RegistrationClaim,
    practitioner: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _ in range(CODE_ATTEMPTS):
        with pytest.raises(ValidationError, match="not right"):
            prove_claim_by_code(claim=claim, practitioner=practitioner, code=wrong)
    with pytest.raises(ValidationError, match="Too many wrong codes"):
        prove_claim_by_code(claim=claim, practitioner=practitioner, code=code)
    claim.refresh_from_db()
    assert claim.state == State.AWAITING_PROOF
    assert ClaimCode.objects.get(claim=claim).attempts == CODE_ATTEMPTS


def test_brute_forcing_codes_through_the_page_is_rate_limited(
    claim: RegistrationClaim,
    practitioner: User,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(practitioner)
    url = reverse("registry:prove_claim_code", args=[claim.pk])
    field = f"claim-{claim.pk}-code"
    # Each person's hour of guesses starts at their own second past the hour (the limiter
    # staggers windows by a checksum of the key): start at the beginning of this person's hour,
    # so that the ten guesses fall in one window whatever the person's id.
    offset = zlib.crc32(str(practitioner.pk).encode()) % 3600
    with time_machine.travel(NOW + timedelta(seconds=offset + 1), tick=False) as traveller:
        code = ""
        for guess in range(10):
            if guess % CODE_ATTEMPTS == 0:  # a fresh code whenever the last one is used up
                traveller.shift(timedelta(minutes=2))
                code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
            wrong = f"{(int(code) + 1) % 10**8:08d}"
            assert client.post(url, {field: wrong}).status_code == 302
        traveller.shift(timedelta(minutes=2))
        code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
        response = client.post(url, {field: code}, follow=True)
    assert "Too many codes tried" in response.text
    claim.refresh_from_db()
    assert claim.state == State.AWAITING_PROOF


def test_the_page_offers_the_code_only_where_the_register_gives_an_address(
    claim: RegistrationClaim,
    practitioner: User,
    client: Client,
    entry: RegisterEntry,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(practitioner)
    page = client.get(reverse("registry:my_registrations"))
    assert "Send me a code" in page.text
    assert CONTACT not in page.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:send_claim_code", args=[claim.pk]))
    code = re.search(r"\b(\d{8})\b", str(mail.outbox[0].body))
    assert code
    done = client.post(
        reverse("registry:prove_claim_code", args=[claim.pk]),
        {f"claim-{claim.pk}-code": code.group(1)},
        follow=True,
    )
    assert "you have shown that this registration is yours" in done.text
    RegisterEntry.objects.filter(pk=entry.pk).update(contact_email="")
    other = PractitionerFactory.create(legal_name="Amara Okafor")
    theirs = claim_registration(
        practitioner=other, regulator=entry.regulator, registration_number="SW123456"
    )
    client.force_login(other)
    assert "Send me a code" not in client.get(reverse("registry:my_registrations")).text
    with pytest.raises(ValidationError, match="no contact address"):
        send_claim_code(claim=theirs, practitioner=other)


def test_an_impostor_cannot_ask_for_or_try_a_code_on_someone_elses_claim(
    claim: RegistrationClaim, other_practitioner: User, client: Client
) -> None:
    client.force_login(other_practitioner)
    assert client.post(reverse("registry:send_claim_code", args=[claim.pk])).status_code == 404
    tried = client.post(
        reverse("registry:prove_claim_code", args=[claim.pk]), {f"claim-{claim.pk}-code": "1"}
    )
    assert tried.status_code == 404
    assert not mail.outbox


def test_a_code_cannot_take_a_registration_another_practitioner_holds(
    claim: RegistrationClaim,
    practitioner: User,
    entry: RegisterEntry,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """The holder stays until a reviewer decides the dispute."""
    holder = PractitionerFactory.create(legal_name="Amara Okafor")
    RegistrationClaim.objects.filter(pk=claim.pk).update(state=State.WITHDRAWN)
    held = prove_by_officer(
        claim_registration(
            practitioner=holder, regulator=entry.regulator, registration_number="SW123456"
        )
    )
    mine = claim_registration(
        practitioner=practitioner, regulator=entry.regulator, registration_number="SW123456"
    )
    code = sent_code(mine, practitioner, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="Another practitioner holds"):
        prove_claim_by_code(claim=mine, practitioner=practitioner, code=code)
    held.refresh_from_db()
    assert held.state == State.VERIFIED
    assert held.in_dispute


def test_the_contact_address_is_never_published(
    claim: RegistrationClaim,
    practitioner: User,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    code = sent_code(claim, practitioner, django_capture_on_commit_callbacks)
    prove_claim_by_code(claim=claim, practitioner=practitioner, code=code)
    pages = [
        reverse("registry:verification", args=["social-work-england", "SW123456"]),
        reverse("registry:verify") + "?number=SW123456",
        "/api/v1/verify?regulator=social-work-england&number=SW123456",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert CONTACT not in response.text, page
    credential = IssuedCredential.objects.get(claim=claim)
    assert CONTACT not in str(credential.__dict__)


def test_an_import_reads_the_contact_address_and_never_shows_it_in_the_preview(
    england: Regulator,
    officer: User,
    settings: Settings,
    tmp_path: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    text = (
        "registration_number,name,status,contact_email\n"
        "SW100001,Amara Okafor,registered,amara@registrant.example\n"
        "SW100002,Jonas Berg,registered,not an address\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        reading = register_import.receive_register_file(
            regulator=england,
            uploaded_file=SimpleUploadedFile("export.csv", text.encode()),
            file_format="generic-csv",
            uploaded_by=officer,
        )
    reading.refresh_from_db()
    assert reading.bad_rows == [{"line": 3, "reason": "the contact email is not an email address"}]
    fixed = text.replace("not an address", "")
    with django_capture_on_commit_callbacks(execute=True):
        reading = register_import.receive_register_file(
            regulator=england,
            uploaded_file=SimpleUploadedFile("export.csv", fixed.encode()),
            file_format="generic-csv",
            uploaded_by=officer,
        )
    reading.refresh_from_db()
    assert "registrant.example" not in str(reading.diff_sample)
    register_import.apply_register_import(register_import_id=reading.pk, applied_by=officer)
    assert RegisterEntry.objects.get(registration_number="SW100001").contact_email == (
        "amara@registrant.example"
    )
    assert RegisterEntry.objects.get(registration_number="SW100002").contact_email == ""
