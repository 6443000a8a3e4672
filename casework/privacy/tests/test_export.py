import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema_rs import Draft202012Validator

from casework.accounts.models import User
from casework.community.models import Article
from casework.community.services.articles import invite_contributor, save_article
from casework.community.services.comments import post_comment
from casework.complaints.models import Complaint
from casework.complaints.services import file_complaint
from casework.directory.services import save_profile
from casework.events.models import EmailDelivery
from casework.events.relay import relay_pending
from casework.messaging.attachments import CheckedFile
from casework.messaging.models import Message
from casework.privacy import export, export_contents
from casework.privacy.export_archive import build_export
from casework.privacy.models import AuditEvent
from casework.privacy.rights_models import DataExport, ExportStatus
from casework.privacy.tests.conftest import Practice
from casework.registry.claims import claim_registration
from casework.registry.models import RegistrationClaim, Regulator
from casework.safety import access as safety_access
from casework.safety.reports import file_report
from casework.testing.directory import listed_practitioner, profile_details
from casework.testing.factories import AdminFactory
from casework.testing.messaging import PNG_BYTES
from casework.vault.models import DataKey
from casework.vault.services import destroy_data_key


def _ready_export(person: User) -> DataExport:
    requested = export.request_export(person=person)
    built = build_export(export_id=str(requested.pk))
    assert built is not None
    return built


def _download(client: Client, found: DataExport) -> zipfile.ZipFile:
    response = client.get(reverse("rights:export_download", args=[found.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_a_clients_export_holds_her_messages_check_ins_and_appointments_and_nothing_else(
    practice: Practice, signed_in: Any
) -> None:
    found = _ready_export(practice.client)
    archive = _download(signed_in(practice.client), found)
    names = set(archive.namelist())
    assert {"data.json", "index.html", "schema.json"} <= names
    raw = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    document = json.loads(archive.read("data.json"))

    assert document["schema_version"] == "1.3"
    assert document["account"]["email"] == "robin@example.org"
    bodies = [m["body"] for c in document["conversations"] for m in c["messages"]]
    assert "ROBIN-SAYS I slept badly" in bodies
    assert "AMARA-TO-ROBIN Let us talk on Thursday" in bodies
    (case,) = document["cases"]
    assert case["emergency_contact"].startswith("ROBIN-CONTACT")
    (check_in,) = case["check_ins"]
    assert check_in["score"] == 6
    assert check_in["urgent"] is True
    assert check_in["answers"]
    (appointment,) = document["appointments"]
    assert appointment["id"] == practice.appointment.pk
    assert appointment["with"] == practice.practitioner.display_name
    assert any(name.startswith("attachments/") for name in names)

    # Nothing of anyone else: Kit's case and messages, Amara's notes and her address.
    for absent in ("KIT-SAYS", "KIT-CONTACT", "kit@example.org", "AMARA-NOTE"):
        assert absent not in raw
    assert practice.practitioner.email not in raw


def test_the_export_lists_who_accessed_the_record(practice: Practice, signed_in: Any) -> None:
    found = _ready_export(practice.client)
    document = json.loads(_download(signed_in(practice.client), found).read("data.json"))
    assert document["who_accessed"], "opening the case and writing notes are accesses"
    assert all(entry["who"] != practice.client.display_name for entry in document["who_accessed"])


def test_a_second_request_while_one_runs_is_refused(practice: Practice, signed_in: Any) -> None:
    export.request_export(person=practice.client)
    with pytest.raises(export.ExportAlreadyRunning):
        export.request_export(person=practice.client)
    response = signed_in(practice.client).post(reverse("rights:export"))
    assert response.status_code == 409
    assert DataExport.objects.filter(person=practice.client).count() == 1


def test_the_database_allows_one_running_export_per_person(practice: Practice) -> None:
    DataExport.objects.create(person=practice.client, requested_at=practice.case.opened_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        DataExport.objects.create(person=practice.client, requested_at=practice.case.opened_at)


def test_the_page_shows_progress_and_refreshes_itself_while_it_runs(
    practice: Practice, signed_in: Any
) -> None:
    export.request_export(person=practice.client)
    page = signed_in(practice.client).get(reverse("rights:export"))
    assert page.status_code == 200
    assert b'http-equiv="refresh"' in page.content
    assert b"<progress" in page.content


def test_someone_elses_export_is_not_found(practice: Practice, signed_in: Any) -> None:
    found = _ready_export(practice.client)
    response = signed_in(practice.other_client).get(
        reverse("rights:export_download", args=[found.pk])
    )
    assert response.status_code == 404


def test_a_download_is_audited(practice: Practice, signed_in: Any) -> None:
    found = _ready_export(practice.client)
    _download(signed_in(practice.client), found)
    assert AuditEvent.objects.filter(
        action="privacy.export_downloaded", object_id=str(found.pk), actor_id=practice.client.pk
    ).exists()


def test_an_expired_link_answers_gone_and_the_clock_destroys_the_archive(
    practice: Practice, signed_in: Any, frozen: Any
) -> None:
    found = _ready_export(practice.client)
    assert found.expires_at is not None
    frozen.move_to(found.expires_at + timedelta(seconds=1))
    response = signed_in(practice.client).get(reverse("rights:export_download", args=[found.pk]))
    assert response.status_code == 410

    assert export.expire_exports() == 1
    found.refresh_from_db()
    assert found.status == ExportStatus.EXPIRED
    assert bytes(found.archive) == b""
    assert DataKey.objects.get(owner=f"export:{found.pk}").is_destroyed


def test_the_person_is_emailed_a_link_to_the_export_page_and_nothing_of_the_data(
    practice: Practice,
) -> None:
    relay_pending()  # what the practice's setting up announced
    mail.outbox.clear()
    _ready_export(practice.client)
    relay_pending()
    (sent,) = mail.outbox
    assert sent.to == [practice.client.email]
    assert "export is ready" in sent.subject
    body = str(sent.body)
    assert reverse("rights:export") in body
    # No download address (it would work for anyone holding the email), nothing of the data.
    assert "ROBIN-SAYS" not in body
    assert "ROBIN-CONTACT" not in body
    assert str(DataExport.objects.get().pk) not in body
    assert EmailDelivery.objects.filter(kind="privacy.export_ready").count() == 1
    relay_pending()  # delivered once
    assert len(mail.outbox) == 1


def test_an_export_that_expired_before_the_email_went_is_not_announced(
    practice: Practice,
) -> None:
    relay_pending()  # what the practice's setting up announced
    mail.outbox.clear()
    found = _ready_export(practice.client)
    DataExport.objects.filter(pk=found.pk).update(status=ExportStatus.EXPIRED, archive=b"")
    relay_pending()
    assert not mail.outbox


@dataclass
class Elsewhere:
    """What Robin, Kit and Amara wrote or filed outside their cases: comments, reports and
    complaints, Amara's article, profile and claims, and Bea, another practitioner, with hers."""

    admin_article: Article
    other_practitioner: User


# The files sent with complaints and claims, by who sent them: each must come back byte for
# byte in its sender's archive and nowhere else.
ROBIN_EVIDENCE = PNG_BYTES + b"ROBIN-EVIDENCE-BYTES"
KIT_EVIDENCE = PNG_BYTES + b"KIT-EVIDENCE-BYTES"
AMARA_EVIDENCE = b"%PDF-1.4 AMARA-REGISTRATION-DOCUMENT"
AMARA_IDENTITY = b"%PDF-1.4 AMARA-IDENTITY-DOCUMENT"
BEA_EVIDENCE = b"%PDF-1.4 BEA-REGISTRATION-DOCUMENT"


def _evidence(content: bytes, name: str) -> list[CheckedFile]:
    return [CheckedFile(content, "image/png", name)]


def _pdf(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("document.pdf", content)


def _write_and_file(practice: Practice) -> Elsewhere:
    admin = AdminFactory.create(legal_name="Quentin Ashdown")
    admin_article = save_article(
        author=admin,
        title="OTHER-ARTICLE on listening",
        summary="What listening teaches.",
        body="OTHER-ARTICLE-BODY Listen first.",
        publish=True,
    )
    amara = practice.practitioner
    invite_contributor(admin=admin, practitioner=amara)
    save_article(
        author=amara,
        title="AMARA-ARTICLE on patience",
        summary="What patience teaches.",
        body="AMARA-ARTICLE-BODY Wait, then speak.",
        publish=True,
    )
    post_comment(article=admin_article, author=practice.client, body="ROBIN-COMMENT thank you")
    post_comment(article=admin_article, author=practice.other_client, body="KIT-COMMENT agreed")
    post_comment(article=admin_article, author=amara, body="AMARA-COMMENT well put")

    message = Message.objects.get(conversation=practice.conversation, sender=practice.practitioner)
    file_report(
        reporter=practice.client,
        target=safety_access.target_for_message(practice.client, message.pk),
        category="boundary",
        details="ROBIN-REPORT he wrote at night",
    )
    file_report(
        reporter=practice.other_client,
        target=safety_access.target_for_person(practice.other_client, amara.pk),
        category="harassment",
        details="KIT-REPORT she was rude",
    )
    file_complaint(
        practitioner=amara,
        category="boundary",
        details="ROBIN-COMPLAINT late night messages",
        complainant=practice.client,
        # A name that would climb out of its folder, and a second file under the same name.
        evidence=[
            *_evidence(ROBIN_EVIDENCE, "../../index.html"),
            *_evidence(PNG_BYTES + b"ROBIN-SECOND", "../../index.html"),
        ],
    )
    file_complaint(
        practitioner=amara,
        category="other",
        details="KIT-COMPLAINT",
        complainant=practice.other_client,
        evidence=_evidence(KIT_EVIDENCE, "kit.png"),
    )
    file_complaint(practitioner=amara, category="other", details="NAMELESS-COMPLAINT")

    save_profile(
        practitioner=amara,
        details=profile_details(
            display_name=amara.legal_name, bio_source="AMARA-BIO I listen before I advise."
        ),
    )
    claim_registration(
        practitioner=amara,
        regulator=Regulator.objects.get(slug="social-work-england"),
        registration_number="AMARA-CLAIM-1",
        evidence_note="AMARA-EVIDENCE-NOTE my name changed",
        evidence=_pdf(AMARA_EVIDENCE),
        identity_document=_pdf(AMARA_IDENTITY),
    )
    bea = listed_practitioner(legal_name="Bea Other", bio_source="BEA-BIO I help families.")
    claim_registration(
        practitioner=bea.practitioner,
        regulator=Regulator.objects.get(slug="social-work-england"),
        registration_number="BEA-CLAIM-1",
        evidence=_pdf(BEA_EVIDENCE),
        identity_document=_pdf(BEA_EVIDENCE),
    )
    return Elsewhere(admin_article=admin_article, other_practitioner=bea.practitioner)


def _documented(archive: zipfile.ZipFile) -> dict[str, Any]:
    """data.json, checked against the schema.json beside it."""
    document: dict[str, Any] = json.loads(archive.read("data.json"))
    schema = json.loads(archive.read("schema.json"))
    errors = [error.message for error in Draft202012Validator(schema).iter_errors(document)]
    assert not errors, errors
    return document


def _archive_text(archive: zipfile.ZipFile) -> str:
    return b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")


def test_a_clients_export_holds_her_comments_reports_and_complaints_and_no_one_elses(
    practice: Practice, signed_in: Any
) -> None:
    _write_and_file(practice)
    archive = _download(signed_in(practice.client), _ready_export(practice.client))
    document = _documented(archive)
    readable = archive.read("index.html").decode("utf-8")
    raw = _archive_text(archive)

    (comment,) = document["comments"]
    assert comment["body"] == "ROBIN-COMMENT thank you"
    assert comment["article"] == "OTHER-ARTICLE on listening"
    (report,) = document["reports"]
    assert report["details"] == "ROBIN-REPORT he wrote at night"  # unsealed
    assert (report["target"], report["category"]) == ("message", "boundary")
    assert (report["status"], report["outcome"]) == ("open", "pending")
    (complaint,) = document["complaints"]
    assert complaint["details"] == "ROBIN-COMPLAINT late night messages"  # unsealed
    assert complaint["about"] == practice.practitioner.display_name
    assert complaint["history"][0]["state"] == "received"
    assert document["articles"] == []
    assert document["directory_profile"] is None
    assert document["registration_claims"] == []
    for shown in ("ROBIN-COMMENT", "ROBIN-REPORT", "ROBIN-COMPLAINT", complaint["reference"]):
        assert shown in readable

    for absent in (
        "KIT-COMMENT",
        "KIT-REPORT",
        "KIT-COMPLAINT",
        "NAMELESS-COMPLAINT",
        "AMARA-COMMENT",
        "AMARA-ARTICLE",
        "OTHER-ARTICLE-BODY",
        "AMARA-BIO",
        "AMARA-EVIDENCE-NOTE",
    ):
        assert absent not in raw, absent


def test_a_practitioners_export_holds_her_writing_profile_and_claims_and_not_what_others_filed(
    practice: Practice, signed_in: Any
) -> None:
    elsewhere = _write_and_file(practice)
    amara = practice.practitioner
    archive = _download(signed_in(amara), _ready_export(amara))
    document = _documented(archive)
    readable = archive.read("index.html").decode("utf-8")
    raw = _archive_text(archive)

    (article,) = document["articles"]
    assert article["body"] == "AMARA-ARTICLE-BODY Wait, then speak."
    assert article["status"] == "published"
    (comment,) = document["comments"]
    assert comment["body"] == "AMARA-COMMENT well put"
    profile = document["directory_profile"]
    assert profile["bio"] == "AMARA-BIO I listen before I advise."
    assert profile["languages"] == ["en"]
    claims = {claim["registration_number"]: claim for claim in document["registration_claims"]}
    assert claims["AMARA-CLAIM-1"]["state"] == "pending"
    assert claims["AMARA-CLAIM-1"]["evidence_note"] == "AMARA-EVIDENCE-NOTE my name changed"
    (verified,) = [claim for claim in claims.values() if claim["state"] == "verified"]
    assert verified["decision_reason"] == "Confirmed from the regulator's records."
    assert document["reports"] == []
    assert document["complaints"] == []
    for shown in ("AMARA-ARTICLE on patience", "AMARA-COMMENT", "AMARA-BIO", "AMARA-CLAIM-1"):
        assert shown in readable

    bea_numbers = RegistrationClaim.objects.filter(
        practitioner=elsewhere.other_practitioner
    ).values_list("registration_number", flat=True)
    for absent in (
        # What others filed about her stays theirs.
        "ROBIN-REPORT",
        "KIT-REPORT",
        "ROBIN-COMPLAINT",
        "KIT-COMPLAINT",
        "NAMELESS-COMPLAINT",
        # Others' writing, profile and claims.
        "ROBIN-COMMENT",
        "KIT-COMMENT",
        "OTHER-ARTICLE-BODY",
        "BEA-BIO",
        *bea_numbers,
    ):
        assert absent not in raw, absent


def test_the_new_sections_cost_the_same_queries_for_one_row_or_many(
    practice: Practice,
) -> None:
    elsewhere = _write_and_file(practice)
    sections: tuple[Callable[[User, list[export_contents.AttachedFile]], object], ...] = (
        lambda person, files: export_contents.articles(person),
        lambda person, files: export_contents.comments(person),
        lambda person, files: export_contents.reports(person),
        export_contents.complaints,
        export_contents.registration_claims,
    )

    def queries(person: User) -> int:
        with CaptureQueriesContext(connection) as captured:
            files: list[export_contents.AttachedFile] = []
            for section in sections:
                section(person, files)
            # Opening the files too: one query per kind of file, however many there are.
            opened = list(export_contents.open_files(files))
        assert all(content is not None for _attached, content in opened)
        return len(captured.captured_queries)

    before = (queries(practice.client), queries(practice.practitioner))
    for turn in range(3):
        post_comment(
            article=elsewhere.admin_article, author=practice.client, body=f"ROBIN-MORE {turn}"
        )
        file_complaint(
            practitioner=practice.practitioner,
            category="other",
            details=f"ROBIN-MORE {turn}",
            complainant=practice.client,
            evidence=_evidence(PNG_BYTES + b"MORE", f"more-{turn}.png"),
        )
        save_article(
            author=practice.practitioner,
            title=f"AMARA-MORE {turn}",
            summary="More.",
            body="More.",
        )
        claim_registration(
            practitioner=practice.practitioner,
            regulator=Regulator.objects.get(slug="social-work-england"),
            registration_number=f"AMARA-MORE-{turn}",
            evidence_note="More.",
            evidence=_pdf(AMARA_EVIDENCE),
        )
    file_report(
        reporter=practice.client,
        target=safety_access.target_for_person(practice.client, practice.practitioner.pk),
        category="other",
        details="ROBIN-MORE",
    )
    assert len(export_contents.complaints(practice.client, [])) == 4
    assert len(export_contents.reports(practice.client)) == 2
    assert (queries(practice.client), queries(practice.practitioner)) == before


def test_a_claims_note_under_a_destroyed_key_reads_as_gone(practice: Practice) -> None:
    _write_and_file(practice)
    amara = practice.practitioner
    destroy_data_key(
        data_key=DataKey.objects.get(owner=f"person:{amara.pk}"), actor=None, reason="erased"
    )
    notes = {
        claim["registration_number"]: claim["evidence_note"]
        for claim in export_contents.registration_claims(amara, [])
    }
    assert notes["AMARA-CLAIM-1"] == ""


def test_the_files_a_person_sent_are_in_their_archive_byte_for_byte_and_no_one_elses(
    practice: Practice, signed_in: Any
) -> None:
    _write_and_file(practice)
    robin = _download(signed_in(practice.client), _ready_export(practice.client))
    document = _documented(robin)
    (complaint,) = document["complaints"]
    folder = f"files/complaints/{complaint['reference']}/"
    # The name is kept in the JSON; in the archive it is made safe and stays in its folder,
    # and the second file under the same name is numbered (which one is second is by id).
    assert [row["name"] for row in complaint["evidence"]] == ["../../index.html"] * 2
    assert [row["unavailable"] for row in complaint["evidence"]] == [None, None]
    sent = {row["file"]: robin.read(row["file"]) for row in complaint["evidence"]}
    assert set(sent) == {f"{folder}index.html", f"{folder}2-index.html"}
    assert sorted(sent.values()) == sorted([ROBIN_EVIDENCE, PNG_BYTES + b"ROBIN-SECOND"])
    readable = robin.read("index.html").decode("utf-8")
    assert all(path in readable for path in sent)
    assert all(".." not in name for name in robin.namelist())
    robin_raw = b"".join(robin.read(name) for name in robin.namelist())
    for absent in (b"KIT-EVIDENCE-BYTES", b"AMARA-REGISTRATION", b"BEA-REGISTRATION"):
        assert absent not in robin_raw, absent

    amara = practice.practitioner
    hers = _download(signed_in(amara), _ready_export(amara))
    claims = {
        claim["registration_number"]: claim for claim in _documented(hers)["registration_claims"]
    }
    documents = {row["document"]: row for row in claims["AMARA-CLAIM-1"]["documents"]}
    claim_id = RegistrationClaim.objects.get(registration_number="AMARA-CLAIM-1").pk
    assert documents["evidence"]["file"] == f"files/claims/{claim_id}/evidence.pdf"
    assert hers.read(documents["evidence"]["file"]) == AMARA_EVIDENCE
    assert hers.read(documents["identity_document"]["file"]) == AMARA_IDENTITY
    hers_raw = b"".join(hers.read(name) for name in hers.namelist())
    # Bea's documents are hers; the evidence Robin and Kit sent about Amara is theirs.
    for absent in (b"BEA-REGISTRATION", b"ROBIN-EVIDENCE-BYTES", b"KIT-EVIDENCE-BYTES"):
        assert absent not in hers_raw, absent


def test_a_file_whose_key_was_destroyed_is_listed_without_content_and_says_why(
    practice: Practice, signed_in: Any
) -> None:
    _write_and_file(practice)
    complaint = Complaint.objects.select_related("data_key").get(complainant=practice.client)
    destroy_data_key(data_key=complaint.data_key, actor=None, reason="erased")
    archive = _download(signed_in(practice.client), _ready_export(practice.client))
    (listed,) = _documented(archive)["complaints"]
    assert [(row["file"], row["unavailable"]) for row in listed["evidence"]] == [
        (None, "erased"),
        (None, "erased"),
    ]
    assert not [name for name in archive.namelist() if name.startswith("files/")]

    amara = practice.practitioner
    destroy_data_key(
        data_key=DataKey.objects.get(owner=f"person:{amara.pk}"), actor=None, reason="erased"
    )
    archive = _download(signed_in(amara), _ready_export(amara))
    claims = {
        claim["registration_number"]: claim for claim in _documented(archive)["registration_claims"]
    }
    assert {(row["file"], row["unavailable"]) for row in claims["AMARA-CLAIM-1"]["documents"]} == {
        (None, "erased")
    }
    assert b"AMARA-REGISTRATION" not in b"".join(archive.read(n) for n in archive.namelist())
