import pytest
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_person_changes_language_and_time_zone(client: Client, client_person: User) -> None:
    client.force_login(client_person)
    response = client.post(
        reverse("accounts:preferences"), {"language": "es", "time_zone": "America/Bogota"}
    )
    assert response.status_code == 302
    client_person.refresh_from_db()
    assert (client_person.language, client_person.time_zone) == ("es", "America/Bogota")
    assert AuditEvent.objects.filter(action="account.preferences_changed").exists()
    page = client.get(reverse("shell:dashboard"))
    assert 'lang="es"' in page.content.decode()


def test_an_unknown_time_zone_is_refused_with_a_message(
    client: Client, client_person: User
) -> None:
    client.force_login(client_person)
    response = client.post(
        reverse("accounts:preferences"), {"language": "en", "time_zone": "Atlantis/Capital"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    client_person.refresh_from_db()
    assert client_person.time_zone == "UTC"


def test_the_language_switch_is_remembered_for_a_signed_in_person(
    client: Client, client_person: User
) -> None:
    client.force_login(client_person)
    response = client.post(reverse("set_language"), {"language": "es", "next": "/home/"})
    assert response["Location"] == "/home/"
    client_person.refresh_from_db()
    assert client_person.language == "es"


def test_the_language_switch_never_redirects_off_site(client: Client) -> None:
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
