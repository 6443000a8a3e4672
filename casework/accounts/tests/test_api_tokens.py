"""Personal access tokens: made on the account page (shown once, stored hashed), scoped,
expiring, revocable, listed with their last use; staff give their second factor again first."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.test import Client, RequestFactory
from django.utils import timezone

from casework.accounts import services, tokens
from casework.accounts.models import ApiToken, User
from casework.privacy import actions
from casework.privacy.models import AuditEvent
from casework.testing import factories, messaging

pytestmark = pytest.mark.django_db

FORM = {"name": "Phone app", "days": "30", "area_messaging": "write"}


def make(person: User, scopes: list[str], days: int = 30) -> str:
    return services.create_api_token(
        person=person, name="Script", scopes=scopes, days=days, now=timezone.now()
    )[1]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_client_makes_a_token_sees_it_once_and_it_is_stored_hashed(
    client_person: User, signed_in: object
) -> None:
    browser = Client()
    browser.force_login(client_person)
    page = browser.post("/accounts/tokens/", FORM)
    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret.startswith("cw_")
    assert len(secret) > 40
    token = ApiToken.objects.get()
    assert token.scopes == ["messaging:write"]
    assert token.secret_hash == tokens.hash_of(secret)
    assert secret not in str(ApiToken.objects.values().get())
    assert token.prefix == secret[:10]
    again = browser.get("/accounts/tokens/").content.decode()
    assert secret not in again
    assert token.prefix in again
    assert AuditEvent.objects.filter(action=actions.ACCOUNT_API_TOKEN_CREATED).count() == 1


def test_a_token_without_an_area_is_refused_with_a_reason(client_person: User) -> None:
    browser = Client()
    browser.force_login(client_person)
    page = browser.post("/accounts/tokens/", {"name": "Nothing", "days": "30"})
    assert page.status_code == 400
    assert "Choose at least one area" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_staff_give_their_second_factor_again_before_a_token_is_made(
    practitioner: User,
) -> None:
    browser = Client()
    browser.force_login(practitioner)
    refused = browser.post("/accounts/tokens/", FORM)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/accounts/mfa/reauthenticate/")
    assert not ApiToken.objects.exists()
    session = browser.session

    confirming = RequestFactory().post("/accounts/mfa/reauthenticate/")
    confirming.session = session
    record_authentication(confirming, practitioner, method="mfa", reauthenticated=True)
    session.save()
    made = browser.post("/accounts/tokens/", FORM)
    assert made.status_code == 200
    assert made.context["secret"]


def test_staff_without_a_second_factor_get_no_token() -> None:
    no_mfa = factories.PractitionerFactory.create(totp=False)
    with pytest.raises(services.TokenRefused):
        make(no_mfa, ["messaging:read"])


def test_a_token_opens_only_its_scopes_and_its_owners_things(
    client_person: User, practitioner: User
) -> None:
    conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    reader = make(client_person, ["messaging:read"])
    api = Client()
    listed = api.get("/api/v1/conversations", headers=bearer(reader))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [str(conversation.pk)]
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    refused = api.post(url, {"body": "Hi"}, content_type="application/json", headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert "messaging:write" in refused.json()["error"]["message"]
    writer = make(client_person, ["messaging:write"])
    sent = api.post(url, {"body": "Hi"}, content_type="application/json", headers=bearer(writer))
    assert sent.status_code == 201
    # No CSRF token needed with a bearer token; another person's token sees nothing of hers.
    stranger = make(factories.ClientFactory.create(), ["messaging:read"])
    assert api.get(url, headers=bearer(stranger)).status_code == 404
    assert api.get("/api/v1/appointments", headers=bearer(reader)).status_code == 403


def test_revoked_expired_and_made_up_tokens_get_401(client_person: User) -> None:
    secret = make(client_person, ["messaging:read"], days=7)
    api = Client()
    assert api.get("/api/v1/conversations", headers=bearer(secret)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        expired = api.get("/api/v1/conversations", headers=bearer(secret))
        assert expired.status_code == 401
        assert expired["WWW-Authenticate"].startswith("Bearer")
    assert api.get("/api/v1/conversations", headers=bearer("cw_" + "x" * 43)).status_code == 401
    browser = Client()
    browser.force_login(client_person)
    token = ApiToken.objects.get()
    assert (
        browser.post(f"/accounts/tokens/{token.pk}/revoke/", {"confirmed": "yes"}).status_code
        == 302
    )
    assert api.get("/api/v1/conversations", headers=bearer(secret)).status_code == 401
    assert AuditEvent.objects.filter(action=actions.ACCOUNT_API_TOKEN_REVOKED).count() == 1


def test_someone_elses_token_cannot_be_revoked(client_person: User) -> None:
    make(client_person, ["messaging:read"])
    token = ApiToken.objects.get()
    other = Client()
    other.force_login(factories.ClientFactory.create())
    assert other.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_use_is_listed_and_audited_once_per_token_per_day(client_person: User) -> None:
    secret = make(client_person, ["messaging:read"])
    api = Client()
    for _ in range(3):
        assert api.get("/api/v1/conversations", headers=bearer(secret)).status_code == 200
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    used = AuditEvent.objects.filter(action=actions.ACCOUNT_API_TOKEN_USED)
    assert used.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        api.get("/api/v1/conversations", headers=bearer(secret))
    assert used.count() == 2


def test_a_staff_token_stops_when_the_second_factor_is_gone(practitioner: User) -> None:
    secret = make(practitioner, ["messaging:read"])
    api = Client()
    assert api.get("/api/v1/conversations", headers=bearer(secret)).status_code == 200
    Authenticator.objects.filter(user=practitioner).delete()
    assert api.get("/api/v1/conversations", headers=bearer(secret)).status_code == 401


def test_a_wrong_token_is_refused_even_beside_a_session(client_person: User) -> None:
    browser = Client()
    browser.force_login(client_person)
    assert browser.get("/api/v1/conversations").status_code == 200
    wrong = browser.get("/api/v1/conversations", headers=bearer("cw_" + "x" * 43))
    assert wrong.status_code == 401


def test_the_regulators_area_is_offered_to_officers_and_administrators_only(
    client_person: User, practitioner: User, officer: User, admin_person: User
) -> None:
    from casework.oversight.views import OFFICERS

    assert tokens.AREA_ROLES["oversight"] == set(OFFICERS), "as the regulator portal's own rule"
    for person, offered in (
        (client_person, False),
        (practitioner, False),
        (officer, True),
        (admin_person, True),
    ):
        browser = Client()
        browser.force_login(person)
        page = browser.get("/accounts/tokens/").content.decode()
        assert ('name="area_oversight"' in page) is offered, person.role
        assert 'name="area_messaging"' in page


def test_a_client_cannot_make_a_token_for_the_regulators_area(client_person: User) -> None:
    browser = Client()
    browser.force_login(client_person)
    page = browser.post(
        "/accounts/tokens/", {"name": "Sneaky", "days": "30", "area_oversight": "read"}
    )
    assert page.status_code == 400
    assert "Choose at least one area" in page.content.decode()
    assert not ApiToken.objects.exists()
