"""Installs from before the vault: TOTP secrets and signing keys sealed as "v1:" under a key
derived from the vault key keep working, and ``rotate_vault_kek`` moves them onto data keys."""

import base64
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.test import override_settings

from casework.accounts.adapters import MFAAdapter
from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry.credentials.keys import load_private_key
from casework.registry.credentials.models import SigningKey
from casework.testing.factories import ClientFactory
from casework.testing.vault import legacy_sealed_text
from casework.vault.errors import DecryptionFailed

pytestmark = pytest.mark.django_db

OLD, NEW = "the vault key of 2025", "the vault key of 2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SEED = "5f" * 40


def mfa_v1(text: str) -> str:
    return legacy_sealed_text(
        text.encode(), vault_key=OLD, info=b"casework mfa secrets", aad=b"mfa.totp"
    )


def signing_key_v1(raw: bytes, kid: str) -> str:
    return legacy_sealed_text(
        raw, vault_key=OLD, info=b"casework credential signing keys", aad=kid.encode()
    )


@pytest.fixture
def person() -> User:
    return ClientFactory.create()


@pytest.fixture
def legacy_totp(person: User) -> Authenticator:
    return Authenticator.objects.create(
        user=person, type=Authenticator.Type.TOTP, data={"secret": mfa_v1(TOTP_SECRET)}
    )


@pytest.fixture
def legacy_recovery_codes(person: User) -> Authenticator:
    return Authenticator.objects.create(
        user=person,
        type=Authenticator.Type.RECOVERY_CODES,
        data={
            "seed": mfa_v1(SEED),
            "used_mask": 3,
            "migrated_codes": [mfa_v1("12345678"), mfa_v1("87654321")],
        },
    )


@pytest.fixture
def legacy_signing_key() -> tuple[SigningKey, bytes]:
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    key = SigningKey.objects.create(
        kid="kid-2025",
        public_jwk={"kty": "OKP", "crv": "Ed25519", "x": "", "kid": "kid-2025"},
        private_key_encrypted=signing_key_v1(raw, "kid-2025"),
        active=False,
    )
    return key, raw


def test_former_format_secrets_open_with_the_key_and_then_with_it_retired(
    legacy_totp: Authenticator, legacy_signing_key: tuple[SigningKey, bytes]
) -> None:
    key, raw = legacy_signing_key
    for keys in ({"VAULT_KEY": OLD}, {"VAULT_KEY": NEW, "VAULT_RETIRED_KEYS": [OLD]}):
        with override_settings(**keys):
            assert MFAAdapter().decrypt(legacy_totp.data["secret"]) == TOTP_SECRET
            assert load_private_key(key).private_bytes_raw() == raw
    with override_settings(VAULT_KEY=NEW, VAULT_RETIRED_KEYS=[]):
        with pytest.raises(DecryptionFailed, match="no configured vault key"):
            MFAAdapter().decrypt(legacy_totp.data["secret"])
        with pytest.raises(DecryptionFailed, match=r"registry\.signingkey:kid-2025"):
            load_private_key(key)


def test_a_former_format_value_bound_to_another_key_id_does_not_open(
    legacy_signing_key: tuple[SigningKey, bytes],
) -> None:
    key, _ = legacy_signing_key
    SigningKey.objects.filter(pk=key.pk).update(kid="another-kid")
    key.refresh_from_db()
    with override_settings(VAULT_KEY=OLD), pytest.raises(DecryptionFailed):
        load_private_key(key)


def test_rotation_seals_former_format_secrets_onto_data_keys(
    legacy_totp: Authenticator,
    legacy_recovery_codes: Authenticator,
    legacy_signing_key: tuple[SigningKey, bytes],
) -> None:
    key, raw = legacy_signing_key
    with override_settings(VAULT_KEY=NEW, VAULT_RETIRED_KEYS=[OLD]):
        out = StringIO()
        call_command("rotate_vault_kek", stdout=out)
        assert "Sealed onto data keys: 2 MFA secrets, 1 signing keys." in out.getvalue()
        out = StringIO()
        call_command("rotate_vault_kek", stdout=out)
        assert "Sealed onto data keys: 0 MFA secrets, 0 signing keys." in out.getvalue()
    legacy_totp.refresh_from_db()
    legacy_recovery_codes.refresh_from_db()
    key.refresh_from_db()
    codes = legacy_recovery_codes.data
    sealed = [legacy_totp.data["secret"], codes["seed"], *codes["migrated_codes"]]
    sealed.append(key.private_key_encrypted)
    assert all(value.startswith("v2:") for value in sealed)
    assert codes["used_mask"] == 3
    with override_settings(VAULT_KEY=NEW, VAULT_RETIRED_KEYS=[]):
        adapter = MFAAdapter()
        assert adapter.decrypt(legacy_totp.data["secret"]) == TOTP_SECRET
        assert adapter.decrypt(codes["seed"]) == SEED
        assert [adapter.decrypt(code) for code in codes["migrated_codes"]] == [
            "12345678",
            "87654321",
        ]
        assert load_private_key(key).private_bytes_raw() == raw
    event = AuditEvent.objects.get(action="vault.legacy_secrets_resealed")
    assert event.detail == {"mfa_secrets": 2, "signing_keys": 1}


def test_a_former_format_secret_no_key_opens_is_left_and_the_rotation_fails(
    legacy_totp: Authenticator, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        override_settings(VAULT_KEY=NEW, VAULT_RETIRED_KEYS=[]),
        pytest.raises(CommandError, match="1 former-format secrets did not open"),
    ):
        call_command("rotate_vault_kek", stdout=StringIO())
    legacy_totp.refresh_from_db()
    assert legacy_totp.data["secret"].startswith("v1:")
    assert f"MFA authenticator {legacy_totp.pk} left in the former format" in caplog.text
    assert TOTP_SECRET not in caplog.text


def test_new_mfa_secrets_are_sealed_by_the_vault_and_bad_text_is_refused() -> None:
    adapter = MFAAdapter()
    sealed = adapter.encrypt(TOTP_SECRET)
    assert sealed.startswith("v2:")
    assert TOTP_SECRET not in sealed
    assert adapter.decrypt(sealed) == TOTP_SECRET
    for broken in (TOTP_SECRET, "v2:%%%", "v2:" + base64.urlsafe_b64encode(b"short").decode()):
        with pytest.raises(DecryptionFailed):
            adapter.decrypt(broken)
