import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from casework.privacy import context
from casework.vault.crypto import watching_openings

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _from_trusted_proxy(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in settings.TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str | None:
    """The client's address, as throttles and the audit log know it.

    The connection's address (``REMOTE_ADDR``), unless that is one of our reverse proxies
    (``CASEWORK_TRUSTED_PROXIES``): then the nearest address in ``X-Forwarded-For`` that is not
    a trusted proxy, read from the right. Each proxy appends the address it saw, so only the
    right-hand entries are ours; whatever a client writes there itself stands to the left of
    them and is never read. (The left-most entry, which some libraries take, is the client's to
    choose: trusting it would let anyone dodge a throttle by changing a header.)
    """
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    if remote is None or not _from_trusted_proxy(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            # A proxy of ours wrote something that is not an address: misconfigured, so
            # the proxy is the nearest address known for sure.
            return remote
        if not any(address in network for network in settings.TRUSTED_PROXIES):
            return str(address)
    return remote


def throttle_address(request: HttpRequest) -> str:
    """The address throttles count by (``RATELIMIT_IP_META_KEY``). A request whose address
    is unknown (a server on a Unix socket may give none) counts in one shared budget rather
    than in none, and is never an error."""
    return client_address(request) or "0.0.0.0"  # noqa: S104  (a bucket, not a bind address)


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed one from a trusted proxy) for logs and
    audit, and make the client's address known to the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only our own proxy may name the request (so its logs and ours line up): an id sent
        # by anyone else would be written into the audit log as they chose it.
        incoming = request.headers.get("X-Request-ID", "")
        trusted = _from_trusted_proxy(request.META.get("REMOTE_ADDR") or "")
        rid = incoming if trusted and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        rid_token = context.request_id.set(rid)
        ip_token = context.client_ip.set(client_address(request))
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(rid_token)
            context.client_ip.reset(ip_token)
        response["X-Request-ID"] = rid
        return response


# Routes whose responses carry someone's sensitive content (cases, emergency details, notes,
# check-ins, messages, appointments, account and sign-in factors): no browser, proxy or
# back-button cache may keep a copy. Whole namespaces where every page is someone's record;
# single routes elsewhere.
NO_STORE_NAMESPACES = frozenset({"care", "messaging", "accounts"})
NO_STORE_ROUTES = frozenset(
    {
        "shell:dashboard",
        "scheduling:my_appointments",
        "scheduling:appointment",
        "scheduling:appointment_ics",
        "scheduling:practitioner_appointments",
        "scheduling:calendar_settings",
        "scheduling:calendar_feed",
        "api:my_appointments",
        "api:messaging_conversations",
        "api:messaging_messages",
        "api:messaging_send",
        "privacy:case_export",
        "privacy:case_export_download",
        "privacy:case_export_consent",
    }
)
NO_STORE_ROUTE_PREFIXES = ("account_", "mfa_")  # allauth's pages: addresses, factors, codes


def carries_sensitive_content(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is None:
        return False
    return (
        bool(NO_STORE_NAMESPACES.intersection(match.namespaces))
        or match.view_name in NO_STORE_ROUTES
        or (not match.namespaces and (match.url_name or "").startswith(NO_STORE_ROUTE_PREFIXES))
    )


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response of a route that carries sensitive
    content, whatever the view answered (a page, a partial, JSON, a redirect, an error), and
    on any other response that opened someone's sealed content: a list of routes alone would
    miss the next page that quotes a message or a report."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with watching_openings() as openings:
            response = self.get_response(request)
        if openings.someones_content or carries_sensitive_content(request):
            add_never_cache_headers(response)
        return response
