"""Complaints: filed anonymously from a profile, routed to the right regulator (or to the
moderators), followed by reference and secret, moved on by officers, bundled with hashes."""

import hashlib
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.complaints.models import BundleDownload, Complaint, ComplaintState, Source
from casework.complaints.services import move_complaint
from casework.directory.models import PractitionerProfile
from casework.privacy.models import AuditEvent
from casework.registry.models import RegisterEntry
from casework.testing import oversight, scheduling
from casework.testing.factories import PractitionerFactory
from casework.testing.messaging import PNG_BYTES
from casework.testing.registry import verified_claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=False):
        yield


@pytest.fixture
def listed() -> tuple[User, PractitionerProfile]:
    return oversight.listed_practitioner(legal_name="Amara Okafor")


def _file_from_profile(
    profile: PractitionerProfile, *, files: list[SimpleUploadedFile] | None = None
) -> Client:
    visitor = Client()
    url = reverse("complaints:new") + f"?profile={profile.slug}"
    form = visitor.get(url)
    assert form.status_code == 200
    visitor.response = visitor.post(  # type: ignore[attr-defined]
        url,
        {
            "submission": form.context["form"]["submission"].value(),
            "category": "boundary",
            "details": "She asked me to pay by gift card.",
            "evidence": files or [],
        },
    )
    return visitor


def test_an_anonymous_complaint_from_a_profile_reaches_the_regulator_of_the_registration(
    listed: tuple[User, PractitionerProfile],
) -> None:
    practitioner, profile = listed
    profile_page = Client().get(reverse("directory:profile", kwargs={"slug": profile.slug}))
    assert "Report this social worker to their regulator" in profile_page.content.decode()

    visitor = _file_from_profile(profile, files=[SimpleUploadedFile("receipt.png", PNG_BYTES)])

    response = visitor.response  # type: ignore[attr-defined]
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.practitioner == practitioner
    assert complaint.complainant is None
    assert complaint.source == Source.PUBLIC
    assert [route.regulator.slug for route in complaint.routes.all()] == ["social-work-england"]
    assert not complaint.to_moderators
    assert complaint.reference in response.content.decode()
    assert complaint.evidence.count() == 1
    # Sealed: the words are not in the row as stored.
    raw = Complaint.objects.filter(pk=complaint.pk).values_list("details", flat=True).get()
    assert b"gift card" not in bytes(getattr(raw, "sealed", b""))


def test_the_officers_of_the_regulator_hear_that_a_complaint_waits_and_nothing_more(
    listed: tuple[User, PractitionerProfile],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    practitioner, _profile = listed
    england = oversight.officer_of("social-work-england")
    scottish = oversight.officer_of("sssc")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        oversight.complaint_about(practitioner)
    told = [message for message in mail.outbox if england.email in message.to]
    assert len(told) == 1
    assert "gift card" not in told[0].body
    assert practitioner.legal_name not in told[0].body
    assert not [message for message in mail.outbox if scottish.email in message.to]


def test_a_complaint_about_someone_without_a_verified_registration_goes_to_moderators() -> None:
    unregistered = PractitionerFactory.create()
    filed = oversight.complaint_about(unregistered)
    assert filed.complaint.to_moderators
    assert not filed.complaint.routes.exists()


def test_a_complaint_about_an_unknown_practitioner_is_refused_clearly() -> None:
    response = Client().get(reverse("complaints:new") + "?profile=nobody-by-this-name")
    assert response.status_code == 404
    assert "We could not find this social worker" in response.content.decode()


def test_evidence_of_the_wrong_type_is_refused_by_its_content_and_nothing_is_filed(
    listed: tuple[User, PractitionerProfile],
) -> None:
    _practitioner, profile = listed
    script = SimpleUploadedFile("photo.png", b"#!/bin/sh\necho hello\n")
    visitor = _file_from_profile(profile, files=[script])
    response = visitor.response  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert "cannot be sent" in response.content.decode()
    assert not Complaint.objects.exists()


def test_evidence_over_the_size_limit_is_refused_with_the_limit_and_nothing_is_filed(
    listed: tuple[User, PractitionerProfile], settings: Any
) -> None:
    _practitioner, profile = listed
    settings.MESSAGING_ATTACHMENT_MAX_BYTES = 1024
    large = SimpleUploadedFile("receipt.png", PNG_BYTES + b"\0" * 2048)
    visitor = _file_from_profile(profile, files=[large])
    response = visitor.response  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert "files can be at most 1.0\xa0KB" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_same_submit_twice_files_one_complaint(
    listed: tuple[User, PractitionerProfile],
) -> None:
    _practitioner, profile = listed
    visitor = Client()
    url = reverse("complaints:new") + f"?profile={profile.slug}"
    key = visitor.get(url).context["form"]["submission"].value()
    data = {"submission": key, "category": "fraud", "details": "Took my money."}
    visitor.post(url, data)
    again = visitor.post(url, data)
    assert Complaint.objects.count() == 1
    assert "already sent" in again.content.decode()


def test_the_complainant_follows_it_by_reference_and_secret_only(
    listed: tuple[User, PractitionerProfile],
) -> None:
    practitioner, _profile = listed
    filed = oversight.complaint_about(practitioner)
    track = reverse("complaints:track")
    wrong = Client().post(track, {"reference": filed.complaint.reference, "secret": "0" * 16})
    assert "No complaint matches" in wrong.content.decode()
    right = Client().post(
        track, {"reference": filed.complaint.reference.lower(), "secret": filed.secret}
    )
    assert right.context["complaint"] == filed.complaint
    assert "Received" in right.content.decode()

    officer = oversight.officer_of("social-work-england")
    move_complaint(
        complaint=filed.complaint,
        actor=officer,
        state=ComplaintState.CLOSED,
        outcome_summary="We have given the social worker a warning.",
    )
    closed = Client().post(track, {"reference": filed.complaint.reference, "secret": filed.secret})
    assert "We have given the social worker a warning." in closed.content.decode()


def test_guessing_secrets_is_limited(listed: tuple[User, PractitionerProfile]) -> None:
    practitioner, _profile = listed
    filed = oversight.complaint_about(practitioner)
    guesser = Client()
    statuses = [
        guesser.post(
            reverse("complaints:track"),
            {"reference": filed.complaint.reference, "secret": f"{n:016d}"},
        ).status_code
        for n in range(21)
    ]
    assert statuses[-1] == 429
    # Even the right secret waits now.
    late = guesser.post(
        reverse("complaints:track"),
        {"reference": filed.complaint.reference, "secret": filed.secret},
    )
    assert late.status_code == 429


def test_a_closed_complaint_takes_no_further_step_and_closing_needs_an_outcome(
    listed: tuple[User, PractitionerProfile],
) -> None:
    practitioner, _profile = listed
    complaint = oversight.complaint_about(practitioner).complaint
    officer = oversight.officer_of("social-work-england")
    with pytest.raises(ValidationError, match="outcome"):
        move_complaint(complaint=complaint, actor=officer, state=ComplaintState.CLOSED)
    move_complaint(
        complaint=complaint, actor=officer, state=ComplaintState.CLOSED, outcome_summary="Done."
    )
    with pytest.raises(ValidationError, match="closed"):
        move_complaint(complaint=complaint, actor=officer, state=ComplaintState.UNDER_REVIEW)
    # On the page: said so, and nothing changes.
    desk = Client()
    desk.force_login(officer)
    page = desk.post(
        reverse("complaints:detail", kwargs={"complaint_id": complaint.pk}),
        {"state": ComplaintState.UNDER_REVIEW},
        follow=True,
    )
    assert "This complaint is closed: it cannot change any more." in page.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.CLOSED
    assert complaint.progress.count() == 2


def test_an_officer_of_another_regulator_cannot_act_on_the_complaint(
    listed: tuple[User, PractitionerProfile],
) -> None:
    practitioner, _profile = listed
    complaint = oversight.complaint_about(practitioner).complaint
    scottish = Client()
    scottish.force_login(oversight.officer_of("sssc"))
    for url in (
        reverse("complaints:detail", kwargs={"complaint_id": complaint.pk}),
        reverse("complaints:bundle", kwargs={"complaint_id": complaint.pk}),
    ):
        assert scottish.get(url).status_code == 404
    assert complaint.reference not in scottish.get(reverse("complaints:queue")).content.decode()
    with pytest.raises(ValidationError):
        move_complaint(
            complaint=complaint,
            actor=User.objects.get(regulator_memberships__regulator__slug="sssc"),
            state=ComplaintState.UNDER_REVIEW,
        )


def test_the_bundle_holds_every_file_with_its_hash_and_lists_who_downloaded_it(
    listed: tuple[User, PractitionerProfile],
) -> None:
    practitioner, _profile = listed
    from casework.testing.messaging import png

    complaint = oversight.complaint_about(practitioner, evidence=[png("receipt.png")]).complaint
    officer = oversight.officer_of("social-work-england", legal_name="Siobhan Gallagher")
    browser = Client()
    browser.force_login(officer)
    url = reverse("complaints:bundle", kwargs={"complaint_id": complaint.pk})
    browser.get(url)
    response = browser.get(url)

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    names = {item["name"] for item in manifest["files"]}
    assert names == {
        "complaint.json",
        "evidence/01-receipt.png",
        "registration_history.json",
        "downloads.json",
    }
    for item in manifest["files"]:
        assert hashlib.sha256(archive.read(item["name"])).hexdigest() == item["sha256"]
    assert archive.read("evidence/01-receipt.png") == PNG_BYTES
    downloads = json.loads(archive.read("downloads.json"))
    assert [d["by"] for d in downloads] == ["Siobhan Gallagher", "Siobhan Gallagher"]
    history = json.loads(archive.read("registration_history.json"))
    assert [h["regulator"] for h in history] == ["social-work-england"]
    assert json.loads(archive.read("complaint.json"))["details"].startswith("They asked me")
    assert BundleDownload.objects.filter(complaint=complaint).count() == 2
    assert AuditEvent.objects.filter(action="complaints.bundle_downloaded").count() == 2


def test_a_complaint_from_a_verification_page_goes_to_each_regulator_of_the_practitioner(
    listed: tuple[User, PractitionerProfile],
) -> None:
    practitioner, _profile = listed
    sssc = oversight.regulator("sssc")
    RegisterEntry.objects.create(
        regulator=sssc, registration_number="1234567", name="Amara Okafor", status="registered"
    )
    verified_claim(practitioner=practitioner, regulator=sssc, registration_number="1234567")
    verification = Client().get(
        reverse("registry:verification", kwargs={"regulator": "sssc", "number": "1234567"})
    )
    link = re.search(r'href="([^"]*/complaints/new/\?[^"]*)"', verification.content.decode())
    assert link is not None
    url = html.unescape(link.group(1))

    visitor = Client()
    form = visitor.get(url)
    assert form.status_code == 200
    assert form.context["subject"].practitioner == practitioner
    visitor.post(
        url,
        {
            "submission": form.context["form"]["submission"].value(),
            "category": "boundary",
            "details": "She asked me to pay by gift card.",
        },
    )

    complaint = Complaint.objects.get()
    assert {route.regulator.slug for route in complaint.routes.all()} == {
        "social-work-england",
        "sssc",
    }
    for slug in ("social-work-england", "sssc"):
        desk = Client()
        desk.force_login(oversight.officer_of(slug))
        assert complaint.reference in desk.get(reverse("complaints:queue")).content.decode()
