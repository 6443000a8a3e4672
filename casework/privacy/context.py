"""Where the current request (or task) came from, for the audit log.

Views, tasks and commands call services without passing the request down; the request id and
client address travel in context variables set by ``RequestIdMiddleware`` instead.
"""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
