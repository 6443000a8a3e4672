import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from casework.accounts.models import Role, User
from casework.privacy.models import AuditEvent

# Email leaves through transaction.on_commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long and unusual passphrase"


def _sign_up(client: Client, url_name: str, **fields: str) -> Any:
    data = {"email": "river@example.org", "password1": PASSWORD, "password2": PASSWORD, **fields}
    return client.post(reverse(url_name), data, HTTP_ACCEPT_LANGUAGE="es")


def test_a_client_signs_up_with_an_alias_email_and_password_only(client: Client) -> None:
    response = _sign_up(client, "account_signup", alias="River", time_zone="Europe/Madrid")
    assert response.status_code == 302
    person = User.objects.get(email="river@example.org")
    assert person.role == Role.CLIENT
    assert person.alias == "River"
    assert person.legal_name == ""
    assert person.time_zone == "Europe/Madrid"  # from the browser
    assert person.language == "es"  # from the browser's Accept-Language
    assert person.password.startswith("argon2$argon2id$")
    assert AuditEvent.objects.filter(action="account.signed_up", subject_id=person.pk).exists()


def test_the_verification_email_is_sent_by_the_task_queue(client: Client) -> None:
    _sign_up(client, "account_signup", alias="River")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["river@example.org"]
    assert re.search(r"/accounts/confirm-email/[-:\w]+/", str(message.body))


def test_email_must_be_verified_before_signing_in(client: Client) -> None:
    _sign_up(client, "account_signup", alias="River")
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "river@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    confirmation_link = re.search(r"http://testserver(\S+)", str(mail.outbox[-1].body))
    assert confirmation_link is not None
    client.post(confirmation_link.group(1))
    assert EmailAddress.objects.get(email="river@example.org").verified


def test_an_unknown_browser_time_zone_falls_back_to_utc(client: Client) -> None:
    _sign_up(client, "account_signup", alias="River", time_zone="Mars/Olympus_Mons")
    assert User.objects.get(email="river@example.org").time_zone == "UTC"


def test_a_practitioner_signs_up_with_their_legal_name(client: Client) -> None:
    _sign_up(client, "account_signup_practitioner", legal_name="  Ngozi   Adeyemi ")
    person = User.objects.get(email="river@example.org")
    assert person.role == Role.PRACTITIONER
    assert person.legal_name == "Ngozi Adeyemi"
    assert person.alias == ""


def test_a_practitioner_cannot_sign_up_without_a_legal_name(client: Client) -> None:
    response = _sign_up(client, "account_signup_practitioner", legal_name="   ")
    assert response.status_code == 200
    assert not User.objects.exists()


def test_signing_up_with_a_taken_address_looks_the_same_as_a_new_one(
    client: Client, client_person: User
) -> None:
    fresh = _sign_up(client, "account_signup", alias="River")
    taken = Client().post(
        reverse("account_signup"),
        {
            "email": client_person.email,
            "alias": "Other",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert User.objects.filter(email=client_person.email).count() == 1
    # The owner of the address is told by email instead; nobody else learns it exists.
    assert any(client_person.email in m.to for m in mail.outbox)


@pytest.mark.parametrize(
    ("going_to", "lands_on"),
    [
        ("/book/confirm/?session=1&start=2026-12-01T10%3A00Z", "/book/confirm/"),
        ("https://elsewhere.example/phish", "/home/"),  # never another site
    ],
)
def test_the_first_sign_in_goes_where_the_person_was_going_at_sign_up(
    client: Client, going_to: str, lands_on: str
) -> None:
    _sign_up(client, "account_signup", alias="River", next=going_to)
    EmailAddress.objects.filter(email="river@example.org").update(verified=True)
    response = client.post(
        reverse("account_login"), {"login": "river@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(lands_on)
    # Once only: the next sign-in goes to the overview.
    client.logout()
    again = client.post(
        reverse("account_login"), {"login": "river@example.org", "password": PASSWORD}
    )
    assert again["Location"] == "/home/"


def test_after_confirming_her_email_she_is_asked_to_sign_in_not_to_sign_up(
    client: Client,
) -> None:
    _sign_up(client, "account_signup", alias="River")
    client.logout()
    confirmation_link = re.search(r"http://testserver(\S+)", str(mail.outbox[-1].body))
    assert confirmation_link is not None
    response = client.post(confirmation_link.group(1), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("account_login") + "?confirmed=1"
    assert "Your email address is confirmed" in page
    assert "sign up" not in page.lower().split("<main", 1)[1]
    signed_in = client.post(
        reverse("account_login"), {"login": "river@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
