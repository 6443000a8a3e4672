"""Sessions follow the account: a new password, a reset, a change of email address or a
removed factor ends every other session (and its sockets); changing addresses asks for the
password again, tells the account's address, and is audited."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.accounts.sockets import session_stands
from casework.privacy.models import AuditEvent
from casework.routing import websocket_urlpatterns
from casework.testing.channels import CONNECT_TIMEOUT
from casework.testing.factories import PERSONA_PASSWORD, PERSONA_TOTP_SECRET

NEW_PASSWORD = "a new and long passphrase 42"


def _browser(person: User, agent: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent)
    browser.force_login(person)
    browser.get(reverse("shell:dashboard"))  # recorded as a session on first visit
    return browser


def _signed_in(browser: Client) -> bool:
    return browser.get(reverse("shell:dashboard")).status_code == 200


def _change_password(browser: Client) -> Any:
    return browser.post(
        reverse("account_change_password"),
        {"oldpassword": PERSONA_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def _ended_by(change: str) -> int:
    return AuditEvent.objects.filter(action="account.session_ended", detail__by=change).count()


@pytest.mark.django_db(transaction=True)
def test_a_new_password_ends_every_other_session_and_keeps_this_one(
    client_person: User,
) -> None:
    laptop = _browser(client_person, "Laptop")
    stolen = _browser(client_person, "Someone else's browser")
    assert _change_password(laptop).status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(stolen)
    assert AuditEvent.objects.filter(
        action="account.password_changed", subject_id=client_person.pk
    ).exists()
    assert _ended_by("password_changed") == 1
    # allauth's notice to the account's address, with nothing of the password in it.
    [notice] = [m for m in mail.outbox if "password" in m.subject.lower()]
    assert notice.to == [client_person.email]
    assert NEW_PASSWORD not in notice.body


@pytest.mark.django_db(transaction=True)
def test_a_password_reset_by_email_ends_every_session(client_person: User) -> None:
    laptop = _browser(client_person, "Laptop")
    visitor = Client()
    visitor.post(reverse("account_reset_password"), {"email": client_person.email})
    [reset] = [m for m in mail.outbox if "reset" in m.subject.lower()]
    link = next(word for word in reset.body.split() if "/accounts/password/reset/key/" in word)
    form = visitor.get(link, follow=True)
    assert form.status_code == 200
    done = visitor.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert not _signed_in(laptop)
    assert _ended_by("password_reset") == 1


@pytest.mark.django_db(transaction=True)
def test_adding_an_email_asks_for_the_password_tells_the_owner_and_ends_other_sessions(
    client_person: User,
) -> None:
    EmailAddress.objects.get_or_create(
        user=client_person, email=client_person.email, defaults={"primary": True, "verified": True}
    )
    holder = _browser(client_person, "A session cookie")
    other = _browser(client_person, "The owner's phone")
    add = {"action_add": "", "email": "taken-over@example.net"}
    asked = holder.post(reverse("account_email"), add)
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="taken-over@example.net").exists()

    holder.post(reverse("account_reauthenticate"), {"password": PERSONA_PASSWORD})
    mail.outbox.clear()
    assert holder.post(reverse("account_email"), add).status_code == 302
    assert EmailAddress.objects.filter(email="taken-over@example.net").exists()
    told = [m for m in mail.outbox if m.to == [client_person.email]]
    assert told, "the account's own address hears of the new one"
    assert "added" in told[0].subject.lower()
    assert AuditEvent.objects.filter(
        action="account.email_added", subject_id=client_person.pk
    ).exists()
    assert not _signed_in(other)
    assert _signed_in(holder)


@pytest.mark.django_db
def test_a_socket_signed_before_the_password_changed_no_longer_stands(
    client_person: User,
) -> None:
    browser = _browser(client_person, "Laptop")
    key = browser.session.session_key
    assert key is not None
    assert session_stands(key, client_person.pk)
    client_person.set_password(NEW_PASSWORD)
    client_person.save(update_fields=["password"])
    assert not session_stands(key, client_person.pk)


application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))


async def _hears_after(cookie: str, action: Any) -> Any:
    socket = WebsocketCommunicator(
        application, "/ws/account/", headers=[(b"cookie", cookie.encode())]
    )
    connected, _ = await socket.connect(timeout=CONNECT_TIMEOUT)
    assert connected
    await database_sync_to_async(action)()
    message = await socket.receive_json_from(timeout=5)
    await socket.disconnect()
    return message


@pytest.mark.django_db(transaction=True)
def test_the_other_sessions_open_pages_hear_at_once(client_person: User) -> None:
    laptop = _browser(client_person, "Laptop")
    stolen = _browser(client_person, "Someone else's browser")
    cookie = f"{settings.SESSION_COOKIE_NAME}={stolen.session.session_key}"
    message = async_to_sync(_hears_after)(cookie, lambda: _change_password(laptop))
    assert message == {"event": "session_ended"}


def _confirm_password(browser: Client) -> None:
    browser.post(reverse("account_reauthenticate"), {"password": PERSONA_PASSWORD})


@pytest.mark.django_db(transaction=True)
def test_a_new_primary_address_and_a_removed_one_tell_the_old_address_and_end_other_sessions(
    client_person: User,
) -> None:
    # The rest of a takeover once an address is added: made primary, the owner's removed.
    old = client_person.email
    EmailAddress.objects.get_or_create(
        user=client_person, email=old, defaults={"primary": True, "verified": True}
    )
    EmailAddress.objects.create(user=client_person, email="new@example.net", verified=True)
    holder = _browser(client_person, "A session cookie")
    for action in ("action_primary", "action_remove"):
        asked = holder.post(reverse("account_email"), {action: "", "email": old})
        assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert EmailAddress.objects.get(email=old).primary

    _confirm_password(holder)
    phone = _browser(client_person, "The owner's phone")
    mail.outbox.clear()
    holder.post(reverse("account_email"), {"action_primary": "", "email": "new@example.net"})
    assert EmailAddress.objects.get(email="new@example.net").primary
    assert not _signed_in(phone)
    phone = _browser(client_person, "The owner's phone, signed in again")
    holder.post(reverse("account_email"), {"action_remove": "", "email": old})
    assert not EmailAddress.objects.filter(email=old).exists()
    assert not _signed_in(phone)
    assert _signed_in(holder)
    # The old address heard of both changes; both are in the audit log.
    assert len([m for m in mail.outbox if m.to == [old]]) == 2
    for action in ("account.email_changed", "account.email_removed"):
        assert AuditEvent.objects.filter(action=action, subject_id=client_person.pk).exists()
    assert _ended_by("email_changed") == 1
    assert _ended_by("email_removed") == 1


@pytest.mark.django_db(transaction=True)
def test_removing_a_factor_ends_every_other_session(client_person: User) -> None:
    TOTP.activate(client_person, PERSONA_TOTP_SECRET)
    phone = _browser(client_person, "The owner's phone")
    laptop = _browser(client_person, "Laptop")
    _confirm_password(laptop)
    assert laptop.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(
        user=client_person, type=Authenticator.Type.TOTP
    ).exists()
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    assert AuditEvent.objects.filter(action="mfa.removed", subject_id=client_person.pk).exists()
    assert _ended_by("factor_removed") == 1


@pytest.mark.django_db(transaction=True)
def test_a_password_an_administrator_sets_ends_the_persons_sessions_and_sockets(
    client_person: User, admin_person: User
) -> None:
    stolen = _browser(client_person, "Someone else's browser")
    cookie = f"{settings.SESSION_COOKIE_NAME}={stolen.session.session_key}"
    administrator = _browser(admin_person, "The administrator's desk")
    url = reverse("admin:auth_user_password_change", args=[client_person.pk])
    form = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}

    def set_password() -> None:
        assert administrator.post(url, form).status_code == 302

    # The stolen session's socket is closed at once, not at its next heartbeat (which a thief's
    # own client need never send).
    assert async_to_sync(_hears_after)(cookie, set_password) == {"event": "session_ended"}
    assert not _signed_in(stolen)
    assert _signed_in(administrator)
    assert _ended_by("password_set_by_admin") == 1
