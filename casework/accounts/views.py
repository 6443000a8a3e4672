import time

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import suspend_request
from allauth.account.views import SignupView
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts import push, services
from casework.accounts.forms import ApiTokenForm, PractitionerSignupForm, PreferencesForm
from casework.accounts.models import ApiToken, User
from casework.privacy import access_log
from casework.shell.confirmations import Danger, ask_first


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (LoginRequiredMiddleware ran)
    return request.user


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = PreferencesForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.update_preferences(
            person=person,
            language=form.cleaned_data["language"],
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(request, _("Your preferences are saved."))
        response = redirect("accounts:preferences")
        response.set_cookie("django_language", person.language, samesite="Lax")
        return response
    return TemplateResponse(
        request,
        "accounts/preferences.html",
        {
            "form": form,
            "push_key": push.application_server_key(),
            "access_log": access_log.accesses_of(person),
        },
    )


# Reminders on this device (web push). The page's script posts the browser's subscription as
# JSON; a malformed one answers 400 with the reason, never 500.


def _push_refused(error: push.InvalidSubscription) -> JsonResponse:
    return JsonResponse({"error": error.code, "reason": error.reason}, status=400)


def _posted_json(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > push.MAX_BODY_BYTES:
        raise push.InvalidSubscription("too_long")  # refused before it is read
    return request.body


@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    person = _person(request)
    if not push.push_enabled():
        reason = _("Reminders on devices are not offered on this site.")
        return JsonResponse({"error": "push_off", "reason": reason}, status=404)
    try:
        info = push.read_subscription(_posted_json(request))
    except push.InvalidSubscription as error:
        return _push_refused(error)
    _subscription, created = services.subscribe_to_push(
        person=person, endpoint=info.endpoint, p256dh=info.p256dh, auth=info.auth
    )
    return JsonResponse({"status": "subscribed"}, status=201 if created else 200)


@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    person = _person(request)
    try:
        endpoint = push.read_endpoint(_posted_json(request))
    except push.InvalidSubscription as error:
        return _push_refused(error)
    # Only one's own: someone else's endpoint answers exactly like an unknown one.
    subscription = push.own_subscription(person, endpoint)
    if subscription is None:
        reason = _("This device is not subscribed.")
        return JsonResponse({"error": "not_found", "reason": reason}, status=404)
    services.unsubscribe_from_push(person=person, subscription=subscription)
    return JsonResponse({"status": "unsubscribed"})


@login_not_required
@require_safe
def push_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows pushed reminders. Public (the browser fetches it again
    to look for updates, signed in or not) and without secrets; served here rather than from
    /static/ so that its scope can be the whole site."""
    response = HttpResponse(
        render_to_string("accounts/push-worker.js"), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def _own_sessions(request: HttpRequest) -> list[UserSession]:
    sessions = UserSession.objects.purge_and_list(_person(request))
    return sorted(sessions, key=lambda s: s.last_seen_at, reverse=True)


@require_safe
def session_list(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "accounts/sessions.html",
        {"sessions": _own_sessions(request), "current_key": request.session.session_key},
    )


@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    person = _person(request)
    # Only one's own sessions: someone else's id answers exactly like a missing one.
    session = UserSession.objects.filter(pk=session_id, user_id=person.pk).first()
    if session is None:
        raise Http404
    this_device = session.session_key == request.session.session_key
    asking = ask_first(
        request,
        Danger(
            question=_("Sign out on this device?")
            if this_device
            else _("Sign out the session on %(device)s?") % {"device": session.user_agent[:80]},
            consequences=[
                _("You are signed out here and go to the sign-in page.")
                if this_device
                else _("That device is signed out at once and has to sign in again."),
            ],
            confirm=_("Sign out") if this_device else _("Sign out this session"),
            back_url=reverse("accounts:sessions"),
        ),
    )
    if asking is not None:
        return asking
    services.end_sessions(request=request, person=person, sessions=[session])
    if not request.user.is_authenticated:
        return redirect("account_login")
    messages.success(request, _("That session is signed out."))
    return redirect("accounts:sessions")


@require_POST
def end_all_sessions(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    asking = ask_first(
        request,
        Danger(
            question=_("Sign out everywhere?"),
            consequences=[
                _("Every device where you are signed in is signed out, this one too."),
                _("To use Casework again, you sign in again."),
            ],
            confirm=_("Sign out everywhere"),
            back_url=reverse("accounts:sessions"),
        ),
    )
    if asking is not None:
        return asking
    sessions = list(UserSession.objects.filter(user_id=person.pk))
    services.end_sessions(request=request, person=person, sessions=sessions)
    messages.success(request, _("You are signed out everywhere."))
    return redirect("account_login")


# Personal access tokens for the API: made here (shown once), listed with their last use,
# revoked here.


def _confirmed_second_factor_just_now(request: HttpRequest, person: User) -> bool:
    """The person gave their second factor again (not only at sign-in) a moment ago."""
    timeout: int = account_settings.REAUTHENTICATION_TIMEOUT
    return any(
        record.get("method") == "mfa"
        and record.get("reauthenticated")
        and time.time() - float(record.get("at", 0)) < timeout
        for record in get_authentication_records(request, person)
    )


@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = ApiTokenForm(request.POST or None, person=person)
    secret = ""
    if request.method == "POST":
        if person.is_staff_role and not _confirmed_second_factor_just_now(request, person):
            # Staff give their second factor again; the form is sent on once they have.
            going: HttpResponse = suspend_request(request, reverse("mfa_reauthenticate"))
            return going
        if form.is_valid():
            try:
                _token, secret = services.create_api_token(
                    person=person,
                    name=form.cleaned_data["name"],
                    scopes=form.scopes(),
                    days=form.cleaned_data["days"],
                    now=timezone.now(),
                )
            except services.TokenRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                form = ApiTokenForm(person=person)
    now = timezone.now()
    return TemplateResponse(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": [
                (token, token.revoked_at is None and token.expires_at > now)
                for token in ApiToken.objects.filter(person=person).order_by("-created_at")[:50]
            ],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    person = _person(request)
    # Only one's own tokens: someone else's id answers exactly like a missing one.
    token = ApiToken.objects.filter(pk=token_id, person=person).first()
    if token is None:
        raise Http404
    asking = ask_first(
        request,
        Danger(
            question=_("Revoke the token “%(name)s”?") % {"name": token.name},
            consequences=[
                _("Anything that uses this token is refused from now on."),
                _("A revoked token cannot be turned back on: you would make a new one."),
            ],
            confirm=_("Revoke the token"),
            back_url=reverse("accounts:api_tokens"),
        ),
    )
    if asking is not None:
        return asking
    services.revoke_api_token(person=person, token=token, now=timezone.now())
    messages.success(
        request, _("The token %(prefix)s… no longer works.") % {"prefix": token.prefix}
    )
    return redirect("accounts:api_tokens")


class PractitionerSignupView(SignupView):
    """allauth's sign-up flow (verification, enumeration protection) with the legal name."""

    template_name = "account/signup_practitioner.html"

    def get_form_class(self) -> type[PractitionerSignupForm]:
        return PractitionerSignupForm  # ACCOUNT_FORMS would otherwise give the client's form


practitioner_signup = login_not_required(PractitionerSignupView.as_view())
