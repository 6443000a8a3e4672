"""The Django admin: platform administrators only, signed in through allauth with MFA."""

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import Role

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


class CaseworkAdminSite(AdminSite):
    site_header = _("Casework administration")
    site_title = _("Casework administration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            super().has_permission(request)
            and getattr(user, "role", "") == Role.ADMIN
            and is_mfa_enabled(user, types=SECOND_FACTORS)
        )

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Signing in happens on the site's own page, through MFA; never on a second form."""
        user = request.user
        if not user.is_authenticated:
            next_url = request.GET.get(REDIRECT_FIELD_NAME) or request.get_full_path()
            return redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))
        if getattr(user, "role", "") != Role.ADMIN or not user.is_staff:
            raise PermissionDenied
        if not is_mfa_enabled(user, types=SECOND_FACTORS):
            return redirect("mfa_activate_totp")
        return redirect("admin:index")
