"""The portal: officers invited to one regulator see only its data; the dashboard, its figures
and its exports (the webhook: test_webhooks.py)."""

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import Role, User
from casework.complaints.models import ComplaintState
from casework.complaints.services import move_complaint
from casework.oversight.invitations import accept_invitation, invite_officer
from casework.registry.claims import claim_registration
from casework.registry.models import RegistrationClaim, RegulatorOfficer
from casework.registry.register_import import receive_register_file
from casework.registry.restrictions import suspend_listing
from casework.testing import oversight, scheduling
from casework.testing.factories import AdminFactory, PractitionerFactory
from casework.testing.messaging import png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=False):
        yield


def _browser(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _england_world(practitioners: int = 1) -> dict[str, Any]:
    people = [oversight.listed_practitioner()[0] for _ in range(practitioners)]
    complaint = oversight.complaint_about(people[0], evidence=[png("receipt.png")]).complaint
    entry = RegistrationClaim.objects.get(practitioner=people[0], state="verified").entry
    return {"people": people, "complaint": complaint, "entry": entry}


def test_an_officer_of_another_regulator_gets_404_on_every_page_and_export_of_it() -> None:
    world = _england_world()
    england = oversight.officer_of("social-work-england")
    scottish = oversight.officer_of("sssc")
    england_slug = {"regulator": "social-work-england"}
    reading = receive_register_file(
        regulator=oversight.regulator(),
        uploaded_file=SimpleUploadedFile(
            "export.csv",
            b"registration_number,name,other_names,status,valid_from,valid_until,conditions\n"
            b"SW1001,Amara Okafor,,registered,,,\n",
        ),
        file_format="generic-csv",
        uploaded_by=england,
        check_in_background=False,
    )
    # A second claim on the registration: a dispute waiting for England's review.
    disputed = claim_registration(
        practitioner=PractitionerFactory.create(),
        regulator=oversight.regulator(),
        registration_number=world["entry"].registration_number,
    )
    evidence = world["complaint"].evidence.get()
    pages = [
        reverse("oversight:dashboard", kwargs=england_slug),
        reverse("oversight:registrants_csv", kwargs=england_slug),
        reverse("oversight:figures_csv", kwargs=england_slug),
        reverse("oversight:registration", kwargs={"entry_id": world["entry"].pk}),
        reverse("oversight:webhook_deliveries", kwargs=england_slug),
        reverse("registry:register_import", kwargs={"import_id": reading.pk}),
        reverse("complaints:detail", kwargs={"complaint_id": world["complaint"].pk}),
        reverse(
            "complaints:evidence",
            kwargs={
                "complaint_id": world["complaint"].pk,
                "evidence_id": evidence.pk,
            },
        ),
        reverse("complaints:bundle", kwargs={"complaint_id": world["complaint"].pk}),
        reverse("registry:review_claim", kwargs={"claim_id": disputed.pk}),
    ]
    for page in pages:
        assert _browser(england).get(page).status_code == 200, page
    for page in pages:
        assert _browser(scottish).get(page).status_code == 404, page
    # Nor does England's complaint appear in the lists the Scottish officer has.
    queue = _browser(scottish).get(reverse("complaints:queue")).content.decode()
    assert world["complaint"].reference not in queue
    # Nor England's claims to review and register readings (which England's officer has).
    for listing, link in (
        ("registry:review_queue", pages[-1]),
        ("registry:register_imports", pages[5]),
    ):
        assert link in _browser(england).get(reverse(listing)).content.decode()
        assert link not in _browser(scottish).get(reverse(listing)).content.decode()


def test_the_dashboard_costs_the_same_queries_for_2_or_12_practitioners() -> None:
    def count(practitioners: int) -> int:
        _england_world(practitioners)
        officer = oversight.officer_of("social-work-england")
        browser = _browser(officer)
        url = reverse("oversight:dashboard", kwargs={"regulator": "social-work-england"})
        browser.get(url)  # warm: sessions, reference data
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(url)
        assert response.status_code == 200
        return len(queries)

    small = count(2)
    large = count(10)
    # Session, user, MFA check, navigation's unread count, the regulator, proof table, waiting
    # claims, imports, complaints by state, recent complaints, three figures queries, the
    # registrants page and its count: no query per practitioner.
    assert large == small
    assert small <= 25


def test_the_figures_count_practitioners_by_status_and_complaints_and_time_to_resolution() -> None:
    world = _england_world(2)
    officer = oversight.officer_of("social-work-england")
    suspend_listing(entry=world["entry"], officer=officer, reason="Interim order.")
    with time_machine.travel(scheduling.NOW + timedelta(days=3), tick=False):
        move_complaint(
            complaint=world["complaint"],
            actor=officer,
            state=ComplaintState.CLOSED,
            outcome_summary="Warning given.",
        )
    rows = list(
        csv.reader(
            io.StringIO(
                _browser(officer)
                .get(reverse("oversight:figures_csv", kwargs={"regulator": "social-work-england"}))
                .content.decode()
            )
        )
    )
    assert ["practitioners_by_status", "Registered", "1"] in rows
    assert ["practitioners_by_status", "Listing suspended on Casework", "1"] in rows
    assert ["complaints_by_category", "Crossing professional boundaries", "1"] in rows
    assert ["median_days_to_resolution", "", "3.0"] in rows
    assert ["complaints_closed_by_days_to_resolution", "0-7", "1"] in rows
    assert ["complaints_closed_by_days_to_resolution", "8-30", "0"] in rows
    page = _browser(officer).get(
        reverse("oversight:dashboard", kwargs={"regulator": "social-work-england"})
    )
    # A small chart for each figure: practitioners, complaints, and the days they took.
    assert page.content.decode().count("<svg") == 3
    assert "Complaints closed, by days to resolution" in page.content.decode()


def test_the_registrants_export_has_proof_and_listing_state_and_no_formulas() -> None:
    world = _england_world()
    officer = oversight.officer_of("social-work-england")
    suspend_listing(entry=world["entry"], officer=officer, reason="Interim order.")
    response = _browser(officer).get(
        reverse("oversight:registrants_csv", kwargs={"regulator": "social-work-england"})
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["claim_state"] == "verified"
    assert rows[0]["proof_route"] == "officer"
    assert rows[0]["listing"] == "suspended_on_platform"


def test_an_invited_officer_opens_nothing_before_a_second_factor_and_the_link_works_once(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    admin = AdminFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = invite_officer(
            email="New.Officer@example.org",
            regulator=oversight.regulator("sssc"),
            invited_by=admin,
        )
    link = reverse("oversight:accept_invitation", kwargs={"token": token})
    assert any(link in message.body for message in mail.outbox)
    browser = Client()
    response = browser.post(
        link, {"legal_name": "Morag Campbell", "password": "a long and unusual passphrase 7"}
    )
    assert response.status_code == 302
    officer = User.objects.get(email="new.officer@example.org")
    assert officer.role == Role.OFFICER
    assert RegulatorOfficer.objects.filter(officer=officer, regulator__slug="sssc").exists()
    # MFA before anything opens.
    portal = browser.get(reverse("oversight:dashboard", kwargs={"regulator": "sssc"}))
    assert portal.status_code == 302
    assert portal["Location"] == reverse("mfa_activate_totp")
    # Used once.
    again = Client().get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_an_expired_invitation_is_refused_with_a_reason() -> None:
    admin = AdminFactory.create()
    _invitation, token = invite_officer(
        email="late@example.org", regulator=oversight.regulator("sssc"), invited_by=admin
    )
    with time_machine.travel(scheduling.NOW + timedelta(days=8), tick=False):
        response = Client().get(reverse("oversight:accept_invitation", kwargs={"token": token}))
        with pytest.raises(ValidationError, match="expired"):
            accept_invitation(token=token, signed_in=None, legal_name="Late", password="x" * 20)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="late@example.org").exists()


def test_the_dashboard_shows_claims_waiting_disputes_readings_and_complaints_by_state() -> None:
    world = _england_world()
    officer = oversight.officer_of("social-work-england")
    rival = PractitionerFactory.create(legal_name="Rhiannon Pryce")
    claim_registration(
        practitioner=rival,
        regulator=oversight.regulator(),
        registration_number=world["entry"].registration_number,
    )
    reading = receive_register_file(
        regulator=oversight.regulator(),
        uploaded_file=SimpleUploadedFile(
            "april-export.csv", b"registration_number,name,status\nSW1001,Amara Okafor,registered\n"
        ),
        file_format="generic-csv",
        uploaded_by=officer,
        check_in_background=False,
    )
    move_complaint(complaint=world["complaint"], actor=officer, state=ComplaintState.UNDER_REVIEW)

    page = (
        _browser(officer)
        .get(reverse("oversight:dashboard", kwargs={"regulator": "social-work-england"}))
        .content.decode()
    )

    assert "Rhiannon Pryce" in page
    assert "In dispute" in page
    assert reverse("registry:register_import", kwargs={"import_id": reading.pk}) in page
    assert "april-export.csv" in page
    assert "<li><strong>1</strong> Under review</li>" in page
    assert "<li><strong>0</strong> Received</li>" in page
    assert world["complaint"].reference in page
