"""Behind our proxies every client keeps their own address: throttles lock out only the one
who fails, the audit log names the real address, and nobody can lock a person out of their
second factor."""

import time
from typing import Any

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django import Settings

from casework.accounts.models import User
from casework.environment import env_networks
from casework.privacy.checks import check_trusted_proxies
from casework.privacy.middleware import client_address
from casework.privacy.models import AuditEvent
from casework.testing.factories import PERSONA_PASSWORD, PERSONA_TOTP_SECRET

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.7"


@pytest.fixture
def behind_proxy(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_TRUSTED_PROXIES", f"{PROXY},fd00::/8")
    settings.TRUSTED_PROXIES = env_networks("CASEWORK_TRUSTED_PROXIES")


def _sign_in(email: str, password: str, forwarded_for: str, client: Client | None = None) -> Any:
    return (client or Client()).post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def _address(remote: str, forwarded_for: str | None = None) -> str | None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded_for is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client_address(request)


def test_the_address_is_the_first_one_no_proxy_of_ours_wrote(behind_proxy: None) -> None:
    assert _address(PROXY, "198.51.100.7") == "198.51.100.7"
    # A client cannot choose its address by writing the header itself: its own entry stands
    # left of the one our proxy appended, and is never read.
    assert _address(PROXY, "203.0.113.99, 198.51.100.7") == "198.51.100.7"
    # Through two of our proxies (one by IPv6).
    assert _address(PROXY, "198.51.100.7, fd00::2") == "198.51.100.7"
    # Without the header, or with a broken one from our side, the proxy is all we know.
    assert _address(PROXY) == PROXY
    assert _address(PROXY, "198.51.100.7, not-an-address") == PROXY


def test_the_header_is_ignored_from_anyone_but_our_proxies(behind_proxy: None) -> None:
    assert _address("198.51.100.7", "203.0.113.99") == "198.51.100.7"


def test_without_trusted_proxies_the_connection_address_counts(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = []
    assert _address(PROXY, "198.51.100.7") == PROXY


def test_a_bad_trusted_proxies_setting_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_TRUSTED_PROXIES", "10.0.0.7,the proxy")
    with pytest.raises(ImproperlyConfigured, match="'the proxy'"):
        env_networks("CASEWORK_TRUSTED_PROXIES")


def test_one_clients_failures_behind_the_proxy_lock_out_only_that_client(
    behind_proxy: None, client_person: User, practitioner: User
) -> None:
    for _ in range(20):
        _sign_in(client_person.email, "guess", forwarded_for="198.51.100.7")
    # Everyone else comes through the same proxy, and signs in.
    welcome = _sign_in(practitioner.email, PERSONA_PASSWORD, forwarded_for="203.0.113.5")
    assert welcome.status_code == 302
    # The throttle still holds where the failures came from, whatever account is tried there.
    held = _sign_in(practitioner.email, PERSONA_PASSWORD, forwarded_for="198.51.100.7")
    assert held.status_code != 302
    assert "Too many failed login attempts" in held.content.decode()
    failure = AuditEvent.objects.filter(action="account.sign_in_failed").first()
    assert failure is not None
    assert failure.ip_address == "198.51.100.7"


def test_the_audit_log_keeps_only_our_proxys_request_id(
    behind_proxy: None, client_person: User
) -> None:
    chosen = "attacker-chosen-id-0001"
    _sign_in(client_person.email, "guess", forwarded_for="198.51.100.7")
    Client().post(
        reverse("account_login"),
        {"login": client_person.email, "password": "guess"},
        REMOTE_ADDR="198.51.100.8",
        HTTP_X_REQUEST_ID=chosen,
    )
    assert not AuditEvent.objects.filter(request_id=chosen).exists()
    from_proxy = "proxy-request-id-0001"
    Client().post(
        reverse("account_login"),
        {"login": client_person.email, "password": "guess"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        HTTP_X_REQUEST_ID=from_proxy,
    )
    assert AuditEvent.objects.filter(request_id=from_proxy).exists()


def test_an_attacker_with_the_password_cannot_lock_the_owner_out_of_their_second_factor(
    behind_proxy: None, practitioner: User
) -> None:
    def second_factor(client: Client, code: str, address: str) -> Any:
        return client.post(
            reverse("mfa_authenticate"),
            {"code": code},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        )

    with time_machine.travel("2026-11-24 10:00:05Z", tick=False):
        attacker = Client()
        _sign_in(practitioner.email, PERSONA_PASSWORD, "198.51.100.66", attacker)
        for _ in range(5):
            second_factor(attacker, "000000", "198.51.100.66")
        locked = second_factor(attacker, "000000", "198.51.100.66")
        assert "Too many failed login attempts" in locked.content.decode()

        owner = Client()
        _sign_in(practitioner.email, PERSONA_PASSWORD, "203.0.113.5", owner)
        code = str(format_hotp_value(hotp_value(PERSONA_TOTP_SECRET, int(time.time()) // 30)))
        assert second_factor(owner, code, "203.0.113.5").status_code == 302
        assert owner.session["_auth_user_id"] == str(practitioner.pk)


def test_the_deploy_check_asks_for_trusted_proxies_behind_a_proxy(
    settings: Settings, behind_proxy: None
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert check_trusted_proxies() == []
    settings.TRUSTED_PROXIES = []
    [warning] = check_trusted_proxies()
    assert warning.id == "casework.privacy.W001"
    assert "CASEWORK_TRUSTED_PROXIES" in warning.msg


def test_a_request_without_an_address_is_throttled_in_one_shared_budget(client: Client) -> None:
    # A server on a Unix socket may give no address: throttled, never an error.
    assert client.get("/api/v1/verify", {"number": "SW1"}, REMOTE_ADDR="").status_code == 200
