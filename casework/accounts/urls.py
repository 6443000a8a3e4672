"""Account pages: ours, plus the parts of django-allauth we use (account, MFA).

LoginRequiredMiddleware guards everything; the allauth pages a signed-out person needs are
listed in ``PUBLIC_ALLAUTH_PAGES`` and marked public here, in one place.
"""

from allauth.account import urls as allauth_account_urls
from allauth.mfa import urls as allauth_mfa_urls
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path

from casework.accounts import views

PUBLIC_ALLAUTH_PAGES = frozenset(
    {
        "account_login",
        "account_logout",
        "account_signup",
        "account_inactive",
        "account_confirm_email",
        "account_email_verification_sent",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "mfa_authenticate",
    }
)

# Features of allauth we do not offer; their routes are not served at all.
UNUSED_ALLAUTH_PAGES = frozenset(
    {
        "account_signup_by_passkey",
        "account_request_login_code",
        "account_confirm_login_code",
        "account_verify_phone",
        "account_change_phone",
        "account_confirm_password_reset_code",
        "account_complete_password_reset",
        "account_password_reset_completed",
        "mfa_trust",
        "mfa_login_webauthn",
        "mfa_signup_webauthn",
    }
)


def _select(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    selected: list[URLPattern | URLResolver] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = _select(list(entry.url_patterns))
            if inner:
                selected.append(path(str(entry.pattern), include(inner)))
        elif entry.name in PUBLIC_ALLAUTH_PAGES:
            public = login_not_required(entry.callback)
            selected.append(URLPattern(entry.pattern, public, entry.default_args, entry.name))
        elif entry.name not in UNUSED_ALLAUTH_PAGES:
            selected.append(entry)
    return selected


app_name = "accounts"

urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<id:session_id>/end/", views.end_session, name="end_session"),
    path("sessions/end-all/", views.end_all_sessions, name="end_all_sessions"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<id:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
    path("push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
    path("push/worker.js", views.push_worker, name="push_worker"),
]

allauth_urlpatterns = [
    path("signup/practitioner/", views.practitioner_signup, name="account_signup_practitioner"),
    *_select(list(allauth_account_urls.urlpatterns)),
    path("mfa/", include(_select(list(allauth_mfa_urls.urlpatterns)))),
]
