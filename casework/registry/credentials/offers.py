"""Writes for handing a credential to its holder's wallet: the offer (a pre-authorized code),
its one exchange for an access token, and the one delivery that token buys.

Each step is single use by a conditional UPDATE (``... WHERE redeemed_at IS NULL``), which holds
on every database: two wallets racing with one code get one token between them.

No Transaction Code (``tx_code``) is asked for. OpenID4VCI 1.0 names it against a code replayed
by someone who scanned the holder's screen; here what such a person could fetch is a copy of a
credential whose every claim is public on the register and on our verification page, and which
is bound to no key, so it proves nothing about whoever presents it. The offer is shown only to
the signed-in holder, works once, and lapses after ten minutes.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.credentials.models import CredentialOffer, IssuedCredential
from casework.registry.models import RegistrationClaim

OFFER_LIFETIME = timedelta(minutes=10)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
# Codes and tokens are 256 random bits; anything much longer than their text is not ours.
MAX_SECRET_LENGTH = 128


class WalletRequestRefused(Exception):
    """A wallet's request that cannot be granted, with the OAuth 2.0 / OpenID4VCI error code
    and a description for the wallet's developers (ASCII, as RFC 6749 section 5.2 asks)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class MadeOffer:
    offer: CredentialOffer
    # Shown once, to the holder, inside the offer; only its hash is stored.
    pre_authorized_code: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _still_offered(credential: IssuedCredential) -> bool:
    """The credential is still the holder's to have: not revoked, its claim still verified."""
    return IssuedCredential.objects.filter(
        pk=credential.pk, revoked=False, claim__state=RegistrationClaim.State.VERIFIED
    ).exists()


def make_offer(*, credential: IssuedCredential, holder: User) -> MadeOffer:
    """Offer the holder's credential to a wallet (the caller has checked it is theirs)."""
    code = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        offer = CredentialOffer.objects.create(
            credential=credential,
            code_hash=_digest(code),
            created_at=now,
            expires_at=now + OFFER_LIFETIME,
        )
        record_event(
            action=actions.REGISTRY_CREDENTIAL_OFFERED,
            actor=holder,
            target=credential,
            subject_id=holder.pk,
            detail={"offer": offer.pk},
        )
    return MadeOffer(offer=offer, pre_authorized_code=code)


def redeem_pre_authorized_code(*, code: str) -> tuple[str, CredentialOffer]:
    """Exchange a pre-authorized code for an access token, once and in time.

    A code presented again is refused, and the token it bought is withdrawn unless it has
    already fetched the credential (RFC 6749 section 4.1.2: the server "SHOULD revoke (when
    possible) all tokens previously issued based on that authorization code")."""
    now = timezone.now()
    offer = (
        CredentialOffer.objects.select_related("credential__claim")
        .filter(code_hash=_digest(code))
        .first()
        if 0 < len(code) <= MAX_SECRET_LENGTH
        else None
    )
    if offer is None:
        raise WalletRequestRefused("invalid_grant", "The pre-authorized code is not known.")
    if offer.redeemed_at is not None:
        with transaction.atomic():
            withdrawn = CredentialOffer.objects.filter(
                pk=offer.pk, delivered_at__isnull=True, token_expires_at__gt=now
            ).update(token_expires_at=now)
            record_event(
                action=actions.REGISTRY_CREDENTIAL_OFFER_REPLAYED,
                target=offer.credential,
                subject_id=offer.credential.claim.practitioner_id,
                detail={"offer": offer.pk, "token_withdrawn": bool(withdrawn)},
            )
        raise WalletRequestRefused(
            "invalid_grant", "The pre-authorized code has already been used."
        )
    if offer.expires_at <= now:
        raise WalletRequestRefused("invalid_grant", "The pre-authorized code has expired.")
    if not _still_offered(offer.credential):
        raise WalletRequestRefused("invalid_grant", "The offered credential is no longer valid.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        taken = CredentialOffer.objects.filter(
            pk=offer.pk, redeemed_at__isnull=True, expires_at__gt=now
        ).update(
            redeemed_at=now,
            token_hash=_digest(token),
            token_expires_at=now + ACCESS_TOKEN_LIFETIME,
        )
        if taken != 1:  # another request redeemed it a moment ago
            raise WalletRequestRefused(
                "invalid_grant", "The pre-authorized code has already been used."
            )
        record_event(
            action=actions.REGISTRY_CREDENTIAL_OFFER_REDEEMED,
            target=offer.credential,
            subject_id=offer.credential.claim.practitioner_id,
            detail={"offer": offer.pk},
        )
    offer.refresh_from_db()
    return token, offer


def offer_for_access_token(*, token: str) -> CredentialOffer:
    """The offer an access token was issued for, if the token may still fetch its credential.
    Refusals carry the RFC 6750 code ``invalid_token``."""
    offer = (
        CredentialOffer.objects.select_related("credential__claim")
        .filter(token_hash=_digest(token))
        .first()
        if 0 < len(token) <= MAX_SECRET_LENGTH
        else None
    )
    if offer is None:
        raise WalletRequestRefused("invalid_token", "The access token is not known.")
    if offer.delivered_at is not None:
        raise WalletRequestRefused("invalid_token", "The access token has already been used.")
    assert offer.token_expires_at is not None  # noqa: S101  (a DB constraint: set with the hash)
    if offer.token_expires_at <= timezone.now():
        raise WalletRequestRefused("invalid_token", "The access token has expired.")
    return offer


def deliver_credential(*, offer: CredentialOffer) -> IssuedCredential:
    """Hand over the offered credential, once: the same signed credential the holder
    downloads from their registrations page."""
    now = timezone.now()
    if not _still_offered(offer.credential):
        raise WalletRequestRefused(
            "credential_request_denied", "The offered credential is no longer valid."
        )
    with transaction.atomic():
        taken = CredentialOffer.objects.filter(
            pk=offer.pk, delivered_at__isnull=True, token_expires_at__gt=now
        ).update(delivered_at=now)
        if taken != 1:
            raise WalletRequestRefused("invalid_token", "The access token has already been used.")
        record_event(
            action=actions.REGISTRY_CREDENTIAL_DELIVERED_TO_WALLET,
            target=offer.credential,
            subject_id=offer.credential.claim.practitioner_id,
            detail={"offer": offer.pk},
        )
    return offer.credential
