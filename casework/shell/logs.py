"""Structured logs: one JSON object a line, each with its request id, never any content.

Every record, ours through structlog or a library's through the standard ``logging`` module,
passes the same processors before it is written (``formatter``):

- the request id (``RequestIdMiddleware``'s, the one in the ``X-Request-ID`` answer and in the
  audit log) is added to every line written while a request is answered;
- Django's request and security loggers name the route, never the path: paths carry
  password-reset keys, confirmation keys and calendar-feed tokens;
- anything that looks like an email address is replaced by ``[email]``, wherever it appears
  (a database error quoting the row it refused, an exception's message);
- exceptions are written as text inside the JSON object, redacted alike.

What we log ourselves is ids, names of things and outcomes: never a message's or a note's
text, an email address, a name or a token. ``CASEWORK_LOG_FORMAT`` picks ``json`` (the
default in production) or ``console`` (one readable line, the default in development).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any


@contextmanager
def _optional_imports_refused(*names: str) -> Iterator[None]:
    """Imports of ``names`` fail (``ModuleNotFoundError``, as if they were not installed) inside
    the block, unless something imported them before; afterwards they import as usual."""
    refused = [name for name in names if name not in sys.modules]
    for name in refused:
        sys.modules[name] = None  # type: ignore[assignment]  # Python's "not importable" mark
    try:
        yield
    finally:
        for name in refused:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


# ``import structlog`` imports its Twisted support and its rich tracebacks and pretty-printing
# whenever those packages are installed (the development tools bring them), about 12 MiB in
# every process. Nothing here uses them: exceptions are formatted to text by
# ``format_exc_info`` before any renderer sees them, as production (where neither is
# installed) does. Twisted and rich stay importable for whatever else wants them.
with _optional_imports_refused("rich", "twisted"):
    import structlog

from casework.privacy import context  # noqa: E402  (after structlog, on purpose: see above)
from casework.shell.routes import route_of  # noqa: E402

if TYPE_CHECKING:  # settings import this module: nothing of Django's at import time
    from django.http import HttpRequest, HttpResponse

EMAIL_ADDRESS = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
# Loggers whose messages end with the request's path (``Not Found: /accounts/...``).
_PATH_LOGGERS = ("django.request", "django.security", "django.server", "django.channels")

EventDict = MutableMapping[str, Any]


def add_request_id(logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    rid = context.request_id.get()
    if rid:
        event_dict.setdefault("request_id", rid)
    return event_dict


def name_routes_not_paths(logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    """Django's ``Not Found: /path`` becomes ``Not Found`` with the route's name."""
    args = event_dict.pop("positional_args", None)  # the formatted message has them already
    record = event_dict.get("_record")
    if record is None or not record.name.startswith(_PATH_LOGGERS):
        return event_dict
    msg = record.msg
    if isinstance(msg, str) and msg.endswith(": %s") and isinstance(args, tuple) and args:
        try:
            event_dict["event"] = msg[: -len(": %s")] % args[:-1]
        except (TypeError, ValueError):
            event_dict["event"] = "request"
    else:
        event_dict["event"] = "request"  # runserver's request line: the path and query
    status = getattr(record, "status_code", None)
    if status is not None:
        event_dict["status"] = status
    request = getattr(record, "request", None)
    if request is not None:
        event_dict["route"] = route_of(request)
    return event_dict


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL_ADDRESS.sub("[email]", value)
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(item) for item in value]
    return value


def redact(logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    for key, value in list(event_dict.items()):
        if not key.startswith("_"):
            event_dict[key] = _redact(value)
    return event_dict


def _shared_processors() -> list[Callable[..., Any]]:
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_request_id,
    ]


def formatter(log_format: str) -> dict[str, Any]:
    """The ``LOGGING`` formatter every handler uses (``json`` or ``console``)."""
    renderer: Callable[..., Any] = (
        structlog.dev.ConsoleRenderer(colors=False)
        if log_format == "console"
        else structlog.processors.JSONRenderer()
    )
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": _shared_processors(),
        "pass_foreign_args": True,  # for name_routes_not_paths, which then drops them
        "processors": [
            name_routes_not_paths,
            structlog.processors.format_exc_info,
            redact,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            renderer,
        ],
    }


def configure_structlog() -> None:
    """structlog's own loggers hand their events to the standard ``logging`` handlers."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


requests_log = structlog.stdlib.get_logger("casework.requests")


class RequestLogMiddleware:
    """One line per request: route, method, status, duration, who by id; never the path,
    the query, a header or a body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        requests_log.info(
            "request",
            route=route_of(request),
            method=request.method,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            user_id=user.pk if user is not None and user.is_authenticated else None,
        )
        return response
