"""/api/v1 reports and blocks: the same targets, rules, limits and audit as the pages, as JSON;
each persona answered as the page answers them."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.messaging import services as messaging_services
from casework.messaging.models import Conversation, Message
from casework.privacy import actions
from casework.privacy.models import AuditEvent
from casework.safety import api as safety_api
from casework.safety.blocks import has_blocked
from casework.safety.models import Block, Report
from casework.testing import factories, messaging
from casework.testing.directory import listed_practitioner

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]


def post(browser: Client, url: str, payload: object) -> tuple[int, dict[str, Any]]:
    response = browser.post(url, json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


def as_person(person: User) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


def audited(action: str, actor: User) -> int:
    return AuditEvent.objects.filter(action=action, actor_id=actor.pk).count()


def test_a_client_reports_a_message_with_evidence_and_the_report_is_audited(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    earlier = messaging.send(conversation, practitioner, "We could talk somewhere else")
    reported = messaging.send(conversation, practitioner, "Buy me a gift card")
    status, body = post(
        as_person(client_person),
        "/api/v1/reports",
        {
            "about": "message",
            "id": str(reported.pk),
            "category": "fraud",
            "details": "Asked for a gift card",
            "evidence": [str(earlier.pk), str(reported.pk)],
            "consent": True,
        },
    )
    report = Report.objects.get()
    assert status == 201
    assert (body["reference"], body["about"], body["status"], body["merged"]) == (
        report.reference,
        "message",
        "open",
        False,
    )
    assert body["url"].endswith(reverse("safety:my_report", kwargs={"report_id": report.pk}))
    assert (report.reporter, report.reported, report.category) == (
        client_person,
        practitioner,
        "fraud",
    )
    assert report.evidence.count() == 2
    assert audited(actions.SAFETY_REPORT_FILED, client_person) == 1

    again, merged = post(
        as_person(client_person),
        "/api/v1/reports",
        {"about": "message", "id": str(reported.pk), "category": "harassment"},
    )
    assert (again, merged["merged"], merged["times_reported"]) == (200, True, 2)
    assert Report.objects.count() == 1
    assert audited(actions.SAFETY_REPORT_REPEATED, client_person) == 1


def test_evidence_needs_consent_and_must_be_offered(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    reported = messaging.send(conversation, practitioner, "Buy me a gift card")
    mine = Message.objects.get(conversation=conversation, sender=client_person)
    browser = as_person(client_person)
    base = {"about": "message", "id": str(reported.pk), "category": "fraud"}
    status, body = post(browser, "/api/v1/reports", base | {"evidence": [str(reported.pk)]})
    assert status == 400
    assert "consent" in body["error"]["fields"]
    status, body = post(
        browser, "/api/v1/reports", base | {"evidence": [str(mine.pk)], "consent": True}
    )
    assert status == 400
    assert "evidence" in body["error"]["fields"]
    assert not Report.objects.exists()


# What the report page answers on opening (GET), and what the API answers to the same report.
PAGE_TO_API = {200: 201, 400: 400, 404: 404}


@pytest.mark.parametrize(
    "persona", ["client_person", "practitioner", "other_practitioner", "moderator", "officer"]
)
def test_each_persona_may_report_through_the_api_what_the_pages_let_them_report(
    conversation: Conversation,
    practitioner: User,
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    person: User = request.getfixturevalue(persona)
    message = messaging.send(conversation, practitioner, "See you on Thursday")
    profile = listed_practitioner()
    targets: list[tuple[str, str, str, dict[str, object]]] = [
        ("message", str(message.pk), "safety:report_message", {"object_id": message.pk}),
        (
            "person",
            str(practitioner.pk),
            "safety:report_person",
            {"object_id": practitioner.pk},
        ),
        ("profile", profile.slug, "safety:report_profile", {"slug": profile.slug}),
    ]
    for about, key, page, kwargs in targets:
        opened = as_person(person).get(reverse(page, kwargs=kwargs)).status_code
        status, _body = post(
            as_person(person), "/api/v1/reports", {"about": about, "id": key, "category": "spam"}
        )
        assert status == PAGE_TO_API[opened], (persona, about, opened, status)


def test_reports_count_against_the_pages_limit(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    sent = [messaging.send(conversation, practitioner, f"Offer {i}") for i in range(11)]
    browser = as_person(client_person)
    for message in sent[:10]:
        url = reverse("safety:report_message", kwargs={"object_id": message.pk})
        assert browser.post(url, {"category": "spam"}).status_code == 302
    status, body = post(
        browser, "/api/v1/reports", {"about": "message", "id": str(sent[10].pk), "category": "spam"}
    )
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert Report.objects.count() == 10


def test_my_reports_page_by_cursor_and_someone_elses_report_is_missing(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    other_practitioner: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(safety_api, "PAGE_SIZE", 2)
    browser = as_person(client_person)
    for number in range(3):
        message = messaging.send(conversation, practitioner, f"Offer {number}")
        status, _body = post(
            browser,
            "/api/v1/reports",
            {"about": "message", "id": str(message.pk), "category": "spam"},
        )
        assert status == 201
    first = browser.get("/api/v1/reports").json()
    assert len(first["results"]) == 2
    rest = browser.get("/api/v1/reports", {"cursor": first["next_cursor"]}).json()
    assert rest["next_cursor"] is None
    seen = [r["reference"] for r in first["results"] + rest["results"]]
    newest_first = Report.objects.order_by("-created_at", "-id").values_list("reference", flat=True)
    assert seen == list(newest_first)

    other = as_person(other_practitioner)
    refused = other.get("/api/v1/reports", {"cursor": first["next_cursor"]})
    assert refused.status_code == 400
    assert "query.cursor" in refused.json()["error"]["fields"]
    assert other.get("/api/v1/reports").json() == {"results": [], "next_cursor": None}
    report = Report.objects.first()
    assert report is not None
    assert other.get(f"/api/v1/reports/{report.pk}").status_code == 404
    mine = browser.get(f"/api/v1/reports/{report.pk}").json()
    assert (mine["reference"], mine["status_label"]) == (
        report.reference,
        "Waiting for a moderator",
    )


def test_a_client_blocks_and_unblocks_through_the_api_with_each_step_audited(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    browser = as_person(client_person)
    status, body = post(browser, "/api/v1/blocks", {"person_id": practitioner.pk})
    assert (status, body["person_id"], body["name"]) == (
        201,
        practitioner.pk,
        practitioner.display_name,
    )
    assert has_blocked(client_person, practitioner)
    assert audited(actions.SAFETY_PERSON_BLOCKED, client_person) == 1
    again, _body = post(browser, "/api/v1/blocks", {"person_id": practitioner.pk})
    assert again == 200
    assert [b["person_id"] for b in browser.get("/api/v1/blocks").json()] == [practitioner.pk]

    assert browser.delete(f"/api/v1/blocks/{practitioner.pk}").status_code == 204
    assert not Block.objects.exists()
    assert audited(actions.SAFETY_PERSON_UNBLOCKED, client_person) == 1
    missing = browser.delete(f"/api/v1/blocks/{practitioner.pk}")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")


def test_whom_one_may_block_is_whom_the_pages_offer(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    other_practitioner: User,
    moderator: User,
) -> None:
    browser = as_person(client_person)
    # Someone one never dealt with, without a listed profile: no page offers it, nor the API.
    status, _body = post(browser, "/api/v1/blocks", {"person_id": other_practitioner.pk})
    assert status == 404
    # A listed practitioner: their profile's block page opens, and the API blocks.
    profile = listed_practitioner()
    page = browser.get(reverse("directory:block", kwargs={"slug": profile.slug}))
    assert page.status_code == 200
    status, _body = post(browser, "/api/v1/blocks", {"person_id": profile.practitioner_id})
    assert status == 201
    # A moderator writing to the client: reachable, but never blockable (the page says so).
    messaging_services.start_moderator_conversation(
        moderator=moderator, person=client_person, body="About your report"
    )
    status, body = post(browser, "/api/v1/blocks", {"person_id": moderator.pk})
    assert status == 400
    assert "cannot be blocked" in body["error"]["message"]
    status, body = post(browser, "/api/v1/blocks", {"person_id": client_person.pk})
    assert (status, body["error"]["code"]) == (400, "self")
    assert not has_blocked(client_person, moderator)


def test_a_token_without_the_write_scope_reads_but_does_not_report(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    secret = create_api_token(
        person=client_person, name="Reader", scopes=["safety:read"], days=7, now=timezone.now()
    )[1]
    api = Client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/reports", headers=headers).status_code == 200
    refused = api.post(
        "/api/v1/blocks",
        json.dumps({"person_id": practitioner.pk}),
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 403
    assert "safety:write" in refused.json()["error"]["message"]
    assert not Block.objects.exists()


def test_visitors_and_staff_without_a_second_factor_get_401() -> None:
    assert Client().get("/api/v1/reports").status_code == 401
    no_mfa = as_person(factories.PractitionerFactory.create(totp=False))
    assert no_mfa.get("/api/v1/blocks").status_code == 401


def test_an_id_given_as_true_or_false_is_refused_not_read_as_one_or_zero(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    browser = as_person(client_person)
    for value in (True, False):
        status, body = post(browser, "/api/v1/blocks", {"person_id": value})
        assert status == 422
        assert "person_id" in str(body["error"]["fields"])
    assert not Block.objects.exists()
