"""Prometheus metrics: who may read them, and that they count what an operator watches."""

import asyncio
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from casework.accounts.models import User
from casework.emails import deliver_email
from casework.events.models import OutboxEvent
from casework.shell import metrics
from casework.testing.factories import PERSONA_PASSWORD
from casework.testing.tasks import DATABASE_TASKS, run_queued_tasks

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "metrics-token-for-this-test-0123456789"


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when it is absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = ",".join(sorted(filter(None, (match.group(2) or "").split(","))))
        if found == wanted:
            return float(match.group(3))
    return 0.0


def _scrape(**extra: Any) -> str:
    with override_settings(METRICS_TOKEN=TOKEN):
        response = Client().get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


class TestWhoMayReadThem:
    def test_nobody_reads_them_when_neither_a_token_nor_an_address_is_set(
        self, client: Client, admin_person: User
    ) -> None:
        assert client.get(reverse("metrics")).status_code == 404
        client.force_login(admin_person)
        assert client.get(reverse("metrics")).status_code == 404

    @override_settings(METRICS_TOKEN=TOKEN)
    def test_the_bearer_token_reads_them_and_a_wrong_one_gets_404(self, client: Client) -> None:
        assert client.get(reverse("metrics")).status_code == 404
        wrong = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")
        assert wrong.status_code == 404
        basic = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Basic {TOKEN}")
        assert basic.status_code == 404
        right = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert right.status_code == 200
        assert right["Cache-Control"].startswith("max-age=0")

    def test_a_write_without_the_token_is_404_and_with_it_405(self, client: Client) -> None:
        with override_settings(METRICS_TOKEN=TOKEN):
            assert client.post(reverse("metrics")).status_code == 404
            allowed = client.post(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
            assert allowed.status_code == 405

    def test_an_allowed_address_reads_them_and_others_get_404(self, client: Client) -> None:
        import ipaddress

        networks = [ipaddress.ip_network("10.0.9.0/24")]
        with override_settings(METRICS_ALLOWED_NETWORKS=networks):
            inside = client.get(reverse("metrics"), REMOTE_ADDR="10.0.9.4")
            outside = client.get(reverse("metrics"), REMOTE_ADDR="10.0.8.4")
        assert inside.status_code == 200
        assert outside.status_code == 404

    def test_a_client_behind_our_proxy_is_not_the_proxy(self, client: Client) -> None:
        import ipaddress

        proxy = [ipaddress.ip_network("10.0.9.1/32")]
        with override_settings(METRICS_ALLOWED_NETWORKS=proxy, TRUSTED_PROXIES=proxy):
            relayed = client.get(
                reverse("metrics"), REMOTE_ADDR="10.0.9.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
            )
        assert relayed.status_code == 404

    def test_the_path_is_a_setting(self) -> None:
        import casework.urls

        try:
            with override_settings(METRICS_PATH="ops/figures-7f3a", METRICS_TOKEN=TOKEN):
                clear_url_caches()
                importlib.reload(casework.urls)
                assert reverse("metrics") == "/ops/figures-7f3a"
                answer = Client().get("/ops/figures-7f3a", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
                assert answer.status_code == 200
                assert Client().get("/metrics").status_code == 404
        finally:
            clear_url_caches()
            importlib.reload(casework.urls)
        assert reverse("metrics") == "/metrics"


class TestWhatTheyCount:
    def test_requests_are_counted_and_timed_by_route_name_never_by_path(
        self, client: Client
    ) -> None:
        before = _scrape()
        client.get(reverse("healthz"))
        client.get("/no-such-page-with-a-token-abc123/")
        after = _scrape()
        route = {"route": "healthz", "method": "GET", "status": "200"}
        assert _sample(after, "casework_http_requests_total", **route) == (
            _sample(before, "casework_http_requests_total", **route) + 1
        )
        timed = {"route": "healthz", "method": "GET"}
        assert _sample(after, "casework_http_request_duration_seconds_count", **timed) >= 1
        assert "abc123" not in after
        unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
        assert _sample(after, "casework_http_requests_total", **unmatched) >= 1

    def test_database_queries_are_counted_and_timed(self, client: Client) -> None:
        before = _scrape()
        client.get(reverse("readyz"))
        after = _scrape()
        count = "casework_db_query_duration_seconds_count"
        assert _sample(after, count, alias="default") > _sample(before, count, alias="default")
        assert _sample(after, "casework_db_query_duration_seconds_sum", alias="default") > 0
        per_request = "casework_http_request_db_queries_count"
        assert _sample(after, per_request, route="readyz") >= 1

    def test_sign_ins_and_refused_sign_ins_are_counted(
        self, client: Client, client_person: User
    ) -> None:
        before = _scrape()
        login = reverse("account_login")
        client.post(login, {"login": client_person.email, "password": "not it"})
        client.post(login, {"login": client_person.email, "password": PERSONA_PASSWORD})
        after = _scrape()
        for name in ("casework_logins_total", "casework_login_failures_total"):
            assert _sample(after, name) == _sample(before, name) + 1
        assert client_person.email not in after

    def test_a_refused_second_factor_code_is_counted(
        self, client: Client, practitioner: User
    ) -> None:
        with time_machine.travel("2026-11-24 10:00:05Z", tick=False):
            before = _scrape()
            client.post(
                reverse("account_login"),
                {"login": practitioner.email, "password": PERSONA_PASSWORD},
            )
            client.post(reverse("mfa_authenticate"), {"code": "000000"})
            after = _scrape()
        name = "casework_mfa_failures_total"
        assert _sample(after, name, step="sign_in") == _sample(before, name, step="sign_in") + 1

    def test_queue_depth_and_outbox_lag_are_read_at_each_scrape(self) -> None:
        now = timezone.now()
        with time_machine.travel(now, tick=False):
            OutboxEvent.objects.create(
                name="care.case_changed",
                payload={},
                occurred_at=now - timedelta(seconds=90),
                retry_at=now,
            )
            _enqueue_a_task(status=TaskResultStatus.READY, waited=timedelta(seconds=30))
            _enqueue_a_task(status=TaskResultStatus.FAILED, waited=timedelta(0))
            text = _scrape()
        assert _sample(text, "casework_metrics_database_up") == 1
        assert _sample(text, "casework_outbox_waiting_events") == 1
        assert _sample(text, "casework_outbox_lag_seconds") == 90
        assert _sample(text, "casework_task_queue_depth", status="READY") == 1
        assert _sample(text, "casework_task_queue_depth", status="RUNNING") == 0
        assert _sample(text, "casework_task_queue_oldest_seconds") == 30
        assert _sample(text, "casework_tasks_failed_stored") == 1

    @pytest.mark.django_db(transaction=True)
    def test_a_finished_task_is_counted_by_outcome(self) -> None:
        before = _scrape()
        with override_settings(TASKS=DATABASE_TASKS):
            deliver_email.enqueue(to=["river@example.org"], subject="Hello", body="A link")
            run_queued_tasks()
        after = _scrape()
        name = "casework_tasks_finished_total"
        assert _sample(after, name, status="SUCCESSFUL") == (
            _sample(before, name, status="SUCCESSFUL") + 1
        )

    def test_open_websockets_are_counted_until_they_close(self) -> None:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            await send({"type": "websocket.accept"})
            during.append(metrics.WEBSOCKETS_OPEN._value.get())
            await receive()

        during: list[float] = []
        sent: list[Any] = []

        async def receive() -> dict[str, str]:
            return {"type": "websocket.disconnect"}

        async def send(message: Any) -> None:
            sent.append(message)

        before = metrics.WEBSOCKETS_OPEN._value.get()
        asyncio.run(metrics.WebsocketMetricsMiddleware(app)({"type": "websocket"}, receive, send))
        assert during == [before + 1]
        assert metrics.WEBSOCKETS_OPEN._value.get() == before
        assert sent == [{"type": "websocket.accept"}]


def _enqueue_a_task(*, status: str, waited: timedelta) -> None:
    task = DBTaskResult.objects.create(
        status=status,
        task_path="casework.events.tasks.relay_events",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        run_after=timezone.now() - waited,
        priority=0,
    )
    # enqueued_at is set to now on creation: move it back.
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)


@pytest.fixture(autouse=True)
def _urls_unchanged() -> Iterator[None]:
    yield
    clear_url_caches()


def test_several_processes_are_summed_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two processes count a sign-in each into PROMETHEUS_MULTIPROC_DIR; a third, answering
    the scrape, reports both (and says so when it cannot read the database)."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "DATABASE"))},
        "DJANGO_SETTINGS_MODULE": "casework.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "CASEWORK_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    count = (
        "import django; django.setup(); from casework.shell import metrics; metrics.LOGINS.inc()"
    )
    scrape = (
        "import django; django.setup(); from casework.shell import metrics; "
        "print(metrics.exposition().decode())"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, cwd=ROOT, check=True)  # noqa: S603
    answer = subprocess.run(  # noqa: S603
        [sys.executable, "-c", scrape],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    assert _sample(answer.stdout, "casework_logins_total") == 2
    assert _sample(answer.stdout, "casework_metrics_database_up") == 0
