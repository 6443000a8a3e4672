import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from casework.privacy import context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the first trusted hop saw it (Django's REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed one from the proxy) for logs and audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        rid_token = context.request_id.set(rid)
        ip_token = context.client_ip.set(client_address(request))
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(rid_token)
            context.client_ip.reset(ip_token)
        response["X-Request-ID"] = rid
        return response
