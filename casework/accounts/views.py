from allauth.account.views import SignupView
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts import push, services
from casework.accounts.forms import PractitionerSignupForm, PreferencesForm
from casework.accounts.models import User
from casework.privacy import access_log


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
    services.end_sessions(request=request, person=person, sessions=[session])
    if not request.user.is_authenticated:
        return redirect("account_login")
    messages.success(request, _("That session is signed out."))
    return redirect("accounts:sessions")


@require_POST
def end_all_sessions(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    sessions = list(UserSession.objects.filter(user_id=person.pk))
    services.end_sessions(request=request, person=person, sessions=sessions)
    messages.success(request, _("You are signed out everywhere."))
    return redirect("account_login")


class PractitionerSignupView(SignupView):
    """allauth's sign-up flow (verification, enumeration protection) with the legal name."""

    template_name = "account/signup_practitioner.html"

    def get_form_class(self) -> type[PractitionerSignupForm]:
        return PractitionerSignupForm  # ACCOUNT_FORMS would otherwise give the client's form


practitioner_signup = login_not_required(PractitionerSignupView.as_view())
