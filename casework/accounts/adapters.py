"""django-allauth adapters: how Casework signs people up, sends their email and guards MFA."""

import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from casework.accounts.models import Role, User
from casework.emails import send_email
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.privacy.middleware import client_address
from casework.vault import legacy, sealed_text

# Where a person was going when they signed up (a time they picked, say): kept in their session
# through the email verification, and used once at their first sign-in.
AFTER_FIRST_SIGN_IN = "casework.after_first_sign_in"


@dataclass(frozen=True)
class EmailSite:
    """The site as allauth's email templates name it (``current_site.name``/``.domain``):
    from settings, not from the sites framework's row, which nobody keeps up to date."""

    name: str
    domain: str


def email_site_context() -> dict[str, Any]:
    """What every account email names the site by: the product and the address people use
    (our account/email/base_message.txt), and ``current_site`` for allauth's templates."""
    return {
        "product_name": settings.PRODUCT_NAME,
        "site_url": settings.SITE_URL,
        "current_site": EmailSite(
            name=settings.PRODUCT_NAME, domain=urlsplit(settings.SITE_URL).netloc
        ),
    }


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # Count failures per account *and* address: five wrong passwords from one address
        # lock that address out of that account, and nobody else.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        address = client_address(request) or "unknown"
        return hashlib.sha256(f"{key}|{address}".encode()).hexdigest()

    def get_client_ip(self, request: HttpRequest) -> str:
        # The address behind our own proxies (CASEWORK_TRUSTED_PROXIES), as the audit log and
        # every other throttle see it; allauth's own reading would stop at the proxy.
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        assert isinstance(user, User)  # noqa: S101  (AUTH_USER_MODEL is accounts.User)
        data = form.cleaned_data
        user.role = getattr(form, "role", Role.CLIENT)
        user.alias = data.get("alias", "")
        user.legal_name = data.get("legal_name", "")
        user.time_zone = data.get("time_zone") or "UTC"
        language = translation.get_language() or settings.LANGUAGE_CODE
        user.language = language if language in dict(settings.LANGUAGES) else "en"
        with transaction.atomic():
            saved: User = super().save_user(request, user, form, commit=commit)
            if commit:
                record_event(
                    action=actions.ACCOUNT_SIGNED_UP, actor=saved, target=saved, subject_id=saved.pk
                )
        going_to = request.POST.get(REDIRECT_FIELD_NAME, "")
        if going_to and url_has_allowed_host_and_scheme(
            going_to, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            request.session[AFTER_FIRST_SIGN_IN] = going_to
        return saved

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A staff member sent to set up their first factor (and its recovery codes) straight
        after signing in with their password has just proved it: asking for it again adds
        nothing. A sign-in counts for MFA changes as long as a reauthentication would; every
        other sensitive change still asks."""
        required = bool(super().is_reauthentication_required(app=app, **kwargs))
        if not required or app.rsplit(".", 1)[-1] != "mfa":  # "allauth.mfa"
            return required
        request = self.request
        person = getattr(request, "user", None)
        if not isinstance(person, User):
            return required
        signed_in_at: float = max(
            (
                float(record.get("at", 0))
                for record in get_authentication_records(request, person)
                if record.get("method") == "password"
            ),
            default=0,
        )
        timeout: int = allauth_settings.REAUTHENTICATION_TIMEOUT
        return time.time() - signed_in_at >= timeout

    def get_email_verification_redirect_url(self, email_address: Any) -> str:
        """Someone who just confirmed their address is asked to sign in, and told it worked
        (allauth's sign-in page would tell them to sign up first)."""
        if self.request.user.is_authenticated:
            return str(super().get_email_verification_redirect_url(email_address))
        return reverse("account_login") + "?confirmed=1"

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        going_to: str | None = request.session.pop(AFTER_FIRST_SIGN_IN, None)
        return going_to or super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render now (the request knows the site), deliver sealed through the task queue (the
        link may hold a token: it is never kept in clear, see casework/emails.py)."""
        message = self.render_mail(
            template_prefix, email, {**email_site_context(), "email": email, **context}
        )
        html = next(
            (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"),
            "",
        )
        to, subject, body = list(message.to), str(message.subject), str(message.body)
        kind = "account." + template_prefix.rsplit("/", 1)[-1]
        transaction.on_commit(
            lambda: send_email(to=to, subject=subject, body=body, html=str(html), kind=kind)
        )

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are sealed by the vault ("v2:", the system data key
    "mfa-secrets"); those sealed before the vault ("v1:") are still read, until
    ``rotate_vault_kek`` seals them again."""

    # allauth hands over the bare secret, not its row: the binding is to the purpose only.
    _CONTEXT = "accounts.mfa-secret"

    def encrypt(self, text: str) -> str:
        return sealed_text.seal_text(text.encode(), purpose="mfa-secrets", context=self._CONTEXT)

    def decrypt(self, encrypted_text: str) -> str:
        if legacy.is_legacy(encrypted_text):
            opened = legacy.open_legacy(
                encrypted_text, info=b"casework mfa secrets", aad=b"mfa.totp", context="mfa.totp"
            )
        else:
            opened = sealed_text.open_text(encrypted_text, context=self._CONTEXT)
        return opened.decode()

    def can_delete_authenticator(self, authenticator: Any) -> bool:
        # Staff must keep a second factor: the last TOTP or passkey cannot be removed.
        from allauth.mfa.models import Authenticator

        user = authenticator.user
        if not getattr(user, "is_staff_role", False):
            return True
        others = Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exclude(pk=authenticator.pk)
        return bool(authenticator.type == Authenticator.Type.RECOVERY_CODES or others.exists())

    def get_totp_issuer(self) -> str:
        return settings.MFA_TOTP_ISSUER
