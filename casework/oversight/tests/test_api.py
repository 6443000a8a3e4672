"""/api/v1 of the regulator portal: an officer reads their regulator's registrants and the
complaints routed to it, as the portal shows them; another regulator's officer is answered as
for a missing regulator, every other role is refused, as by the pages."""

import csv
import io
from collections.abc import Iterator

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.oversight import api as oversight_api
from casework.registry.models import RegistrationClaim
from casework.registry.restrictions import suspend_listing
from casework.testing import oversight, scheduling
from casework.testing.factories import AdminFactory

pytestmark = pytest.mark.django_db

ENGLAND = {"regulator": "social-work-england"}


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=True):
        yield


def as_person(person: User) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


def test_registrants_read_as_the_portals_export_has_them() -> None:
    practitioner, _profile = oversight.listed_practitioner(legal_name="Amara Okafor")
    officer = oversight.officer_of()
    entry = RegistrationClaim.objects.get(practitioner=practitioner).entry
    assert entry is not None
    suspend_listing(entry=entry, officer=officer, reason="Interim order.")
    browser = as_person(officer)
    (regulator,) = browser.get("/api/v1/oversight/regulators").json()
    assert (regulator["slug"], regulator["jurisdiction"]) == ("social-work-england", "GB-ENG")
    page = browser.get(regulator["registrants_url"]).json()
    exported = csv.DictReader(
        io.StringIO(
            browser.get(reverse("oversight:registrants_csv", kwargs=ENGLAND)).content.decode()
        )
    )
    (row,) = page["results"]
    (csv_row,) = list(exported)
    for field in ("registration_number", "claim_state", "proof_route", "listing"):
        assert str(row[field]) == csv_row[field], field
    assert row["listing"] == "suspended_on_platform"
    assert row["page_url"].endswith(
        reverse("oversight:registration", kwargs={"entry_id": entry.pk})
    )
    assert page["next_cursor"] is None


def test_routed_complaints_page_by_cursor_newest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oversight_api, "PAGE_SIZE", 2)
    practitioner, _profile = oversight.listed_practitioner()
    filed = [oversight.complaint_about(practitioner).complaint for _ in range(3)]
    browser = as_person(oversight.officer_of())
    url = reverse("api:oversight_complaints", kwargs=ENGLAND)
    first = browser.get(url).json()
    rest = browser.get(url, {"cursor": first["next_cursor"]}).json()
    seen = [c["reference"] for c in first["results"] + rest["results"]]
    newest_first = sorted(filed, key=lambda c: (c.created_at, c.pk), reverse=True)
    assert seen == [c.reference for c in newest_first]
    assert rest["next_cursor"] is None
    assert first["results"][0]["page_url"].endswith(
        reverse("complaints:detail", kwargs={"complaint_id": newest_first[0].pk})
    )
    registrants = reverse("api:oversight_registrants", kwargs=ENGLAND)
    assert browser.get(registrants, {"cursor": first["next_cursor"]}).status_code == 400


@pytest.mark.parametrize(
    "persona", ["client_person", "practitioner", "moderator", "officer", "admin_person"]
)
def test_each_persona_gets_from_the_api_what_the_portal_gives_them(
    persona: str, request: pytest.FixtureRequest
) -> None:
    """The fixture ``officer`` acts for no regulator; Scotland's officer is asked about
    England's; an administrator reads every regulator."""
    oversight.listed_practitioner()
    person: User = request.getfixturevalue(persona)
    browser = as_person(person)
    for page, operation in (
        ("oversight:dashboard", "api:oversight_registrants"),
        ("oversight:dashboard", "api:oversight_complaints"),
    ):
        expected = browser.get(reverse(page, kwargs=ENGLAND)).status_code
        got = browser.get(reverse(operation, kwargs=ENGLAND)).status_code
        assert got == expected, (persona, operation)
    portal = browser.get(reverse("oversight:home")).status_code
    listed = browser.get("/api/v1/oversight/regulators").status_code
    assert (portal == 403) == (listed == 403), persona


def test_another_regulators_officer_is_answered_as_for_a_missing_regulator() -> None:
    oversight.listed_practitioner()
    scottish = as_person(oversight.officer_of("sssc"))
    for operation in ("api:oversight_registrants", "api:oversight_complaints"):
        assert scottish.get(reverse(operation, kwargs=ENGLAND)).status_code == 404
        missing = scottish.get(reverse(operation, kwargs={"regulator": "no-such-regulator"}))
        assert missing.status_code == 404
    (regulator,) = scottish.get("/api/v1/oversight/regulators").json()
    assert regulator["slug"] == "sssc"


def test_the_oversight_scope_is_needed_and_staff_tokens_need_a_second_factor() -> None:
    officer = oversight.officer_of()
    url = reverse("api:oversight_complaints", kwargs=ENGLAND)
    reader = create_api_token(
        person=officer, name="Case system", scopes=["oversight:read"], days=7, now=timezone.now()
    )[1]
    other = create_api_token(
        person=officer, name="Inbox", scopes=["messaging:read"], days=7, now=timezone.now()
    )[1]
    api = Client()
    assert api.get(url, headers={"Authorization": f"Bearer {reader}"}).status_code == 200
    refused = api.get(url, headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 403
    assert "oversight:read" in refused.json()["error"]["message"]
    Authenticator.objects.filter(user=officer).delete()
    assert api.get(url, headers={"Authorization": f"Bearer {reader}"}).status_code == 401


def test_an_administrator_reads_every_regulator() -> None:
    oversight.regulator()  # the reference data: every regulator
    admin = AdminFactory.create()
    slugs = {r["slug"] for r in as_person(admin).get("/api/v1/oversight/regulators").json()}
    assert {"social-work-england", "sssc"} <= slugs
