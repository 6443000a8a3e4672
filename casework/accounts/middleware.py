import time
import zoneinfo
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.accounts.second_factor import has_second_factor
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.shell.outages import cache_outages

SIGNED_IN_AT = "casework:signed_in_at"
LAST_SEEN_AT = "casework:last_seen_at"
# Writing the session on every request would be wasteful; a minute's precision is enough.
_SEEN_RESOLUTION = 60

# What a staff member without a second factor may still open: enrolment, sign-out, and the
# pages needed to finish signing up.
MFA_ENROLMENT_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "account_logout",
        "account_email",
        "account_confirm_email",
        "account_email_verification_sent",
        "account_reauthenticate",
        "set_language",
    }
)


class StaffSessionPolicyMiddleware:
    """Staff sessions end after 30 minutes idle and 12 hours in all (both configurable)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "is_staff_role", False):
            now = int(time.time())
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            last_seen_at = request.session.get(LAST_SEEN_AT, now)
            idle = now - last_seen_at > settings.STAFF_SESSION_IDLE_SECONDS
            too_long = now - signed_in_at > settings.STAFF_SESSION_MAX_SECONDS
            if idle or too_long:
                record_event(
                    action=actions.ACCOUNT_SESSION_EXPIRED,
                    actor=user,
                    subject_id=user.pk,
                    detail={"why": "idle" if idle else "maximum length"},
                )
                logout(request)
                messages.info(request, _("For your clients' safety, you were signed out."))
                return redirect_to_login(request.get_full_path())
            # A browser checking its service worker for updates is not the person at work.
            background = request.headers.get("Service-Worker") == "script"
            if not background and (
                now - last_seen_at >= _SEEN_RESOLUTION or LAST_SEEN_AT not in request.session
            ):
                request.session[LAST_SEEN_AT] = now
                # The store forgets the session at the absolute limit; the idle limit is
                # checked above, so that its expiry is audited when the person comes back.
                remaining = signed_in_at + settings.STAFF_SESSION_MAX_SECONDS - now
                request.session.set_expiry(max(remaining, 1))
        return self.get_response(request)


class SessionActivityMiddleware:
    """Keeps django-allauth's record of each signed-in session (its address, browser and when it
    was last seen, listed on the sessions page) without a write transaction on every request.

    allauth's own middleware reads the record, its user and updates it on every signed-in
    request: four queries and, on SQLite, the database's one write lock for every page view.
    Here the record is written on the session's first request, whenever its address or browser
    changes, and otherwise at most once a minute (the precision of "last seen"); the cache
    remembers what was last written. When the cache does not know the session (down, emptied,
    or the minute passed), a record of the same person, address and browser only needs its
    time: one UPDATE. Anything else (a new session, another address or browser) goes through
    allauth, which also announces the change of device (``session_client_changed``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session_key = request.session.session_key
        if session_key and request.user.is_authenticated:
            self._record(request, session_key)
        return self.get_response(request)

    @staticmethod
    def _record(request: HttpRequest, session_key: str) -> None:
        seen = (
            request.user.pk,
            get_account_adapter().get_client_ip(request),
            request.META.get("HTTP_USER_AGENT", ""),
        )
        key = f"accounts:session-seen:{session_key}"
        try:
            if cache.get(key) == seen:
                return
        except cache_outages():
            pass  # the cache is down: record, as without it
        person_pk, address, browser = seen
        same_device = UserSession.objects.filter(
            session_key=session_key,
            user_id=person_pk,
            ip=address,
            user_agent=browser[: UserSession._meta.get_field("user_agent").max_length],
        )
        if not same_device.update(last_seen_at=timezone.now()):
            UserSession.objects.create_from_request(request)
        with suppress(*cache_outages()):  # the next request records again
            cache.set(key, seen, timeout=_SEEN_RESOLUTION)


class PersonPreferencesMiddleware:
    """Pages speak the signed-in person's language and show times in their zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            language = getattr(user, "language", "") or settings.LANGUAGE_CODE
            translation.activate(language)
            request.LANGUAGE_CODE = language
            try:
                timezone.activate(zoneinfo.ZoneInfo(getattr(user, "time_zone", "UTC")))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class StaffMFARequiredMiddleware:
    """Staff cannot open anything but MFA enrolment until they have a second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not (user.is_authenticated and getattr(user, "is_staff_role", False)):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in MFA_ENROLMENT_URL_NAMES:
            return None
        if getattr(view_func, "login_required", True) is False:
            return None  # public pages stay public
        if has_second_factor(user):
            return None
        messages.warning(
            request,
            _("Your role protects other people's records. Set up two-factor authentication first."),
        )
        return redirect("mfa_activate_totp")
