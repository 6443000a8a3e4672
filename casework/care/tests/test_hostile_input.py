"""Malformed and hostile data posted to every care form: never a 500, a clear answer, and what
is stored is shown as text, never as markup."""

from typing import Any

import pytest
from django.test import Client

from casework.accounts.models import User
from casework.care.models import Case, CaseNote, CheckIn, Referral
from casework.testing import care

pytestmark = pytest.mark.django_db

HOSTILE_VALUES: list[object] = [
    "",
    "x" * 10_240,
    ["first", "second"],
    "<script>alert('x')</script>",
    "' OR 1=1; DROP TABLE care_case; --",
    "\x00nul",
    "\u202eevil\u202c",
    "😀" * 300,
    "2026-13-45",
    -1,
]


def _forms(case: Case) -> dict[str, tuple[str, list[str], str]]:
    """Each form: its address, its fields, and who posts it."""
    check_in = care.due_check_in(care.plan(case, "gad7"))
    note_free = f"/care/clients/{case.pk}/notes/new/"
    return {
        "details": (
            f"/care/clients/{case.pk}/details/",
            ["client_location", "emergency_contact", "crisis_plan"],
            "practitioner",
        ),
        "status": (f"/care/clients/{case.pk}/status/", ["to_status", "reason"], "practitioner"),
        "online work": (
            f"/care/clients/{case.pk}/online-work/",
            ["suitable", "alternative"],
            "practitioner",
        ),
        "supervisor": (f"/care/clients/{case.pk}/supervisor/", ["email"], "practitioner"),
        "plan": (
            f"/care/clients/{case.pk}/check-ins/new/",
            ["instrument", "schedule", "every_days", "time_of_day", "starts_on"],
            "practitioner",
        ),
        "note": (
            note_free,
            ["template", "session_on", "data", "assessment", "plan"],
            "practitioner",
        ),
        "refer": (
            f"/care/clients/{case.pk}/refer/",
            ["kind", "email", "items", "summary"],
            "practitioner",
        ),
        "consent": (f"/care/my/{case.pk}/consent/video/", ["version", "agree"], "client"),
        "check-in": (
            f"/care/check-ins/{check_in.pk}/",
            [str(number) for number in range(1, 8)],
            "client",
        ),
        "caseload filters": ("/care/caseload/", ["status", "attention", "q"], "practitioner"),
    }


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda v: repr(v)[:20])
def test_hostile_values_never_break_a_care_form(case: Case, value: Any) -> None:
    people: dict[str, User] = {"practitioner": case.practitioner, "client": case.client}
    browser = Client(raise_request_exception=False)
    for name, (url, fields, who) in _forms(case).items():
        browser.force_login(people[who])
        data = dict.fromkeys(fields, value)
        response = browser.get(url, data) if name == "caseload filters" else browser.post(url, data)
        assert response.status_code < 500, name
        if response.status_code == 200 and name != "caseload filters":
            page = response.content.decode()
            assert "form-errors" in page or "field-errors" in page or "form-error" in page, name
        assert "<script>alert" not in response.content.decode(), name
    # Nothing half-written: no answer, note or referral came of these values.
    assert not CheckIn.objects.filter(status="answered").exists()
    assert not CaseNote.objects.exists()
    assert not Referral.objects.exists()


def test_stored_markup_is_shown_as_text(case: Case, client: Client) -> None:
    client.force_login(case.practitioner)
    client.post(
        f"/care/clients/{case.pk}/details/",
        {"crisis_plan": "<script>alert('x')</script>", "emergency_contact": "<b>Sam</b>"},
    )
    page = client.get(f"/care/clients/{case.pk}/").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>Sam</b>" not in page
