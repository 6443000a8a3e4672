"""Rotating the key encryption key: ``rotate_vault_kek`` after the operator moves the old key
into CASEWORK_VAULT_RETIRED_KEYS, then the old key removed altogether."""

from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.management import CommandError, call_command
from django.test import override_settings

from casework.accounts.adapters import MFAAdapter
from casework.registry.credentials.keys import create_signing_key, load_private_key
from casework.registry.credentials.models import SigningKey
from casework.testing.factories import PERSONA_TOTP_SECRET, OfficerFactory
from casework.testing.vault import Probe, raw_column
from casework.vault.errors import KeyEncryptionKeyUnknown
from casework.vault.key_service import get_key_service
from casework.vault.models import DataKey
from casework.vault.services import destroy_data_key

OLD, NEW = "the vault key of 2025", "the vault key of 2026"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def rotate(**options: Any) -> str:
    out = StringIO()
    call_command("rotate_vault_kek", stdout=out, **options)
    return out.getvalue()


def current_code() -> str:
    return str(format_hotp_value(hotp_value(PERSONA_TOTP_SECRET, int(NOW.timestamp()) // 30)))


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_rotation_rewraps_every_key_without_touching_content(probe: Probe) -> None:
    with override_settings(VAULT_KEY=OLD, VAULT_RETIRED_KEYS=[]):
        old_kek = get_key_service().current_kek_id()
        folder = probe.folder(title="A disclosure", tags=["safeguarding"])
        pages = [probe.Page.objects.create(folder=folder, text=f"note {n}") for n in range(3)]
        erased = probe.folder(title="Erased with its owner")
        destroy_data_key(data_key=erased.key, actor=None, reason="Erasure")
        signing_key = create_signing_key(active=True)
        private = load_private_key(signing_key).private_bytes_raw()
        officer = OfficerFactory.create()
        recovery_codes = RecoveryCodes.activate(officer).generate_codes()

    def ciphertexts() -> list[Any]:
        return [
            raw_column(probe.Folder, "title", folder.pk),
            raw_column(probe.Folder, "tags", folder.pk),
            *[raw_column(probe.Page, "text", page.pk) for page in pages],
            SigningKey.objects.get(pk=signing_key.pk).private_key_encrypted,
            *Authenticator.objects.filter(user=officer).order_by("pk").values_list("data"),
        ]

    before = ciphertexts()
    live = DataKey.objects.filter(destroyed_at__isnull=True).count()
    assert live == 3  # the folder's, "system:signing-keys", "system:mfa-secrets"

    with override_settings(VAULT_KEY=NEW, VAULT_RETIRED_KEYS=[OLD]):
        new_kek = get_key_service().current_kek_id()
        output = rotate(batch_size=2)
        assert f"Re-wrapped {live} data keys under key encryption key {new_kek}." in output
        assert "the retired keys can be removed" in output
        assert set(
            DataKey.objects.filter(destroyed_at__isnull=True).values_list("kek_id", flat=True)
        ) == {new_kek}
        assert ciphertexts() == before
        assert "Re-wrapped 0 data keys" in rotate()  # idempotent

    with override_settings(VAULT_KEY=NEW, VAULT_RETIRED_KEYS=[]):
        again = probe.Folder.objects.get(pk=folder.pk)
        assert (again.title, again.tags) == ("A disclosure", ["safeguarding"])
        assert [probe.Page.objects.get(pk=page.pk).text for page in pages] == [
            "note 0",
            "note 1",
            "note 2",
        ]
        assert load_private_key(SigningKey.objects.get(pk=signing_key.pk)).private_bytes_raw() == (
            private
        )
        totp = Authenticator.objects.get(user=officer, type=Authenticator.Type.TOTP)
        assert TOTP(totp).validate_code(current_code())
        codes = Authenticator.objects.get(user=officer, type=Authenticator.Type.RECOVERY_CODES)
        assert RecoveryCodes(codes).generate_codes() == recovery_codes

    with (
        override_settings(VAULT_KEY=OLD, VAULT_RETIRED_KEYS=[]),
        pytest.raises(KeyEncryptionKeyUnknown),
    ):
        _ = probe.Folder.objects.get(pk=folder.pk).title
    assert old_kek != new_kek


@pytest.mark.django_db
def test_rotation_without_the_old_key_retired_fails_and_says_to_keep_it() -> None:
    with override_settings(VAULT_KEY=OLD, VAULT_RETIRED_KEYS=[]):
        officer = OfficerFactory.create()
    with (
        override_settings(VAULT_KEY=NEW, VAULT_RETIRED_KEYS=[]),
        pytest.raises(CommandError, match="1 data keys are still under another key"),
    ):
        rotate()
    with override_settings(VAULT_KEY=OLD, VAULT_RETIRED_KEYS=[]):
        secret = Authenticator.objects.get(user=officer, type=Authenticator.Type.TOTP)
        assert MFAAdapter().decrypt(secret.data["secret"]) == PERSONA_TOTP_SECRET


@pytest.mark.django_db
def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(CommandError, match="batch-size"):
        rotate(batch_size=0)
