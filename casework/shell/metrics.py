"""Prometheus metrics: what an operator watches, never whom it concerns.

Every figure is a count, a duration or a depth, labelled by route name, method, status or
database alias: never a path (paths carry ids and tokens), an address or a person.

- Requests and their latency by route (``RequestMetricsMiddleware``), and the queries each
  request cost.
- Database queries and their time, per connection alias (an execute wrapper installed on
  every connection as it opens, in web processes, workers and the clock alike).
- Websockets open (``WebsocketMetricsMiddleware`` around the ASGI websocket router).
- Sign-ins, failed sign-ins and failed second-factor codes (django.contrib.auth's and
  allauth's signals), and tasks finished by outcome (django-tasks' signal, in the worker).
- At each scrape, read from the database: the task queue's depth and the oldest waiting task,
  failed tasks kept, the outbox's waiting events and how far behind the oldest one is
  (``DatabaseStateCollector``).

Served at ``CASEWORK_METRICS_PATH`` (``metrics`` by default) to a scraper that presents
``CASEWORK_METRICS_TOKEN`` as a bearer token or connects from ``CASEWORK_METRICS_ALLOWED_IPS``;
everyone else gets the site's 404, as for a route that does not exist. With neither set,
nobody can read them.

Several processes (granian's workers, the task worker): set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory shared by all of them before they start (docs/linux-host.md); each process then
writes its figures there and any one of them answers a scrape with the sum.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from casework.privacy.middleware import client_address
from casework.shell.routes import route_of

REQUESTS = Counter(
    "casework_http_requests",
    "HTTP requests answered, by route name, method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "casework_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name and method.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUEST_QUERIES = Histogram(
    "casework_http_request_db_queries",
    "Database queries one HTTP request made, by route name.",
    ["route"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200),
)
DB_QUERY_SECONDS = Histogram(
    "casework_db_query_duration_seconds",
    "Database queries and their time, by connection alias (count, sum and spread).",
    ["alias"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0),
)
DB_QUERY_ERRORS = Counter(
    "casework_db_query_errors",
    "Database queries that raised an error, by connection alias.",
    ["alias"],
)
WEBSOCKETS_OPEN = Gauge(
    "casework_websockets_open",
    "Websocket connections open now.",
    multiprocess_mode="livesum",
)
WEBSOCKETS_ACCEPTED = Counter("casework_websockets_accepted", "Websocket connections accepted.")
LOGINS = Counter("casework_logins", "Successful sign-ins.")
LOGIN_FAILURES = Counter("casework_login_failures", "Sign-ins refused for wrong credentials.")
MFA_FAILURES = Counter(
    "casework_mfa_failures",
    "Second-factor codes refused, at sign-in or when confirming one's identity again.",
    ["step"],
)
TASKS_FINISHED = Counter(
    "casework_tasks_finished",
    "Tasks the worker finished, by outcome (SUCCESSFUL or FAILED).",
    ["status"],
)

# The queries of the request being answered, counted by the execute wrapper.
_request_queries: ContextVar[list[int] | None] = ContextVar("request_queries", default=None)


class RequestMetricsMiddleware:
    """Count and time every request by route; first in the chain, so it sees every answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = [0]
        token = _request_queries.set(queries)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            _request_queries.reset(token)
        route = route_of(request)
        method = request.method if request.method in _KNOWN_METHODS else "other"
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(route, method).observe(time.perf_counter() - started)
        REQUEST_QUERIES.labels(route).observe(queries[0])
        return response


_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _QueryTimer:
    """An execute wrapper (Django's ``connection.execute_wrapper``): counts and times.

    It runs for every query, so the alias's figures are looked up once, when the connection
    opens, rather than through ``labels()`` (a lock and a dictionary) at each query."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.seconds = DB_QUERY_SECONDS.labels(alias)
        self.errors = DB_QUERY_ERRORS.labels(alias)

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        queries = _request_queries.get()
        if queries is not None:
            queries[0] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        except Exception:
            self.errors.inc()
            raise
        finally:
            self.seconds.observe(time.perf_counter() - started)


@receiver(connection_created, dispatch_uid="casework.shell.metrics.time_queries")
def time_queries(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """Time every query of a connection; once, though it reconnects many times."""
    if not any(isinstance(wrapper, _QueryTimer) for wrapper in connection.execute_wrappers):
        connection.execute_wrappers.append(_QueryTimer(connection.alias))


@receiver(user_logged_in, dispatch_uid="casework.shell.metrics.count_login")
def count_login(sender: object, **kwargs: object) -> None:
    LOGINS.inc()


@receiver(user_login_failed, dispatch_uid="casework.shell.metrics.count_login_failure")
def count_login_failure(sender: object, **kwargs: object) -> None:
    LOGIN_FAILURES.inc()


def count_mfa_failure(sender: object, **kwargs: object) -> None:
    MFA_FAILURES.labels("reauthenticate" if kwargs.get("reauthentication") else "sign_in").inc()


def count_task_finished(sender: object, task_result: Any, **kwargs: object) -> None:
    TASKS_FINISHED.labels(str(task_result.status)).inc()


def connect_library_signals() -> None:
    """allauth's and django-tasks' signals (called from the shell's ``ready``)."""
    from allauth.mfa.signals import authentication_failed
    from django_tasks.signals import task_finished

    authentication_failed.connect(count_mfa_failure, dispatch_uid="casework.metrics.mfa")
    task_finished.connect(count_task_finished, dispatch_uid="casework.metrics.tasks")


ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


class WebsocketMetricsMiddleware:
    """ASGI middleware around the websocket router: a connection counts as open from the
    moment it is accepted until its consumer returns."""

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        accepted = False

        async def counting_send(message: Any) -> None:
            nonlocal accepted
            if message.get("type") == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKETS_OPEN.inc()
                WEBSOCKETS_ACCEPTED.inc()
            await send(message)

        try:
            await self.inner(scope, receive, counting_send)
        finally:
            if accepted:
                WEBSOCKETS_OPEN.dec()


class DatabaseStateCollector(Collector):
    """Figures read from the database at each scrape: one answer whichever process is asked."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "casework_metrics_database_up",
            "1 when the scrape could read the queue and outbox figures from the database.",
        )
        try:
            families = list(self._from_database())
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _from_database(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count, Min
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from casework.events.models import OutboxEvent

        now = timezone.now()
        depth = GaugeMetricFamily(
            "casework_task_queue_depth",
            "Tasks in the queue, by status (READY waiting, RUNNING taken by a worker).",
            labels=["status"],
        )
        counts = dict(
            DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
            )
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        for status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
            depth.add_metric([str(status)], counts.get(status, 0))
        yield depth

        oldest_task = DBTaskResult.objects.ready().aggregate(oldest=Min("enqueued_at"))["oldest"]
        yield GaugeMetricFamily(
            "casework_task_queue_oldest_seconds",
            "How long the oldest task that is due has waited for a worker (0 when none).",
            value=(now - oldest_task).total_seconds() if oldest_task else 0.0,
        )
        yield GaugeMetricFamily(
            "casework_tasks_failed_stored",
            "Failed tasks kept in the queue's table (their outcome, never their arguments).",
            value=DBTaskResult.objects.failed().count(),
        )

        waiting = OutboxEvent.objects.filter(delivered_at__isnull=True).aggregate(
            n=Count("id"), oldest=Min("occurred_at")
        )
        yield GaugeMetricFamily(
            "casework_outbox_waiting_events",
            "Domain events not yet relayed to every reaction.",
            value=waiting["n"],
        )
        yield GaugeMetricFamily(
            "casework_outbox_lag_seconds",
            "Age of the oldest event waiting in the outbox (0 when none waits).",
            value=(now - waiting["oldest"]).total_seconds() if waiting["oldest"] else 0.0,
        )


def _may_read(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _, credential = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            credential.strip().encode(), token.encode()
        ):
            return True
    networks = settings.METRICS_ALLOWED_NETWORKS
    if networks:
        # The client's own address: a public client behind our proxy is not the proxy.
        address = client_address(request)
        try:
            parsed = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(parsed in network for network in networks)
    return False


def exposition() -> bytes:
    """Every figure, in Prometheus' text format: all processes' in multiprocess mode."""
    state = CollectorRegistry(auto_describe=True)
    state.register(DatabaseStateCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry) + generate_latest(state)
    return generate_latest(REGISTRY) + generate_latest(state)


@login_not_required
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    # Whoever may not read them is answered as for a route that does not exist, whatever the
    # method: the path gives nothing away.
    if not _may_read(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
