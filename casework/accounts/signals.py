"""Receivers for what django-allauth and django.contrib.auth do on their own: each is audited,
and a change to how the account is reached (password, email, second factor) ends its other
sessions."""

import time
from typing import Any

from allauth.account import signals as account_signals
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from casework.accounts import services
from casework.accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from casework.accounts.models import User
from casework.privacy import actions
from casework.privacy.audit import record_event


@receiver(auth_signals.user_logged_in)
def record_sign_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now
    record_event(action=actions.ACCOUNT_SIGNED_IN, actor=user, subject_id=user.pk)


@receiver(auth_signals.user_login_failed)
def record_failed_sign_in(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # What was typed is never stored: a password is sometimes typed into the email field.
    email = str(credentials.get("email") or credentials.get("username") or "")
    person = User.objects.filter(email__iexact=email).only("pk").first() if email else None
    record_event(
        action=actions.ACCOUNT_SIGN_IN_FAILED,
        subject_id=person.pk if person else None,
        detail={"known_account": person is not None},
    )


@receiver(auth_signals.user_logged_out)
def record_sign_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        record_event(action=actions.ACCOUNT_SIGNED_OUT, actor=user, subject_id=user.pk)


def _record_mfa(action: actions.Action, user: Any, authenticator: Any = None) -> None:
    record_event(
        action=action,
        actor=user,
        target=authenticator,
        subject_id=user.pk,
        detail={"type": getattr(authenticator, "type", "")},
    )


@receiver(mfa_signals.authenticator_added)
def record_mfa_added(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    _record_mfa(actions.MFA_ADDED, user, authenticator)
    # A new factor raises the session's privilege: give it a fresh id.
    request.session.cycle_key()


@receiver(mfa_signals.authenticator_removed)
def record_mfa_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    _record_mfa(actions.MFA_REMOVED, user, authenticator)
    services.end_other_sessions(request=request, person=user, change="factor_removed")


@receiver(mfa_signals.authenticator_reset)
def record_mfa_reset(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    _record_mfa(actions.MFA_RESET, user, authenticator)


# What changed, by the allauth signal that says so. The audit log keeps only the kind of
# change: the addresses themselves are personal data.
ACCOUNT_CHANGE_SIGNALS = {
    account_signals.password_changed: "password_changed",
    account_signals.password_set: "password_set",
    account_signals.password_reset: "password_reset",
    account_signals.email_added: "email_added",
    account_signals.email_changed: "email_changed",
    account_signals.email_removed: "email_removed",
}
ACCOUNT_CHANGE_ACTIONS = {
    "password_changed": actions.ACCOUNT_PASSWORD_CHANGED,
    "password_set": actions.ACCOUNT_PASSWORD_SET,
    "password_reset": actions.ACCOUNT_PASSWORD_RESET,
    "email_added": actions.ACCOUNT_EMAIL_ADDED,
    "email_changed": actions.ACCOUNT_EMAIL_CHANGED,
    "email_removed": actions.ACCOUNT_EMAIL_REMOVED,
}


@receiver(list(ACCOUNT_CHANGE_SIGNALS))
def record_account_change(
    sender: Any, signal: Any, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    change = ACCOUNT_CHANGE_SIGNALS[signal]
    record_event(action=ACCOUNT_CHANGE_ACTIONS[change], actor=user, subject_id=user.pk)
    services.end_other_sessions(request=request, person=user, change=change)
    if change == "email_added":
        # allauth tells the old address of a change of primary address and of a removal, but
        # not of an addition: an address added by whoever holds a session is the first step
        # of taking the account over, so the owner hears of it at once.
        get_account_adapter(request).send_notification_mail("account/email/email_added", user)
    elif change == "email_removed":
        # allauth tells the primary address, which after a takeover is the new holder's own:
        # the address taken off the account is told too, as it is the owner's last line.
        removed = kwargs["email_address"].email
        get_account_adapter(request).send_notification_mail(
            "account/email/email_deleted", user, {"deleted_email": removed}, email=removed
        )


@receiver(mfa_signals.authentication_failed)
def record_mfa_failed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record_event(action=actions.MFA_CODE_REJECTED, subject_id=user.pk)
