"""What the credential issuer keeps: its signing keys, its status lists, and what it issued.

These models belong to the registry app (they are imported at the bottom of
``casework/registry/models.py``).
"""

from typing import Any
from uuid import uuid4

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Bitstring Status List v1.0, section 2.2: "The uncompressed bitstring MUST be at least 16KB in
# size" (16 KiB = 131,072 one-bit entries), so that one index hides among many ("herd privacy").
MIN_STATUS_LIST_BITS = 131_072


class SigningKey(models.Model):
    """An Ed25519 key of the issuer. Retired keys stay published in the DID document, so that
    credentials they signed still verify; at most one key is active (signs new credentials)."""

    # The RFC 7638 JWK thumbprint of the public key; the verification method is "<did>#<kid>".
    kid = models.CharField(_("key id"), max_length=64, unique=True)
    public_jwk = models.JSONField(_("public key (JWK)"))
    # The raw private key, sealed with AES-256-GCM under a key derived from the vault key
    # (see keys.py); never stored in the clear.
    private_key_encrypted = models.TextField(_("private key (encrypted)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("credential signing key")
        verbose_name_plural = _("credential signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=Q(active=True),
                name="registry_one_active_signing_key",
            ),
            models.CheckConstraint(
                condition=Q(active=False) | Q(retired_at__isnull=True),
                name="registry_active_signing_key_not_retired",
            ),
        ]

    def __str__(self) -> str:
        return self.kid


class StatusList(models.Model):
    """One Bitstring Status List. Lists come in pairs (a revocation and a suspension list of
    the same ``series``) that share their index space: a credential has one index in both."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Revocation")
        SUSPENSION = "suspension", _("Suspension")

    # The public, unguessable id in the list's address: /credentials/status/<public_id>/.
    public_id = models.SlugField(max_length=40, unique=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    series = models.PositiveIntegerField()
    size = models.PositiveIntegerField(default=MIN_STATUS_LIST_BITS)  # in bits
    # The bitstring itself, size / 8 bytes; index 0 is the left-most (most significant) bit
    # of the first byte.
    bits = models.BinaryField()
    # How many indexes of this list are given out. Indexes are drawn at random among the unused
    # ones (the spec's privacy advice), so this is a count, not the next index.
    allocated = models.PositiveIntegerField(default=0)
    # The signed BitstringStatusListCredential as served, re-signed whenever a bit changes.
    signed_jwt = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["series", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "purpose"], name="registry_status_list_one_per_purpose"
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=["revocation", "suspension"]),
                name="registry_status_list_purpose",
            ),
            models.CheckConstraint(
                condition=Q(size__gte=MIN_STATUS_LIST_BITS),
                name="registry_status_list_minimum_size",
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("size")),
                name="registry_status_list_not_overfull",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} list {self.series} ({self.public_id})"


class IssuedCredential(models.Model):
    """A credential issued for a verified registration claim, as signed.

    Revocation is final: ``revoked`` is never cleared (the service has no way to clear it,
    ``save`` refuses to, and ``revoked_at`` must be set exactly when ``revoked`` is).
    Suspension comes and goes with the register entry's status."""

    claim = models.ForeignKey(
        "registry.RegistrationClaim", on_delete=models.PROTECT, related_name="credentials"
    )
    # The credential's "id" is urn:uuid:<uuid>; the subject's is urn:uuid:<subject_uuid>, kept
    # the same across the credentials of one practitioner.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    subject_uuid = models.UUIDField(default=uuid4, editable=False)
    kid = models.CharField(max_length=64)
    jwt = models.TextField()
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    revocation_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    suspension_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    # One index, shared by the revocation and the suspension list of the same series.
    status_list_index = models.PositiveIntegerField()
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    suspended = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["revocation_list", "status_list_index"],
                name="registry_credential_revocation_index_unique",
            ),
            models.UniqueConstraint(
                fields=["suspension_list", "status_list_index"],
                name="registry_credential_suspension_index_unique",
            ),
            models.CheckConstraint(
                condition=~Q(revocation_list=F("suspension_list")),
                name="registry_credential_two_status_lists",
            ),
            models.CheckConstraint(
                condition=Q(revoked=False, revoked_at__isnull=True)
                | Q(revoked=True, revoked_at__isnull=False),
                name="registry_credential_revoked_has_time",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("issued_at")),
                name="registry_credential_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"credential {self.uuid}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self.revoked:
            was_revoked = (
                IssuedCredential.objects.filter(pk=self.pk, revoked=True)
                .values_list("revoked", flat=True)
                .first()
            )
            if was_revoked:
                raise ValueError("A revoked credential stays revoked.")
        super().save(*args, **kwargs)


class CredentialOffer(models.Model):
    """A one-time offer of one issued credential to its holder's wallet: the Pre-Authorized Code
    Flow of OpenID for Verifiable Credential Issuance 1.0 (see openid4vci.py).

    Only hashes are kept: the pre-authorized code is shown once, to the holder, and the access
    token once, to the wallet. The code is exchanged at most once (``redeemed_at``), before
    ``expires_at``; the token it buys fetches this one credential, once (``delivered_at``),
    before ``token_expires_at``."""

    credential = models.ForeignKey(
        IssuedCredential, on_delete=models.CASCADE, related_name="offers"
    )
    # SHA-256 (hex) of the pre-authorized code.
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 (hex) of the access token, set when the code is redeemed.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="registry_offer_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(
                    redeemed_at__isnull=True,
                    token_hash__isnull=True,
                    token_expires_at__isnull=True,
                )
                | Q(
                    redeemed_at__isnull=False,
                    token_hash__isnull=False,
                    token_expires_at__isnull=False,
                ),
                name="registry_offer_token_only_once_redeemed",
            ),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(redeemed_at__isnull=False),
                name="registry_offer_delivered_only_once_redeemed",
            ),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} of {self.credential}"
