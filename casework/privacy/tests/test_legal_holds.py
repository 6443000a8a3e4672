"""Legal holds: placed and lifted with a reason by moderators, regulator officers and
administrators, audited; the retention task keeps what they cover, and an erasure of a person
under one is refused with its reason."""

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.care.models import Case
from casework.privacy import actions, erasure
from casework.privacy.hold_views import HOLDS_PER_PAGE
from casework.privacy.holds import lift_legal_hold, place_legal_hold
from casework.privacy.models import AuditEvent, RetentionReport
from casework.privacy.retention.rules import RULES_FILE, load_rules
from casework.privacy.rights_models import LegalHold
from casework.privacy.tests.conftest import Practice
from casework.privacy.tests.test_retention import (
    NINE_YEARS_AGO,
    _closed_case,
    _closed_enquiry,
    _shredded,
)
from casework.testing import care, factories

pytestmark = pytest.mark.django_db

REASON = "Police investigation 24/118: keep until the court says otherwise."


@pytest.mark.parametrize("make", [factories.ModeratorFactory, factories.AdminFactory])
def test_staff_who_investigate_place_and_lift_a_hold_and_both_are_audited(
    make: type[factories.ModeratorFactory], practice: Practice
) -> None:
    staff = make.create()
    hold = place_legal_hold(actor=staff, person=practice.client, reason=f"  {REASON} ")
    assert hold.in_force
    assert hold.reason == REASON
    placed = AuditEvent.objects.get(action=actions.PRIVACY_LEGAL_HOLD_PLACED)
    assert (placed.actor_id, placed.subject_id) == (staff.pk, practice.client.pk)
    lifted = lift_legal_hold(hold=hold, actor=staff)
    assert not lifted.in_force
    assert lifted.lifted_by == staff
    lift_legal_hold(hold=hold, actor=staff)  # again: nothing more happens
    assert AuditEvent.objects.filter(action=actions.PRIVACY_LEGAL_HOLD_LIFTED).count() == 1


def test_an_officer_may_hold_a_case(practice: Practice) -> None:
    officer = factories.OfficerFactory.create()
    hold = place_legal_hold(actor=officer, case=practice.case, reason=REASON)
    event = AuditEvent.objects.get(action=actions.PRIVACY_LEGAL_HOLD_PLACED)
    assert event.subject_id == practice.client.pk  # the client sees it in their access log
    assert hold.case == practice.case


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "too_long"),
        ({"reason": REASON, "both": True}, "target"),
        ({"reason": REASON, "neither": True}, "target"),
    ],
)
def test_a_hold_needs_one_thing_and_a_reason(
    kwargs: dict[str, object], code: str, practice: Practice
) -> None:
    admin = factories.AdminFactory.create()
    person = None if kwargs.get("neither") else practice.client
    case = practice.case if kwargs.get("both") else None
    with pytest.raises(ValidationError) as refused:
        place_legal_hold(actor=admin, person=person, case=case, reason=str(kwargs["reason"]))
    assert refused.value.code == code
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize("role", ["client", "practitioner"])
def test_clients_and_practitioners_cannot_place_holds(role: str, practice: Practice) -> None:
    person = practice.client if role == "client" else practice.practitioner
    with pytest.raises(ValidationError):
        place_legal_hold(actor=person, person=practice.other_client, reason=REASON)
    assert not AuditEvent.objects.filter(action=actions.PRIVACY_LEGAL_HOLD_PLACED).exists()


def test_the_database_refuses_a_hold_on_nothing(practice: Practice) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalHold.objects.create(reason=REASON, placed_by=practice.practitioner, placed_at=care.NOW)


def test_a_hold_on_a_person_refuses_their_erasure_with_its_reason(practice: Practice) -> None:
    place_legal_hold(actor=factories.AdminFactory.create(), person=practice.client, reason=REASON)
    with pytest.raises(erasure.ErasureRefused) as refused:
        erasure.request_erasure(person=practice.client)
    assert [held.why for held in refused.value.holds] == [REASON]
    assert practice.other_client not in [h.person for h in LegalHold.objects.all()]
    erasure.request_erasure(person=practice.other_client)  # nobody else is held


def test_a_hold_on_a_case_refuses_its_clients_erasure(practice: Practice) -> None:
    place_legal_hold(actor=factories.ModeratorFactory.create(), case=practice.case, reason=REASON)
    with pytest.raises(erasure.ErasureRefused) as refused:
        erasure.request_erasure(person=practice.client)
    assert REASON in [held.why for held in refused.value.holds]


def test_a_hold_placed_during_the_cooling_off_stops_the_erasure(
    practice: Practice, frozen: object
) -> None:
    request = erasure.request_erasure(person=practice.other_client)
    hold = place_legal_hold(
        actor=factories.AdminFactory.create(), person=practice.other_client, reason=REASON
    )
    with time_machine.travel(request.erase_after, tick=False):
        assert erasure.erase_due() == 0
    practice.other_client.refresh_from_db()
    assert practice.other_client.is_active
    lift_legal_hold(hold=hold, actor=factories.AdminFactory.create())


def test_retention_keeps_what_a_hold_covers_and_says_so(practitioner: User) -> None:
    held_case = _closed_case(practitioner, NINE_YEARS_AGO)
    free_case = _closed_case(practitioner, NINE_YEARS_AGO)
    held_enquiry = _closed_enquiry(practitioner, NINE_YEARS_AGO)
    moderator = factories.ModeratorFactory.create()
    place_legal_hold(actor=moderator, case=held_case, reason=REASON)
    place_legal_hold(actor=moderator, person=held_enquiry.client, reason=REASON)
    out = StringIO()
    with time_machine.travel(care.NOW, tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
        assert "kept under a legal hold" in out.getvalue()
        assert str(held_case.pk) not in out.getvalue()
        call_command("apply_retention", stdout=StringIO())
    assert _shredded(free_case)
    assert not _shredded(held_case)
    assert not _shredded(held_enquiry)
    report = RetentionReport.objects.order_by("-pk").first()
    assert report is not None
    assert sum(int(line["held"]) for line in report.lines) == 2


def test_a_lifted_hold_lets_retention_remove_again(practitioner: User) -> None:
    case = _closed_case(practitioner, NINE_YEARS_AGO)
    admin = factories.AdminFactory.create()
    hold = place_legal_hold(actor=admin, case=case, reason=REASON)
    with time_machine.travel(care.NOW, tick=False):
        call_command("apply_retention", stdout=StringIO())
    assert not _shredded(case)
    lift_legal_hold(hold=hold, actor=admin)
    with time_machine.travel(care.NOW, tick=False):
        call_command("apply_retention", stdout=StringIO())
    assert _shredded(case)
    assert Case.objects.filter(pk=case.pk).exists()


def test_an_administrator_places_and_lifts_a_hold_in_the_admin_through_the_service(
    admin_person: User, practice: Practice, client: Client
) -> None:
    client.force_login(admin_person)
    added = client.post(
        reverse("admin:privacy_legalhold_add"),
        {"person": practice.client.pk, "case": "", "reason": REASON},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    hold = LegalHold.objects.get()
    assert (hold.person, hold.placed_by, hold.reason) == (practice.client, admin_person, REASON)
    assert AuditEvent.objects.filter(action=actions.PRIVACY_LEGAL_HOLD_PLACED).count() == 1
    both = client.post(
        reverse("admin:privacy_legalhold_add"),
        {"person": practice.client.pk, "case": practice.case.pk, "reason": REASON},
    )
    assert both.status_code == 200  # the form says why
    assert "Hold either a person or a case." in both.content.decode()
    assert LegalHold.objects.count() == 1
    client.post(
        reverse("admin:privacy_legalhold_changelist"),
        {"action": "lift", "_selected_action": [str(hold.pk)]},
    )
    hold.refresh_from_db()
    assert hold.lifted_by == admin_person
    assert client.post(reverse("admin:privacy_legalhold_delete", args=[hold.pk])).status_code == 403


def test_the_readme_lists_every_retention_period_in_force() -> None:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    for rule in load_rules(RULES_FILE).rules:
        assert f"| `{rule.jurisdiction}`" in readme
        assert f"{rule.keep_days} days" in readme, rule


def test_a_moderator_places_a_hold_by_email_on_the_holds_page_and_lifts_it(
    practice: Practice, client: Client
) -> None:
    moderator = factories.ModeratorFactory.create()
    client.force_login(moderator)
    assert client.get(reverse("privacy:holds")).status_code == 200
    placed = client.post(
        reverse("privacy:holds"), {"email": practice.client.email.upper(), "reason": REASON}
    )
    assert placed.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.person, hold.placed_by) == (practice.client, moderator)
    page = client.get(reverse("privacy:holds")).content.decode()
    assert REASON in page
    client.post(reverse("privacy:lift_hold", args=[hold.pk]), {"confirmed": "yes"})
    hold.refresh_from_db()
    assert hold.lifted_by == moderator
    assert REASON not in client.get(reverse("privacy:holds")).content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"reason": REASON}, "Hold either a person or a case."),
        ({"email": "nobody@example.org", "reason": REASON}, "Nobody on Casework has this address."),
        ({"case": "00000000-0000-0000-0000-000000000001", "reason": REASON}, "No case has"),
        ({"email": "robin@example.org", "reason": ""}, "This field is required."),
    ],
)
def test_the_holds_page_says_what_is_wrong_and_places_nothing(
    data: dict[str, str], error: str, practice: Practice, client: Client
) -> None:
    client.force_login(factories.AdminFactory.create())
    response = client.post(reverse("privacy:holds"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not LegalHold.objects.exists()


def test_the_holds_page_counts_every_hold_and_pages_through_them_in_constant_queries(
    practice: Practice, client: Client, django_assert_max_num_queries: Any
) -> None:
    admin = factories.AdminFactory.create()
    for n in range(HOLDS_PER_PAGE + 1):
        place_legal_hold(
            actor=admin,
            case=practice.case,
            reason=f"Court order {n:03d}",
            now=timezone.now() - timedelta(minutes=HOLDS_PER_PAGE - n),
        )
    client.force_login(admin)
    client.get(reverse("privacy:holds"))  # the session's first request records its device
    with django_assert_max_num_queries(6):
        first = client.get(reverse("privacy:holds")).content.decode()
    assert f"{HOLDS_PER_PAGE + 1} holds in force." in first
    assert first.count("Court order") == HOLDS_PER_PAGE
    assert "Court order 050" in first  # the newest first
    second = client.get(reverse("privacy:holds"), {"page": 2}).content.decode()
    assert second.count("Court order") == 1
    assert "Court order 000" in second


def test_an_officer_sees_and_lifts_only_the_holds_they_placed(
    practice: Practice, client: Client
) -> None:
    officer = factories.OfficerFactory.create()
    others = place_legal_hold(
        actor=factories.AdminFactory.create(), case=practice.case, reason="An admin's reason"
    )
    client.force_login(officer)
    client.post(reverse("privacy:holds"), {"case": str(practice.other_case.pk), "reason": REASON})
    page = client.get(reverse("privacy:holds")).content.decode()
    assert REASON in page
    assert "An admin's reason" not in page
    assert client.post(reverse("privacy:lift_hold", args=[others.pk])).status_code == 404
    others.refresh_from_db()
    assert others.in_force


def test_clients_and_practitioners_are_refused_the_holds_page(
    practice: Practice, client: Client
) -> None:
    for person in (practice.client, practice.practitioner):
        client.force_login(person)
        assert client.get(reverse("privacy:holds")).status_code == 403
