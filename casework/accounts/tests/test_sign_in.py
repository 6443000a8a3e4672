import re
import time
from typing import Any

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import UsedTimeStep, User
from casework.privacy.models import AuditEvent
from casework.testing.factories import PERSONA_PASSWORD, PERSONA_TOTP_SECRET, PractitionerFactory

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, email: str, password: str, address: str = "192.0.2.10") -> Any:
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def _current_code() -> str:
    return str(format_hotp_value(hotp_value(PERSONA_TOTP_SECRET, int(time.time()) // 30)))


def test_a_client_signs_in_and_the_session_id_changes(client: Client, client_person: User) -> None:
    client.get(reverse("account_login"))
    before = client.session.session_key
    response = _sign_in(client, client_person.email, PERSONA_PASSWORD)
    assert response.status_code == 302
    assert client.session.session_key != before
    assert AuditEvent.objects.filter(action="account.signed_in", actor_id=client_person.pk).exists()


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(
    client: Client, client_person: User
) -> None:
    wrong = _sign_in(client, client_person.email, "not the password")
    unknown = _sign_in(Client(), "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
    failures = AuditEvent.objects.filter(action="account.sign_in_failed")
    assert failures.count() == 2
    assert failures.filter(subject_id=client_person.pk).count() == 1


def test_five_failures_lock_that_address_out_of_that_account_only(
    client: Client, client_person: User
) -> None:
    for _ in range(5):
        _sign_in(client, client_person.email, "guess", address="198.51.100.7")
    locked = _sign_in(client, client_person.email, PERSONA_PASSWORD, address="198.51.100.7")
    assert locked.status_code == 200
    assert "Too many failed login attempts" in locked.content.decode()
    # The account's owner, from their own address, is not locked out by the attacker.
    owner = _sign_in(Client(), client_person.email, PERSONA_PASSWORD, address="203.0.113.5")
    assert owner.status_code == 302


def test_the_lock_lifts_after_thirty_minutes(client: Client, client_person: User) -> None:
    with time_machine.travel("2026-11-24 10:00Z", tick=False) as traveller:
        for _ in range(5):
            _sign_in(client, client_person.email, "guess")
        assert _sign_in(client, client_person.email, PERSONA_PASSWORD).status_code == 200
        traveller.shift(31 * 60)
        assert _sign_in(client, client_person.email, PERSONA_PASSWORD).status_code == 302


def test_staff_sign_in_asks_for_a_code_and_a_code_works_once(
    client: Client, practitioner: User
) -> None:
    with time_machine.travel("2026-11-24 10:00:05Z", tick=False):
        response = _sign_in(client, practitioner.email, PERSONA_PASSWORD)
        assert response["Location"] == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session  # not signed in before the code
        code = _current_code()
        done = client.post(reverse("mfa_authenticate"), {"code": code})
        assert done.status_code == 302
        assert client.session["_auth_user_id"] == str(practitioner.pk)

        replay = Client()
        _sign_in(replay, practitioner.email, PERSONA_PASSWORD)
        again = replay.post(reverse("mfa_authenticate"), {"code": code})
        assert again.status_code == 200
        assert "_auth_user_id" not in replay.session
        assert AuditEvent.objects.filter(action="mfa.code_rejected").exists()


def test_a_used_code_stays_used_when_the_cache_forgets_it(
    client: Client, practitioner: User
) -> None:
    with time_machine.travel("2026-11-24 10:00:05Z", tick=False):
        _sign_in(client, practitioner.email, PERSONA_PASSWORD)
        code = _current_code()
        assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
        cache.clear()  # a Redis restarted empty
        replay = Client()
        _sign_in(replay, practitioner.email, PERSONA_PASSWORD)
        assert replay.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
        assert "_auth_user_id" not in replay.session
    assert UsedTimeStep.objects.count() == 1


# Email leaves through transaction.on_commit: these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_password_reset_neither_reveals_accounts_nor_skips_mfa(
    client: Client, practitioner: User
) -> None:
    url = reverse("account_reset_password")
    known = client.post(url, {"email": practitioner.email})
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    link = next(m for m in mail.outbox if practitioner.email in m.to)
    reset_path = str(link.body).split("http://testserver", 1)[1].split()[0]
    form_page = client.get(reset_path, follow=True)
    new_password = "an entirely new passphrase"
    client.post(
        form_page.request["PATH_INFO"], {"password1": new_password, "password2": new_password}
    )
    assert "_auth_user_id" not in client.session  # a reset never signs in by itself
    response = _sign_in(client, practitioner.email, new_password)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def _code_input(page: str) -> str:
    match = re.search(r'<input[^>]*name="code"[^>]*>', page)
    assert match, "no code field on the page"
    return match.group(0)


def test_the_second_factor_code_field_brings_up_the_digit_keypad(
    client: Client, practitioner: User
) -> None:
    _sign_in(client, practitioner.email, PERSONA_PASSWORD)
    field = _code_input(client.get(reverse("mfa_authenticate")).content.decode())
    assert 'inputmode="numeric"' in field
    assert 'autocomplete="one-time-code"' in field


def test_the_authenticator_app_set_up_code_field_brings_up_the_digit_keypad(
    client: Client, client_person: User
) -> None:
    client.force_login(client_person)
    # Adding a factor asks for the password again first.
    client.post(reverse("account_reauthenticate"), {"password": PERSONA_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    field = _code_input(page.content.decode())
    assert 'inputmode="numeric"' in field
    assert 'autocomplete="one-time-code"' in field


def test_a_new_staff_member_goes_from_signing_in_to_enrolment_without_a_second_password(
    client: Client,
) -> None:
    newcomer = PractitionerFactory.create(totp=False)
    with time_machine.travel("2026-06-03 08:00Z", tick=False):
        signed_in = _sign_in(client, newcomer.email, PERSONA_PASSWORD)
        assert signed_in.status_code == 302
        enrolment = client.get(reverse("mfa_activate_totp"))
        assert enrolment.status_code == 200  # not sent to "confirm your password"
    # Later in the same session the password is asked again, as for any MFA change.
    with time_machine.travel("2026-06-03 08:06Z", tick=False):  # past the 5 minutes
        later = client.get(reverse("mfa_activate_totp"))
    assert later.status_code == 302
    assert later["Location"].startswith(reverse("account_reauthenticate"))


def test_without_a_fresh_password_sign_in_an_mfa_change_asks_for_the_password(
    client: Client, practitioner: User
) -> None:
    client.force_login(practitioner)
    asked = client.get(reverse("mfa_generate_recovery_codes"))
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))


def test_adding_and_removing_an_authenticator_app_are_audited(
    client: Client,
    client_person: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(client_person)
    client.post(reverse("account_reauthenticate"), {"password": PERSONA_PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    # allauth announces the change once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert added.status_code == 302, added.content
    assert AuditEvent.objects.filter(
        action="mfa.added", actor_id=client_person.pk, subject_id=client_person.pk
    ).exists()

    # The new factor gave the session a fresh id after this test's response had gone: sign in
    # again, as the browser would hold the fresh id.
    client.force_login(client_person)
    client.post(reverse("account_reauthenticate"), {"password": PERSONA_PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(reverse("mfa_deactivate_totp"))
    assert removed.status_code == 302, removed.content
    assert AuditEvent.objects.filter(
        action="mfa.removed", actor_id=client_person.pk, subject_id=client_person.pk
    ).exists()
