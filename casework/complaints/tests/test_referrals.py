"""A moderator's referral to a regulator arrives there as a complaint, with the report, the
statement of reasons and the messages the reporter showed with consent, once."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.complaints.models import Complaint, Source
from casework.complaints.reactions import file_referral
from casework.events.catalogue import RegulatorReferred
from casework.safety import access as safety_access
from casework.safety.models import RegulatorReferral, Report
from casework.safety.moderation import take_action
from casework.safety.reports import file_report
from casework.testing import factories, messaging, oversight, scheduling

pytestmark = pytest.mark.django_db

WORDS = "Send me a gift card and I will see you sooner"


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=False):
        yield


@pytest.fixture
def practitioner() -> User:
    practitioner, _profile = oversight.listed_practitioner(legal_name="Amara Okafor")
    return practitioner


@pytest.fixture
def report(practitioner: User) -> Report:
    client_person = factories.ClientFactory.create()
    enquiry = messaging.enquiry(client_person, practitioner)
    shown = messaging.send(enquiry, practitioner, WORDS)
    return file_report(
        reporter=client_person,
        target=safety_access.target_for_message(client_person, shown.pk),
        category="fraud",
        details="He wants a gift card",
        evidence=[shown],
        consented=True,
    ).report


def _refer(report: Report, capture: DjangoCaptureOnCommitCallbacks) -> None:
    with capture(execute=True):
        take_action(
            moderator=factories.ModeratorFactory.create(),
            report=report,
            kind="warn",
            rule="payments-on-platform",
            reason="Asked for payment by gift card",
            refer=True,
        )


def test_a_referral_files_one_complaint_to_the_regulator_it_names(
    report: Report, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    _refer(report, django_capture_on_commit_callbacks)
    complaint = Complaint.objects.get()
    referral = RegulatorReferral.objects.get()
    assert complaint.source == Source.MODERATION
    assert complaint.source_reference == f"referral:{referral.pk}"
    assert complaint.category == "fraud"
    assert referral.picked_up_at == complaint.created_at
    assert [route.regulator.slug for route in complaint.routes.all()] == ["social-work-england"]
    detail = reverse("complaints:detail", kwargs={"complaint_id": complaint.pk})
    english, scottish = Client(), Client()
    english.force_login(oversight.officer_of("social-work-england"))
    scottish.force_login(oversight.officer_of("sssc"))
    assert english.get(detail).status_code == 200
    assert scottish.get(detail).status_code == 404


def test_the_reaction_running_twice_files_one_complaint(
    report: Report, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    _refer(report, django_capture_on_commit_callbacks)
    referral = RegulatorReferral.objects.get()
    file_referral(
        RegulatorReferred(referral_id=str(referral.pk), regulator_id=referral.regulator_id)
    )
    assert Complaint.objects.count() == 1


def test_the_bundle_carries_the_referred_report_and_the_consented_messages_with_hashes(
    report: Report, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    _refer(report, django_capture_on_commit_callbacks)
    complaint = Complaint.objects.get()
    officer = Client()
    officer.force_login(oversight.officer_of("social-work-england"))
    response = officer.get(reverse("complaints:bundle", kwargs={"complaint_id": complaint.pk}))

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    names = [item["name"] for item in manifest["files"]]
    assert "referred_report.json" in names
    shown = [name for name in names if name.startswith("evidence/messages/")]
    assert len(shown) == 1
    assert archive.read(shown[0]).decode() == WORDS
    for item in manifest["files"]:
        assert hashlib.sha256(archive.read(item["name"])).hexdigest() == item["sha256"]
    referred = json.loads(archive.read("referred_report.json"))
    assert referred["report"] == report.reference
    assert referred["category"] == "fraud"
    assert referred["statement_of_reasons"]["reason"] == "Asked for payment by gift card"
    assert referred["statement_of_reasons"]["rule"] == "payments-on-platform"
