"""django-allauth's forms show what went wrong like every other form here: one error summary at
the top of the form, announced (role="alert") and focused (autofocus), each field's error linked
to its input."""

import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.testing.factories import PERSONA_PASSWORD, PractitionerFactory

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(
    r'<div class="form-errors error-summary" role="alert" tabindex="-1" autofocus[^>]*>(.*?)</div>',
    re.DOTALL,
)


def _summary(response: Any) -> str:
    assert response.status_code == 200
    found = SUMMARY.search(response.content.decode())
    assert found, "no error summary on the page"
    return found.group(1)


def _links_to(summary: str, field_id: str) -> bool:
    return f'href="#{field_id}"' in summary


def _input_exists(response: Any, field_id: str) -> bool:
    return f'id="{field_id}"' in response.content.decode()


def test_sign_in_without_a_password_summarises_the_error(
    client: Client, client_person: User
) -> None:
    response = client.post(reverse("account_login"), {"login": client_person.email, "password": ""})
    assert _links_to(_summary(response), "id_password")
    assert _input_exists(response, "id_password")


def test_a_wrong_password_is_summarised_at_the_top(client: Client, client_person: User) -> None:
    response = client.post(
        reverse("account_login"), {"login": client_person.email, "password": "not it"}
    )
    summary = _summary(response)
    assert "not correct" in summary


def test_password_reset_with_a_broken_address_summarises_the_error(client: Client) -> None:
    response = client.post(reverse("account_reset_password"), {"email": "not-an-address"})
    assert _links_to(_summary(response), "id_email")
    assert _input_exists(response, "id_email")


def test_reauthentication_with_a_wrong_password_summarises_the_error(
    client: Client, client_person: User
) -> None:
    client.force_login(client_person)
    response = client.post(reverse("account_reauthenticate"), {"password": "not it"})
    assert _links_to(_summary(response), "id_password")


def test_a_wrong_sign_in_code_is_summarised(client: Client, practitioner: User) -> None:
    with time_machine.travel("2026-11-24 10:00:05Z", tick=False):
        client.post(
            reverse("account_login"), {"login": practitioner.email, "password": PERSONA_PASSWORD}
        )
        response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert _links_to(_summary(response), "id_code")
    assert _input_exists(response, "id_code")


def test_a_wrong_code_when_setting_up_two_factor_is_summarised(client: Client) -> None:
    newcomer = PractitionerFactory.create(totp=False)
    client.post(reverse("account_login"), {"login": newcomer.email, "password": PERSONA_PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert _links_to(_summary(response), "id_code")
    assert _input_exists(response, "id_code")


def test_a_form_that_went_through_shows_no_summary(client: Client) -> None:
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert not SUMMARY.search(page.content.decode())
