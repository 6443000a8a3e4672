"""/api/v1 complaints: filed with the page's rules, routing, limit and audit; listed and
followed by the person who filed them under their name, and by nobody else."""

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.complaints import api as complaints_api
from casework.complaints.models import Complaint, ComplaintState
from casework.complaints.services import evidence_context, move_complaint, secret_matches
from casework.directory.models import PractitionerProfile
from casework.privacy import actions
from casework.privacy.models import AuditEvent
from casework.testing import oversight, scheduling
from casework.testing.messaging import PNG_BYTES
from casework.vault.crypto import unseal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=True):
        yield


@pytest.fixture
def listed() -> tuple[User, PractitionerProfile]:
    return oversight.listed_practitioner(legal_name="Amara Okafor")


def as_person(person: User) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


def file(browser: Client, **fields: Any) -> tuple[int, dict[str, Any]]:
    payload = {"category": "boundary", "details": "She asked me to pay her privately.", **fields}
    response = browser.post(
        "/api/v1/complaints", json.dumps(payload), content_type="application/json"
    )
    return response.status_code, response.json()


def test_a_complaint_filed_under_ones_name_reaches_the_regulator_and_is_followed(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    practitioner, profile = listed
    browser = as_person(client_person)
    status, body = file(browser, profile=profile.slug, share_identity=True)
    complaint = Complaint.objects.get()
    assert status == 201
    assert (body["reference"], body["state"], body["handled_by"], body["to_moderators"]) == (
        complaint.reference,
        "received",
        ["Social Work England"],
        False,
    )
    assert secret_matches(complaint, body["secret"])
    assert body["track_url"].endswith(reverse("complaints:track"))
    assert (complaint.practitioner, complaint.complainant) == (practitioner, client_person)
    event = AuditEvent.objects.get(action=actions.COMPLAINTS_FILED)
    assert (event.actor_id, event.subject_id) == (client_person.pk, practitioner.pk)

    listed_mine = browser.get("/api/v1/complaints").json()
    assert [c["reference"] for c in listed_mine["results"]] == [complaint.reference]
    officer_of_england = oversight.officer_of()
    move_complaint(complaint=complaint, actor=officer_of_england, state=ComplaintState.UNDER_REVIEW)
    move_complaint(
        complaint=complaint,
        actor=officer_of_england,
        state=ComplaintState.CLOSED,
        outcome_summary="We spoke to her; she will not do it again.",
    )
    tracked = browser.get(f"/api/v1/complaints/{complaint.reference.lower()}").json()
    assert [step["state"] for step in tracked["history"]] == ["received", "under_review", "closed"]
    assert (tracked["state"], tracked["outcome"]) == (
        "closed",
        "We spoke to her; she will not do it again.",
    )


def test_someone_elses_complaint_and_one_filed_without_a_name_are_missing(
    listed: tuple[User, PractitionerProfile], client_person: User, other_practitioner: User
) -> None:
    _practitioner, profile = listed
    browser = as_person(client_person)
    _status, named = file(browser, profile=profile.slug, share_identity=True)
    status, unnamed = file(browser, profile=profile.slug)
    assert status == 201
    assert unnamed["secret"]  # followed on the site, with the reference and secret
    assert Complaint.objects.get(reference=unnamed["reference"]).complainant is None
    event = AuditEvent.objects.filter(action=actions.COMPLAINTS_FILED).order_by("seq").last()
    assert event is not None
    assert event.actor_id is None
    assert [c["reference"] for c in browser.get("/api/v1/complaints").json()["results"]] == [
        named["reference"]
    ]
    assert browser.get(f"/api/v1/complaints/{unnamed['reference']}").status_code == 404
    other = as_person(other_practitioner)
    missing = other.get(f"/api/v1/complaints/{named['reference']}")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert other.get("/api/v1/complaints").json()["results"] == []


def test_the_same_key_files_one_complaint(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    _practitioner, profile = listed
    key = str(uuid.uuid4())
    browser = as_person(client_person)
    first, body = file(browser, profile=profile.slug, idempotency_key=key)
    again, repeated = file(browser, profile=profile.slug, idempotency_key=key)
    assert (first, again) == (201, 200)
    assert repeated["reference"] == body["reference"]
    assert repeated["secret"] is None
    assert Complaint.objects.count() == 1


def test_the_api_finds_whom_the_page_finds_and_refuses_what_the_form_refuses(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    practitioner, profile = listed
    claim = practitioner.registration_claims.get()
    browser = as_person(client_person)
    for named in (
        {"profile": profile.slug},
        {"regulator": claim.regulator.slug, "number": claim.registration_number},
        {"profile": "nobody-by-this-name"},
        {"regulator": claim.regulator.slug, "number": "SW0000000"},
    ):
        page = browser.get(reverse("complaints:new"), named).status_code
        status, _body = file(browser, **named)
        assert {200: 201, 404: 404}[page] == status, named
    status, body = file(browser)
    assert (status, list(body["error"]["fields"])) == (400, ["profile"])
    status, body = file(browser, profile=profile.slug, details="   ")
    assert (status, list(body["error"]["fields"])) == (400, ["details"])
    assert Complaint.objects.count() == 2


def test_filing_counts_against_the_pages_limit(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    _practitioner, profile = listed
    browser = as_person(client_person)
    statuses = [file(browser, profile=profile.slug)[0] for _ in range(11)]
    assert statuses == [201] * 10 + [429]
    assert Complaint.objects.count() == 10


def test_my_complaints_page_by_cursor(
    listed: tuple[User, PractitionerProfile],
    client_person: User,
    other_practitioner: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    practitioner, _profile = listed
    monkeypatch.setattr(complaints_api, "PAGE_SIZE", 2)
    for _ in range(3):
        oversight.complaint_about(practitioner, complainant=client_person)
    browser = as_person(client_person)
    first = browser.get("/api/v1/complaints").json()
    rest = browser.get("/api/v1/complaints", {"cursor": first["next_cursor"]}).json()
    seen = [c["reference"] for c in first["results"] + rest["results"]]
    assert seen == list(
        Complaint.objects.order_by("-created_at", "-id").values_list("reference", flat=True)
    )
    assert rest["next_cursor"] is None
    forged = as_person(other_practitioner).get(
        "/api/v1/complaints", {"cursor": first["next_cursor"]}
    )
    assert forged.status_code == 400


def test_anyone_holding_the_reference_and_secret_follows_it_as_on_the_page(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    _practitioner, profile = listed
    _status, filed = file(as_person(client_person), profile=profile.slug)
    url = f"/api/v1/complaints/{filed['reference']}/track"
    for secret, expected in ((filed["secret"], 200), ("WRONG-SECRET", 404)):
        page = Client().post(
            reverse("complaints:track"), {"reference": filed["reference"], "secret": secret}
        )
        followed = Client().post(
            url, json.dumps({"secret": secret}), content_type="application/json"
        )
        assert followed.status_code == expected
        assert (page.context["complaint"] is not None) == (expected == 200)
    tracked = Client().post(
        url, json.dumps({"secret": filed["secret"].lower()}), content_type="application/json"
    )
    assert [step["state"] for step in tracked.json()["history"]] == ["received"]


def test_following_by_secret_counts_against_the_pages_limit(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    _practitioner, profile = listed
    _status, filed = file(as_person(client_person), profile=profile.slug)
    visitor = Client()
    for _ in range(20):
        visitor.post(reverse("complaints:track"), {"reference": filed["reference"], "secret": "x"})
    refused = visitor.post(
        f"/api/v1/complaints/{filed['reference']}/track",
        json.dumps({"secret": filed["secret"]}),
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")


def file_with_evidence(
    browser: Client, *files: SimpleUploadedFile, **fields: Any
) -> tuple[int, dict[str, Any]]:
    form = {"category": "boundary", "details": "She asked me to pay by gift card.", **fields}
    response = browser.post("/api/v1/complaints/with-evidence", {**form, "evidence": list(files)})
    return response.status_code, response.json()


def test_evidence_files_go_with_a_complaint_sealed_as_the_pages_are(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    _practitioner, profile = listed
    status, body = file_with_evidence(
        as_person(client_person),
        SimpleUploadedFile("receipt.png", PNG_BYTES),
        SimpleUploadedFile("letter.png", PNG_BYTES),
        profile=profile.slug,
        share_identity="true",
    )
    assert status == 201
    complaint = Complaint.objects.get()
    assert (body["reference"], body["handled_by"]) == (
        complaint.reference,
        ["Social Work England"],
    )
    assert complaint.complainant == client_person
    evidence = sorted(complaint.evidence.all(), key=lambda e: e.name)  # (names are sealed)
    assert [(e.name, e.content_type, e.size) for e in evidence] == [
        ("letter.png", "image/png", len(PNG_BYTES)),
        ("receipt.png", "image/png", len(PNG_BYTES)),
    ]
    for item in evidence:
        sealed = bytes(item.sealed_content)
        assert PNG_BYTES not in sealed
        assert unseal(complaint.data_key, sealed, context=evidence_context(item.pk)) == PNG_BYTES
    filed = AuditEvent.objects.get(action=actions.COMPLAINTS_FILED)
    assert filed.detail["evidence_files"] == 2


def test_evidence_the_page_refuses_is_refused_with_its_reason_and_nothing_is_filed(
    listed: tuple[User, PractitionerProfile], client_person: User, settings: Any
) -> None:
    _practitioner, profile = listed
    browser = as_person(client_person)
    script = SimpleUploadedFile("photo.png", b"#!/bin/sh\necho hello\n")
    status, body = file_with_evidence(browser, script, profile=profile.slug)
    assert (status, list(body["error"]["fields"])) == (400, ["evidence"])
    assert "cannot be sent" in body["error"]["message"]
    settings.MESSAGING_ATTACHMENT_MAX_BYTES = 1024
    large = SimpleUploadedFile("receipt.png", PNG_BYTES + b"\0" * 2048)
    status, body = file_with_evidence(browser, large, profile=profile.slug)
    assert status == 400
    assert "files can be at most 1.0\xa0KB" in body["error"]["fields"]["evidence"][0]
    six = [SimpleUploadedFile(f"{n}.png", PNG_BYTES) for n in range(6)]
    status, body = file_with_evidence(browser, *six, profile=profile.slug)
    assert (status, list(body["error"]["fields"])) == (400, ["evidence"])
    assert not Complaint.objects.exists()


def test_a_complaint_with_evidence_keeps_the_forms_rules_key_and_limit(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    _practitioner, profile = listed
    browser = as_person(client_person)
    assert file_with_evidence(browser, profile="nobody-by-this-name")[0] == 404
    assert file_with_evidence(browser, profile=profile.slug, details="  ")[0] == 400
    key = str(uuid.uuid4())
    png = SimpleUploadedFile("receipt.png", PNG_BYTES)
    first = file_with_evidence(browser, png, profile=profile.slug, idempotency_key=key)
    png.seek(0)
    again = file_with_evidence(browser, png, profile=profile.slug, idempotency_key=key)
    assert (first[0], again[0]) == (201, 200)
    assert again[1]["reference"] == first[1]["reference"]
    assert Complaint.objects.count() == 1
    statuses = [file_with_evidence(browser, profile=profile.slug)[0] for _ in range(9)]
    assert statuses == [201] * 8 + [429]


def test_filing_with_evidence_needs_the_write_scope(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    _practitioner, profile = listed
    secret = create_api_token(
        person=client_person, name="App", scopes=["complaints:read"], days=7, now=scheduling.NOW
    )[1]
    reading = Client(headers={"Authorization": f"Bearer {secret}"})
    assert file_with_evidence(Client(), profile=profile.slug)[0] == 401
    assert file_with_evidence(reading, profile=profile.slug)[0] == 403
    assert not Complaint.objects.exists()


def test_following_by_secret_takes_a_token_too_and_refuses_a_bad_one(
    listed: tuple[User, PractitionerProfile], client_person: User
) -> None:
    _practitioner, profile = listed
    _status, filed = file(as_person(client_person), profile=profile.slug)
    url = f"/api/v1/complaints/{filed['reference']}/track"
    secret = create_api_token(
        person=client_person, name="App", scopes=["complaints:read"], days=7, now=scheduling.NOW
    )[1]
    secret_body = json.dumps({"secret": filed["secret"]})
    for header, expected in ((f"Bearer {secret}", 200), ("Bearer cw_revoked-or-made-up", 401)):
        app = Client(headers={"Authorization": header})
        followed = app.post(url, secret_body, content_type="application/json")
        assert followed.status_code == expected
    # The session, as for every write, with its CSRF token.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_person)
    refused = browser.post(url, secret_body, content_type="application/json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
