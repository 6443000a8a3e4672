from allauth.account.views import SignupView
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts import services
from casework.accounts.forms import PractitionerSignupForm, PreferencesForm
from casework.accounts.models import User


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
    return TemplateResponse(request, "accounts/preferences.html", {"form": form})


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
