import ipaddress

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

pytestmark = pytest.mark.django_db


def test_pages_carry_the_protective_headers(client: Client) -> None:
    response = client.get(reverse("shell:home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Request-ID"]


def test_scripts_run_only_from_our_origin_or_with_this_responses_nonce(client: Client) -> None:
    first = client.get(reverse("account_signup"))["Content-Security-Policy"]
    second = client.get(reverse("account_signup"))["Content-Security-Policy"]
    script_src = next(d for d in first.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src
    if "nonce-" in first:
        assert first != second  # a fresh nonce for every response


def test_a_well_formed_request_id_from_our_proxy_is_kept(
    client: Client, settings: Settings
) -> None:
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1")]  # the test client's address
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="proxy-abc-12345")
    assert response["X-Request-ID"] == "proxy-abc-12345"
    hostile = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert hostile["X-Request-ID"] != "<script>alert(1)</script>"


def test_a_request_id_from_anyone_else_is_replaced(client: Client, settings: Settings) -> None:
    settings.TRUSTED_PROXIES = []
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="chosen-by-a-client")
    assert response["X-Request-ID"] != "chosen-by-a-client"


def test_health_endpoints_answer(client: Client) -> None:
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
    ready = client.get(reverse("readyz"))
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert set(checks) == {"database", "cache", "channel_layer", "task_queue"}
    assert all(check["ok"] for check in checks.values())


def test_readiness_fails_with_the_name_of_the_broken_dependency(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casework.shell import health

    def broken() -> None:
        raise ConnectionError("cache down")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": response.json()["checks"]["cache"]["ms"],
    }


def test_the_home_page_explains_casework_to_a_visitor(client: Client) -> None:
    page = client.get(reverse("shell:home")).content.decode()
    assert "Social work online" in page
    assert 'href="#main"' in page  # skip link
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in page
