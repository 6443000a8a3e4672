import sys

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.defaults import server_error as django_server_error

from casework.accounts.models import Role, User
from casework.accounts.services import update_preferences
from casework.shell import dashboards, outages
from casework.shell.health import run_checks


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "shell/home.html")


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (LoginRequiredMiddleware ran)
    factors = set(Authenticator.objects.filter(user=person).values_list("type", flat=True))
    context = {
        "person": person,
        "has_totp": Authenticator.Type.TOTP in factors,
        "has_passkey": Authenticator.Type.WEBAUTHN in factors,
        "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in factors,
        "email_verified": EmailAddress.objects.filter(
            user=person, primary=True, verified=True
        ).exists(),
        "session_count": UserSession.objects.filter(user=person).count(),
        "client_needs": (
            dashboards.client_needs(person, now=timezone.now())
            if person.role == Role.CLIENT
            else None
        ),
        "practitioner_needs": (
            dashboards.practitioner_needs(person, now=timezone.now())
            if person.role == Role.PRACTITIONER
            else None
        ),
    }
    return TemplateResponse(request, "shell/dashboard.html", context)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the page language; a signed-in person keeps the choice in their preferences."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    user = request.user
    if isinstance(user, User) and user.language != language:
        update_preferences(person=user, language=language, time_zone=user.time_zone)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 86400,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@login_not_required
@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    # Answered by OutageMiddleware before any dependency is asked; this view names the route.
    return JsonResponse({"status": "ok"})


@login_not_required
@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks = run_checks()
    ready = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage met outside a view (a middleware loading the person or the
    session) answers 503 like one met inside; anything else is the usual 500 page."""
    if outages.is_outage(sys.exc_info()[1]):
        return outages.unavailable(request)
    return django_server_error(request)
