"""Every page and API response with someone's sensitive content tells caches to keep nothing."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from casework.privacy.middleware import carries_sensitive_content
from tests.access_world import World
from tests.authorization_policy import IN
from tests.conftest import world
from tests.test_authorization_matrix import ALL_ROUTES, entries_for, is_admin, url_for

__all__ = ["world"]  # the authorization matrix's world of real objects, one per module

pytestmark = pytest.mark.django_db

# What must be among the routes walked, whatever else is added later.
MUST_BE_COVERED = {
    "care:case",
    "care:edit_case",  # emergency details
    "care:break_glass",
    "care:case_notes",
    "care:note",
    "care:check_in",
    "care:my_care",
    "messaging:inbox",
    "messaging:conversation",
    "api:messaging_conversations",
    "api:messaging_messages",
    "accounts:preferences",
    "account_email",
    "mfa_index",
}


def test_every_sensitive_route_answers_no_store(world: World) -> None:
    walked: set[str] = set()
    for name in ALL_ROUTES:
        if is_admin(name, ALL_ROUTES[name]):
            continue  # Django's admin sends its own never-cache headers
        for entry in entries_for(name):
            persona = next((p for p in entry.who if entry.outcome(p, "GET") == IN), None)
            if persona is None or "GET" not in entry.methods:
                continue
            browser = Client()
            if world.sessions.get(persona):
                browser.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
            response = browser.get(url_for(world, name, entry))
            if not carries_sensitive_content(response.wsgi_request):
                continue
            walked.add(name)
            assert "no-store" in response.get("Cache-Control", ""), (name, persona)
    assert walked >= MUST_BE_COVERED, sorted(MUST_BE_COVERED - walked)


def test_a_public_page_may_still_be_cached(client: Client) -> None:
    response = client.get(reverse("registry:verify"))
    assert "no-store" not in response.get("Cache-Control", "")
