"""/privacy/: public, plain words, and written from the rules and settings in force."""

import pytest
from django.test import Client
from pytest_django import Settings

from casework.accounts.models import Role
from casework.privacy import notice

pytestmark = pytest.mark.django_db


def test_anyone_reads_it_and_every_page_links_to_it(client: Client) -> None:
    page = client.get("/privacy/")
    assert page.status_code == 200
    assert 'href="/privacy/"' in client.get("/").content.decode()


def test_it_states_the_retention_rules_in_force_with_their_sources(client: Client) -> None:
    html = client.get("/privacy/").content.decode()
    assert "England:</strong> 8 years, from the day the case was closed" in html
    assert "Everywhere else:</strong> 2 years, from the day the enquiry was closed" in html
    assert "Everywhere:</strong> removed as soon as it ends" in html
    assert 'href="https://transform.england.nhs.uk/' in html
    assert "still being checked" in html  # an unconfirmed period says so


def test_it_follows_the_settings(client: Client, settings: Settings) -> None:
    settings.RETENTION_REMOVES = False
    settings.HOSTING_LOCATION = ""
    html = client.get("/privacy/").content.decode()
    assert "only reports, for now, what it would remove" in html
    assert "has not said where its servers are" in html
    settings.RETENTION_REMOVES = True
    settings.HOSTING_LOCATION = "Frankfurt, Germany (EU)"
    settings.SESSION_COOKIE_AGE = 7 * 86400
    html = client.get("/privacy/").content.decode()
    assert "That task is switched on." in html
    assert "Our servers and your data are in: Frankfurt, Germany (EU)." in html
    assert "at most 7 days" in html


def test_periods_read_as_years_where_they_are_years() -> None:
    assert notice.how_long(2922) == "8 years"
    assert notice.how_long(365) == "1 year"
    assert notice.how_long(45) == "45 days"
    assert notice.how_long(0) == "removed as soon as it ends"


def test_it_says_a_legal_hold_can_keep_data_past_retention_and_erasure(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = client.get("/privacy/").content.decode()
    assert "A legal hold can keep your data past the periods above, and past an erasure" in html
    assert "placed by a regulator&#x27;s officer, a moderator or an administrator" in html
    # Who may place one follows the rule in force, not a sentence written beside it.
    monkeypatch.setattr(notice, "HOLDERS", frozenset({Role.ADMIN}))
    html = client.get("/privacy/").content.decode()
    assert "It can be placed by an administrator, on your records" in html
