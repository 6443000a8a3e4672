"""A case's export for a transfer: the practitioner asks, the client agrees or declines, and
only then is an expiring, audited archive of that one case built."""

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from casework.care.models import Case, UrgentFlag
from casework.care.services import notes, referrals
from casework.care.services.cases import change_case_status
from casework.care.services.check_ins import acknowledge_flag
from casework.care.timeline import case_timeline
from casework.events.relay import relay_pending
from casework.messaging import services as messaging_services
from casework.privacy import actions, case_export, case_export_contents, erasure
from casework.privacy.access_log import accesses_of
from casework.privacy.export import expire_exports
from casework.privacy.export_archive import build_export
from casework.privacy.export_contents import when
from casework.privacy.models import AuditEvent
from casework.privacy.rights_models import DataExport, ExportStatus
from casework.privacy.tests.conftest import Practice
from casework.testing import care, messaging
from casework.vault.models import DataKey


def _agreed(practice: Practice) -> DataExport:
    asked = case_export.ask_for_case_export(case=practice.case, practitioner=practice.practitioner)
    case_export.answer_case_export(export_id=str(asked.pk), client=practice.client, agree=True)
    built = build_export(export_id=str(asked.pk))
    assert built is not None
    assert built.status == ExportStatus.READY
    return built


def _download_url(practice: Practice, found: DataExport) -> str:
    return reverse("privacy:case_export_download", args=[practice.case.pk, found.pk])


def _archive(client: Client, practice: Practice, found: DataExport) -> zipfile.ZipFile:
    response = client.get(_download_url(practice, found))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_archive_holds_this_case_and_nothing_of_another_case(
    practice: Practice, signed_in: Any
) -> None:
    # Kit's case with the same practitioner: a note of hers and a message of his.
    notes.write_note(
        case=practice.other_case,
        author=practice.practitioner,
        template="free",
        session_on=care.NOW.date(),
        sections={"text": "KIT-NOTE private"},
    )
    messaging.send(practice.other_conversation, practice.practitioner, "AMARA-TO-KIT hello")
    found = _agreed(practice)

    archive = _archive(signed_in(practice.practitioner), practice, found)
    names = set(archive.namelist())
    assert {"data.json", "index.html", "schema.json"} <= names
    raw = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    document = json.loads(archive.read("data.json"))
    schema = json.loads(archive.read("schema.json"))

    assert document["kind"] == "case_transfer"
    assert set(schema["required"]) <= set(document)
    assert document["case"]["id"] == str(practice.case.pk)
    assert document["case"]["emergency_contact"].startswith("ROBIN-CONTACT")
    assert document["case"]["crisis_plan"] == "ROBIN-PLAN call Alex"
    (note,) = document["notes"]
    assert note["content"]["data"] == "AMARA-NOTE slept badly"
    bodies = [message["body"] for message in document["messages"]]
    assert bodies == ["ROBIN-SAYS I slept badly", "AMARA-TO-ROBIN Let us talk on Thursday"]
    assert any(name.startswith("attachments/") for name in names)
    (plan,) = document["check_ins"]["plans"]
    assert plan["instrument"] == "phq9"
    (result,) = document["check_ins"]["results"]
    assert result["score"] == 6
    assert result["answers"]
    assert [a["id"] for a in document["appointments"]] == [practice.appointment.pk]
    assert document["timeline"], "the timeline has the check-in, the messages and the note"
    assert "AMARA-NOTE slept badly" in archive.read("index.html").decode()

    for absent in ("KIT-SAYS", "KIT-CONTACT", "KIT-NOTE", "AMARA-TO-KIT", "kit@example.org"):
        assert absent not in raw
    assert practice.other_client.display_name not in raw
    assert practice.client.email not in raw


def test_the_client_is_asked_first_and_told_by_email(practice: Practice) -> None:
    relay_pending()
    mail.outbox.clear()
    asked = case_export.ask_for_case_export(case=practice.case, practitioner=practice.practitioner)
    assert asked.status == ExportStatus.ASKING
    assert not asked.archive
    assert AuditEvent.objects.filter(
        action=actions.PRIVACY_CASE_EXPORT_ASKED,
        actor_id=practice.practitioner.pk,
        subject_id=practice.client.pk,
    ).exists()
    relay_pending()
    (sent,) = mail.outbox
    assert sent.to == [practice.client.email]
    assert reverse("privacy:case_export_consent", args=[asked.pk]) in str(sent.body)
    assert "ROBIN" not in str(sent.body)


def test_agreeing_queues_the_build_and_tells_the_practitioner(
    practice: Practice, django_capture_on_commit_callbacks: Any
) -> None:
    asked = case_export.ask_for_case_export(case=practice.case, practitioner=practice.practitioner)
    relay_pending()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_export.answer_case_export(export_id=str(asked.pk), client=practice.client, agree=True)
    asked.refresh_from_db()
    assert asked.status == ExportStatus.READY  # the task ran at once in tests
    assert asked.consent_decided_at is not None
    relay_pending()
    recipients = sorted(tuple(sent.to) for sent in mail.outbox)
    assert recipients == [(practice.practitioner.email,), (practice.practitioner.email,)]
    link = reverse("privacy:case_export", args=[practice.case.pk])
    assert all(link in str(sent.body) for sent in mail.outbox)


def test_one_request_per_case_at_a_time_and_one_answer(practice: Practice) -> None:
    asked = case_export.ask_for_case_export(case=practice.case, practitioner=practice.practitioner)
    with pytest.raises(case_export.CaseExportAlreadyAsked):
        case_export.ask_for_case_export(case=practice.case, practitioner=practice.practitioner)
    # Another case of the same practitioner is not held up, nor is her own export.
    case_export.ask_for_case_export(case=practice.other_case, practitioner=practice.practitioner)
    case_export.answer_case_export(export_id=str(asked.pk), client=practice.client, agree=False)
    with pytest.raises(case_export.CaseExportAlreadyAnswered):
        case_export.answer_case_export(export_id=str(asked.pk), client=practice.client, agree=True)
    with pytest.raises(case_export.CaseExportAlreadyAnswered):
        case_export.answer_case_export(
            export_id=str(asked.pk), client=practice.other_client, agree=True
        )


def test_only_the_cases_practitioner_asks(practice: Practice) -> None:
    with pytest.raises(ValidationError):
        case_export.ask_for_case_export(case=practice.case, practitioner=practice.client)


def test_another_practitioner_is_answered_not_found(practice: Practice, signed_in: Any) -> None:
    found = _agreed(practice)
    stranger = care.verified_practitioner()
    client = signed_in(stranger)
    assert client.get(reverse("privacy:case_export", args=[practice.case.pk])).status_code == 404
    assert client.post(reverse("privacy:case_export", args=[practice.case.pk])).status_code == 404
    assert client.get(_download_url(practice, found)).status_code == 404
    assert not DataExport.objects.filter(person=stranger).exists()


def test_a_download_before_consent_or_after_a_refusal_says_why(
    practice: Practice, signed_in: Any
) -> None:
    asked = case_export.ask_for_case_export(case=practice.case, practitioner=practice.practitioner)
    practitioner = signed_in(practice.practitioner)
    waiting = practitioner.get(_download_url(practice, asked))
    assert waiting.status_code == 409
    assert b"The client has not agreed yet" in waiting.content

    case_export.answer_case_export(export_id=str(asked.pk), client=practice.client, agree=False)
    declined = practitioner.get(_download_url(practice, asked))
    assert declined.status_code == 409
    assert b"The client declined the export" in declined.content
    assert not AuditEvent.objects.filter(action=actions.PRIVACY_CASE_EXPORT_DOWNLOADED).exists()


def test_an_expired_link_says_so_and_the_clock_destroys_the_archive(
    practice: Practice, signed_in: Any, frozen: Any
) -> None:
    found = _agreed(practice)
    assert found.expires_at is not None
    frozen.move_to(found.expires_at + timedelta(seconds=1))
    response = signed_in(practice.practitioner).get(_download_url(practice, found))
    assert response.status_code == 410
    assert b"This download link has expired" in response.content
    assert expire_exports() == 1
    assert DataKey.objects.get(owner=f"export:{found.pk}").is_destroyed


def test_a_download_is_audited_and_on_the_clients_access_log(
    practice: Practice, signed_in: Any
) -> None:
    found = _agreed(practice)
    _archive(signed_in(practice.practitioner), practice, found)
    assert AuditEvent.objects.filter(
        action=actions.PRIVACY_CASE_EXPORT_DOWNLOADED,
        object_id=str(found.pk),
        actor_id=practice.practitioner.pk,
        subject_id=practice.client.pk,
    ).exists()
    shown = [access.what for access in accesses_of(practice.client)]
    assert str(actions.PRIVACY_CASE_EXPORT_DOWNLOADED.label) in shown


def test_the_client_agrees_or_declines_on_her_page(practice: Practice, signed_in: Any) -> None:
    asked = case_export.ask_for_case_export(case=practice.case, practitioner=practice.practitioner)
    url = reverse("privacy:case_export_consent", args=[asked.pk])
    client = signed_in(practice.client)
    care_page = client.get(reverse("care:my_care"))
    assert url.encode() in care_page.content  # the request waits on her care page too
    page = client.get(url)
    assert page.status_code == 200
    assert practice.practitioner.display_name.encode() in page.content
    assert b"Waiting for your answer." in page.content
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    assert client.post(url, {"decision": "decline"}).status_code == 302
    asked.refresh_from_db()
    assert asked.status == ExportStatus.DECLINED
    assert b"You declined on" in client.get(url).content
    assert url.encode() not in client.get(reverse("care:my_care")).content
    assert client.post(url, {"decision": "agree"}).status_code == 409

    kit = signed_in(practice.other_client)
    assert kit.get(url).status_code == 404


def test_the_practitioner_asks_and_calls_off_from_the_case(
    practice: Practice, signed_in: Any
) -> None:
    client = signed_in(practice.practitioner)
    case_page = client.get(reverse("care:case", args=[practice.case.pk]))
    url = reverse("privacy:case_export", args=[practice.case.pk])
    assert url.encode() in case_page.content
    assert client.post(url, {"action": "ask"}).status_code == 302
    assert client.post(url, {"action": "ask"}).status_code == 409
    assert client.post(url, {"action": "call_off", "confirmed": "yes"}).status_code == 302
    (called_off,) = DataExport.objects.filter(case=practice.case)
    assert called_off.status == ExportStatus.EXPIRED
    assert client.post(url, {"action": "call_off", "confirmed": "yes"}).status_code == 409


def test_erasing_the_client_destroys_her_cases_exports(practice: Practice) -> None:
    found = _agreed(practice)
    assert found.data_key in erasure._keys_to_destroy(practice.client)


def test_an_earlier_or_later_case_of_the_same_pair_stays_out(
    practice: Practice, frozen: Any
) -> None:
    # Robin's case closes; weeks later she comes back, a new case opens and she writes again.
    change_case_status(
        case=practice.case, actor=practice.practitioner, to_status="closed", reason="Ended well"
    )
    frozen.shift(timedelta(days=20))
    later = care.ready_case(practice.practitioner, practice.client)
    conversation = messaging_services.open_case_conversation(
        client=practice.client, practitioner=practice.practitioner, actor=practice.practitioner
    )
    messaging.send(conversation, practice.client, "ROBIN-AGAIN back after a while")
    practice.case.refresh_from_db()

    earlier, _files = case_export_contents.collect(practice.case, practice.practitioner)
    assert [m["body"] for m in earlier["messages"]] == [
        "ROBIN-SAYS I slept badly",
        "AMARA-TO-ROBIN Let us talk on Thursday",
    ]
    assert [n["content"]["data"] for n in earlier["notes"]] == ["AMARA-NOTE slept badly"]

    now, _files = case_export_contents.collect(later, practice.practitioner)
    assert [m["body"] for m in now["messages"]] == ["ROBIN-AGAIN back after a while"]
    assert now["notes"] == []
    assert now["appointments"] == []


def test_a_transfer_ends_the_previous_practitioners_requests_and_archives(
    practice: Practice,
) -> None:
    ready = _agreed(practice)
    waiting = case_export.ask_for_case_export(
        case=practice.case, practitioner=practice.practitioner
    )
    for flag in UrgentFlag.objects.filter(case=practice.case):
        acknowledge_flag(flag=flag, practitioner=practice.practitioner)
    jonas = care.verified_practitioner(legal_name="Jonas Berg")
    referral = referrals.propose_referral(
        case=practice.case,
        practitioner=practice.practitioner,
        to_practitioner=jonas,
        kind="transfer",
        items=["emergency", "location", "scores"],
        summary="Robin moves to Leeds.",
    )
    referrals.answer_referral(
        referral=referral, client=practice.client, agree=True, items=["emergency"]
    )
    referrals.accept_referral(referral=referral, recipient=jonas)
    # Before the reaction runs, her agreement would send her record to someone off the case.
    with pytest.raises(case_export.CaseExportAlreadyAnswered):
        case_export.answer_case_export(
            export_id=str(waiting.pk), client=practice.client, agree=True
        )

    relay_pending()
    ready.refresh_from_db()
    waiting.refresh_from_db()
    assert ready.status == waiting.status == ExportStatus.EXPIRED
    assert DataKey.objects.get(owner=f"export:{ready.pk}").is_destroyed
    moved = Case.objects.get(pk=practice.case.pk)
    assert case_export.ask_for_case_export(case=moved, practitioner=jonas).status == "asking"


def test_the_timeline_covers_the_whole_case_not_only_the_pages_half_year(
    practice: Practice,
) -> None:
    """The case page shows the last half year; the practitioner who receives a transferred
    case has only the export, so it holds everything from the case's start to its close."""
    opened = practice.case.opened_at - timedelta(days=400)
    Case.objects.filter(pk=practice.case.pk).update(opened_at=opened)
    practice.case.refresh_from_db()
    early = messaging.send(practice.conversation, practice.client, "EARLY words")
    early_at = opened + timedelta(days=2)
    type(early).objects.filter(pk=early.pk).update(created_at=early_at)

    on_the_page = {entry.at for entry in case_timeline(practice.case, practice.practitioner)}
    exported = case_export_contents.timeline(practice.case, practice.practitioner)

    assert early_at not in on_the_page
    assert when(early_at) in {entry["at"] for entry in exported}
    assert len(exported) > len(on_the_page)


def test_the_timeline_of_a_closed_case_stops_at_its_close(practice: Practice) -> None:
    # Written while the case ran, then dated after its close: closing closes its conversation.
    later = messaging.send(practice.conversation, practice.client, "LATER words")
    change_case_status(
        case=practice.case, to_status="closed", actor=practice.practitioner, reason="Goals met"
    )
    practice.case.refresh_from_db()
    assert practice.case.closed_at is not None
    later_at = practice.case.closed_at + timedelta(days=3)
    type(later).objects.filter(pk=later.pk).update(created_at=later_at)

    exported = case_export_contents.timeline(practice.case, practice.practitioner)

    assert when(later_at) not in {entry["at"] for entry in exported}
    assert exported, "what happened while the case ran is still there"
