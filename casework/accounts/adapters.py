"""django-allauth adapters: how Casework signs people up, sends their email and guards MFA."""

import base64
import hashlib
import os
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils import translation

from casework.accounts.models import Role, User
from casework.emails import deliver_email
from casework.privacy.audit import record_event
from casework.privacy.middleware import client_address


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # Count failures per account *and* address: five wrong passwords from one address
        # lock that address out of that account, and nobody else.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        address = client_address(request) or "unknown"
        return hashlib.sha256(f"{key}|{address}".encode()).hexdigest()

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
                    action="account.signed_up", actor=saved, target=saved, subject_id=saved.pk
                )
        return saved

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render now (the request knows the site), deliver through the task queue."""
        message = self.render_mail(template_prefix, email, {"email": email, **context})
        html = next(
            (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"),
            "",
        )
        to, subject, body = list(message.to), str(message.subject), str(message.body)
        transaction.on_commit(
            lambda: deliver_email.enqueue(to=to, subject=subject, body=body, html=str(html))
        )

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True


def _totp_cipher() -> AESGCM:
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"casework mfa secrets").derive(
        settings.VAULT_KEY.encode()
    )
    return AESGCM(key)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are stored encrypted (AES-256-GCM, key derived from the vault key)."""

    _PREFIX = "v1:"

    def encrypt(self, text: str) -> str:
        nonce = os.urandom(12)
        sealed = _totp_cipher().encrypt(nonce, text.encode(), b"mfa.totp")
        return self._PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(self._PREFIX):
            raise ValueError("An MFA secret is stored unencrypted or in an unknown format.")
        raw = base64.urlsafe_b64decode(encrypted_text[len(self._PREFIX) :])
        return _totp_cipher().decrypt(raw[:12], raw[12:], b"mfa.totp").decode()

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
