"""The registration credential: a W3C Verifiable Credential 2.0, secured as a JWT according to
"Securing Verifiable Credentials using JOSE and COSE" (VC-JOSE-COSE, W3C Recommendation).

Spec text this follows (VC-JOSE-COSE section 3.1.1 unless said otherwise):
- "The unsecured verifiable credential is the unencoded JWS payload." The payload is the
  credential JSON itself, with no "vc" wrapper ("The JWT Claim Names vc and vp MUST NOT be
  present", section 3.1.3).
- "The typ header parameter SHOULD be vc+jwt. When present, the cty header parameter SHOULD be
  vc." The media type is application/vc+jwt (section 6.1.1).
- "kid MUST be present when the key of the issuer ... is expressed as a DID URL" (section 4.1.1):
  our kid is the verification method's DID URL, <did>#<JWK thumbprint>.
- "When issuer value is a string, iss value, if present, MUST match issuer value" (4.1.2), and
  iat "represent[s] the issuance ... time of the signature" (3.1.3): we add iss and iat; nbf is
  "NOT RECOMMENDED", so there is none.
- VC Data Model 2.0: "@context" is an ordered set whose first item is
  https://www.w3.org/ns/credentials/v2, the others URLs or objects processable as JSON-LD
  contexts (ours is an inline object defining our terms); validFrom and validUntil are
  dateTimeStamps; credentialStatus may be a list of entries.
"""

import calendar
from datetime import UTC, datetime, time, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.utils import timezone

from casework.registry.credentials import did, jws
from casework.registry.credentials.addresses import public_url
from casework.registry.credentials.keys import active_signing_key, load_private_key
from casework.registry.credentials.models import IssuedCredential, SigningKey
from casework.registry.credentials.status_list import (
    VC_CONTEXT_V2,
    allocate_status_index,
    format_datetime,
    status_list_url,
)
from casework.registry.models import RegistrationClaim

CREDENTIAL_TYPE = "SocialWorkRegistrationCredential"
VC_JWT_MEDIA_TYPE = "application/vc+jwt"
JOSE_TYP = "vc+jwt"
JOSE_CTY = "vc"
ALGORITHM = "EdDSA"
DEFAULT_VALIDITY = timedelta(days=365)


def vocabulary() -> str:
    """The IRI our own terms expand to (one per deployment, like the issuer's DID). It is an
    address that answers: the vocabulary document (vocabulary.py) is served there."""
    return f"{public_url('credentials:vocabulary')}#"


def credential_context() -> dict[str, Any]:
    """The inline JSON-LD context defining the terms the VC 2.0 context does not."""
    vocab = vocabulary()
    return {
        CREDENTIAL_TYPE: f"{vocab}{CREDENTIAL_TYPE}",
        "registrationNumber": f"{vocab}registrationNumber",
        "registrationStatus": f"{vocab}registrationStatus",
        "regulator": f"{vocab}regulator",
        "jurisdiction": f"{vocab}jurisdiction",
    }


def jose_header(key: SigningKey) -> dict[str, Any]:
    return {
        "alg": ALGORITHM,
        "kid": did.verification_method_id(key.kid),
        "typ": JOSE_TYP,
        "cty": JOSE_CTY,
    }


def secure_credential(
    credential: dict[str, Any], *, key: SigningKey, private_key: Ed25519PrivateKey
) -> str:
    """Sign an unsecured credential as a vc+jwt. iss repeats the (string) issuer; iat is now."""
    payload = {
        **credential,
        "iss": credential["issuer"],
        "iat": calendar.timegm(timezone.now().utctimetuple()),
    }
    return jws.sign_compact(header=jose_header(key), payload=payload, private_key=private_key)


def validity_end(claim: RegistrationClaim, *, now: datetime) -> datetime:
    """The end of the register entry's registration period, or a year from now."""
    entry = claim.entry
    if entry is not None and entry.valid_until is not None:
        return datetime.combine(entry.valid_until, time(23, 59, 59), tzinfo=UTC)
    return now + DEFAULT_VALIDITY


def _earlier_subject_uuid(claim: RegistrationClaim) -> Any:
    """A practitioner is the same subject in all their credentials."""
    return (
        IssuedCredential.objects.filter(claim__practitioner_id=claim.practitioner_id)
        .values_list("subject_uuid", flat=True)
        .first()
    )


def build_credential(
    *,
    credential: IssuedCredential,
    claim: RegistrationClaim,
    valid_from: datetime,
) -> dict[str, Any]:
    entry = claim.entry
    assert entry is not None  # noqa: S101  (a verified claim has its entry: a DB constraint)
    regulator = claim.regulator
    return {
        "@context": [VC_CONTEXT_V2, credential_context()],
        "id": f"urn:uuid:{credential.uuid}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": did.issuer_did(),
        "validFrom": format_datetime(valid_from),
        "validUntil": format_datetime(credential.valid_until),
        "credentialSubject": {
            "id": f"urn:uuid:{credential.subject_uuid}",
            "name": entry.name,
            "registrationNumber": entry.registration_number,
            "registrationStatus": entry.status,
            "regulator": {"id": regulator.website, "name": regulator.name},
            "jurisdiction": regulator.jurisdiction_id,
        },
        "credentialStatus": [
            {
                "id": f"{status_list_url(status_list)}#{credential.status_list_index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": status_list.purpose,
                "statusListIndex": str(credential.status_list_index),
                "statusListCredential": status_list_url(status_list),
            }
            for status_list in (credential.revocation_list, credential.suspension_list)
        ],
    }


def issue_credential(*, claim: RegistrationClaim) -> IssuedCredential:
    """Sign a credential for a verified claim and keep it. (The policy of when to issue, and
    the audit event, are the service's: see service.issue_credential_for_claim.)"""
    if claim.state != RegistrationClaim.State.VERIFIED or claim.entry is None:
        raise ValueError("Only a verified registration claim gets a credential.")
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        key = active_signing_key()
        revocation, suspension, index = allocate_status_index()
        credential = IssuedCredential(
            claim=claim,
            kid=key.kid,
            issued_at=now,
            valid_until=validity_end(claim, now=now),
            revocation_list=revocation,
            suspension_list=suspension,
            status_list_index=index,
        )
        credential.subject_uuid = _earlier_subject_uuid(claim) or credential.subject_uuid
        unsecured = build_credential(credential=credential, claim=claim, valid_from=now)
        credential.jwt = secure_credential(unsecured, key=key, private_key=load_private_key(key))
        credential.save(force_insert=True)
    return credential
