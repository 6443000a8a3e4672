"""Checking a credential someone pasted, in the order a careful verifier would:

1. the JWS itself (RFC 7515 compact serialization; only EdDSA is accepted, before any key is
   looked at, so "none", HS256 and friends never get near a key);
2. that it is a VC-JOSE-COSE credential (typ vc+jwt, the VC 2.0 context first, the
   VerifiableCredential type, no "vc"/"vp" claims, iss matching issuer);
3. the issuer (our DID) and the key (a JsonWebKey verification method of that DID listed under
   assertionMethod), then the Ed25519 signature;
4. the validity period (validFrom / validUntil);
5. each BitstringStatusListEntry (Bitstring Status List v1.0, section 3.2 "Validate
   Algorithm"): fetch the list credential, verify it the same way, check its purpose, expand
   the list, refuse lists under 131,072 entries, read the bit.

Every problem found is reported by a stable code and a plain sentence. The browser check
(static/casework/js/verify-credential.js) uses the same codes and sentences.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.registry.credentials import did, jws
from casework.registry.credentials.models import MIN_STATUS_LIST_BITS, StatusList
from casework.registry.credentials.status_list import bit_is_set, decode_encoded_list

VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
ACCEPTED_TYP = frozenset({"vc+jwt", "application/vc+jwt"})
ACCEPTED_METHOD_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})

# Code -> what a person is told. Order matters: it is the order problems are listed in.
PROBLEMS: dict[str, Promise] = {
    "malformed": _(
        "This is not a credential we can read. Paste the whole credential: three parts "
        "separated by dots."
    ),
    "wrong_alg": _(
        "It is signed with a method we do not accept. Casework credentials are signed with "
        "EdDSA (Ed25519) only."
    ),
    "not_a_credential": _("This is a signed token, but not a verifiable credential."),
    "unknown_issuer": _("It was not issued by Casework."),
    "unknown_kid": _("It names a signing key that Casework has not published."),
    "bad_signature": _(
        "The signature does not match: the credential was changed after it was issued, or "
        "Casework did not sign it."
    ),
    "not_yet_valid": _("It is not valid yet: its validity starts later."),
    "expired": _("It has expired."),
    "revoked": _("It has been revoked. It is no longer valid."),
    "suspended": _("It is suspended: the registration is suspended or has lapsed at the moment."),
    "status_unreachable": _(
        "We could not fetch its status list, so we cannot tell whether it was revoked or suspended."
    ),
    "status_invalid": _(
        "Its status list is not valid, so we cannot tell whether it was revoked or suspended."
    ),
}

# A status list source: None (this site's own lists), a mapping of list URL to the list's
# JWT, or a function that fetches a list's JWT by URL (None when it cannot).
StatusListSource = Mapping[str, str] | Callable[[str], str | None] | None

_DIGITS = re.compile(r"(0|[1-9][0-9]*)")
_DATE_TIME_STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)


@dataclass(frozen=True)
class CredentialSummary:
    """What a verified credential says, for people to read."""

    credential_id: str
    issuer: str
    key_id: str
    subject_id: str
    name: str
    registration_number: str
    registration_status: str
    regulator_name: str
    regulator_id: str
    jurisdiction: str
    valid_from: datetime | None
    valid_until: datetime | None


@dataclass
class VerificationResult:
    codes: list[str] = field(default_factory=list)
    summary: CredentialSummary | None = None
    # The decoded credential, once its signature has been checked.
    credential: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.codes

    @property
    def problems(self) -> list[str]:
        return [str(PROBLEMS[code]) for code in self.codes]

    def add(self, code: str) -> None:
        if code not in self.codes:
            self.codes.append(code)
            self.codes.sort(key=list(PROBLEMS).index)


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_datetime(value: Any) -> datetime:
    """An XML Schema dateTimeStamp: a date and time with its time zone."""
    if not isinstance(value, str) or not _DATE_TIME_STAMP.fullmatch(value):
        raise ValueError("not a dateTimeStamp")
    return datetime.fromisoformat(value)


def _issuer_id(payload: dict[str, Any]) -> str | None:
    issuer = payload.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _absolute(reference: str, did_id: str) -> str:
    return f"{did_id}{reference}" if reference.startswith("#") else reference


def _assertion_key(did_document: dict[str, Any], kid: Any) -> Ed25519PublicKey:
    """The public key of the verification method ``kid`` names, if the DID document lists it
    for assertions (issuing credentials is an assertion, DID Core section 5.3.2)."""
    did_id = did_document.get("id")
    if not isinstance(kid, str) or not isinstance(did_id, str):
        raise _Refused("unknown_kid")
    wanted = _absolute(kid, did_id)
    if not wanted.startswith(f"{did_id}#"):
        raise _Refused("unknown_kid")
    methods = [m for m in did_document.get("verificationMethod") or [] if isinstance(m, dict)]
    assertion: set[str] = set()
    for reference in did_document.get("assertionMethod") or []:
        if isinstance(reference, dict):  # an embedded method
            methods.append(reference)
            reference = reference.get("id")
        if isinstance(reference, str):
            assertion.add(_absolute(reference, did_id))
    for method in methods:
        method_id = method.get("id")
        if not isinstance(method_id, str) or _absolute(method_id, did_id) != wanted:
            continue
        key = jws.public_key_from_jwk(method.get("publicKeyJwk"))
        if wanted in assertion and method.get("type") in ACCEPTED_METHOD_TYPES and key:
            return key
    raise _Refused("unknown_kid")


def _verified_jwt(
    token: str, did_document: dict[str, Any], *, required_type: str
) -> jws.CompactJWS:
    """Steps 1 to 3 for a credential or a status list credential. Raises _Refused."""
    try:
        parsed = jws.parse_compact(token)
    except jws.MalformedToken as error:
        raise _Refused("malformed") from error
    header, payload = parsed.header, parsed.payload
    if header.get("alg") != "EdDSA":
        raise _Refused("wrong_alg")
    if "crit" in header:  # RFC 7515 section 4.1.11: extensions we do not understand
        raise _Refused("malformed")
    context, types = payload.get("@context"), payload.get("type")
    issuer = _issuer_id(payload)
    if (
        header.get("typ") not in ACCEPTED_TYP
        or not isinstance(context, list)
        or not context
        or context[0] != VC_CONTEXT_V2
        or not isinstance(types, list)
        or "VerifiableCredential" not in types
        or required_type not in types
        or "vc" in payload
        or "vp" in payload
        or issuer is None
        or ("iss" in payload and payload["iss"] != issuer)
    ):
        raise _Refused("not_a_credential")
    if issuer != did_document.get("id"):
        raise _Refused("unknown_issuer")
    key = _assertion_key(did_document, header.get("kid"))
    if not jws.signature_matches(parsed, key):
        raise _Refused("bad_signature")
    return parsed


def _period_problems(payload: dict[str, Any], now: datetime) -> list[str]:
    """The codes not_yet_valid and expired that apply; ValueError for dates we cannot read."""
    problems = []
    if "validFrom" in payload and now < parse_datetime(payload["validFrom"]):
        problems.append("not_yet_valid")
    if "validUntil" in payload and now > parse_datetime(payload["validUntil"]):
        problems.append("expired")
    return problems


def _local_status_list(url: str) -> str | None:
    prefix = f"{settings.SITE_URL}/credentials/status/"
    if not url.startswith(prefix) or not url.endswith("/"):
        return None
    list_id = url[len(prefix) : -1]
    if not re.fullmatch(r"[-a-zA-Z0-9_]+", list_id):
        return None
    return (
        StatusList.objects.filter(public_id=list_id)
        .exclude(signed_jwt="")
        .values_list("signed_jwt", flat=True)
        .first()
    )


def _fetcher(source: StatusListSource) -> Callable[[str], str | None]:
    if source is None:
        return _local_status_list
    if isinstance(source, Mapping):
        return source.get
    return source


def _entry_status(
    entry: dict[str, Any],
    *,
    did_document: dict[str, Any],
    fetch: Callable[[str], str | None],
    now: datetime,
) -> bool:
    """Whether the entry's bit is set. Raises _Refused for a list we cannot use."""
    purpose, index_text = entry.get("statusPurpose"), entry.get("statusListIndex")
    url = entry.get("statusListCredential")
    if (
        not isinstance(purpose, str)
        or not isinstance(url, str)
        or not isinstance(index_text, str)
        or not _DIGITS.fullmatch(index_text)
        or type(entry.get("statusSize", 1)) is not int
        or entry.get("statusSize", 1) != 1
    ):
        raise _Refused("status_invalid")
    try:
        token = fetch(url)
    except OSError:
        token = None
    if not token:
        raise _Refused("status_unreachable")
    try:
        listed = _verified_jwt(
            token, did_document, required_type="BitstringStatusListCredential"
        ).payload
        subject = listed.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
            raise _Refused("status_invalid")
        purposes = subject.get("statusPurpose")
        purposes = [purposes] if isinstance(purposes, str) else purposes
        if not isinstance(purposes, list) or purpose not in purposes:
            raise _Refused("status_invalid")
        if "id" in listed and listed["id"] != url:
            raise _Refused("status_invalid")
        if _period_problems(listed, now):
            raise _Refused("status_invalid")
        bits = decode_encoded_list(str(subject.get("encodedList", "")))
    except _Refused as refused:
        raise _Refused("status_invalid") from refused
    except ValueError as error:
        raise _Refused("status_invalid") from error
    index = int(index_text)
    if len(bits) * 8 < MIN_STATUS_LIST_BITS or index >= len(bits) * 8:
        raise _Refused("status_invalid")
    return bit_is_set(bits, index)


def _summary(parsed: jws.CompactJWS) -> CredentialSummary:
    payload = parsed.payload
    subject = payload.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    regulator = subject.get("regulator")
    regulator = regulator if isinstance(regulator, dict) else {}

    def text(value: Any) -> str:
        return value if isinstance(value, str) else ""

    def moment(value: Any) -> datetime | None:
        try:
            return parse_datetime(value)
        except ValueError:
            return None

    return CredentialSummary(
        credential_id=text(payload.get("id")),
        issuer=_issuer_id(payload) or "",
        key_id=text(parsed.header.get("kid")),
        subject_id=text(subject.get("id")),
        name=text(subject.get("name")),
        registration_number=text(subject.get("registrationNumber")),
        registration_status=text(subject.get("registrationStatus")),
        regulator_name=text(regulator.get("name")),
        regulator_id=text(regulator.get("id")),
        jurisdiction=text(subject.get("jurisdiction")),
        valid_from=moment(payload.get("validFrom")),
        valid_until=moment(payload.get("validUntil")),
    )


def verify_credential_jwt(
    token: str,
    *,
    did_document: dict[str, Any] | None = None,
    status_lists: StatusListSource = None,
    now: datetime | None = None,
) -> VerificationResult:
    """Verify a vc+jwt. Without ``did_document`` this site's own DID document is used; without
    ``status_lists``, this site's own status lists (no network either way)."""
    result = VerificationResult()
    document = did_document if did_document is not None else did.build_did_document()
    moment = now or timezone.now()
    try:
        parsed = _verified_jwt(token, document, required_type="SocialWorkRegistrationCredential")
    except _Refused as refused:
        result.add(refused.code)
        return result
    result.credential = parsed.payload
    result.summary = _summary(parsed)
    try:
        for code in _period_problems(parsed.payload, moment):
            result.add(code)
    except ValueError:
        result.add("not_a_credential")
    entries = parsed.payload.get("credentialStatus", [])
    entries = [entries] if isinstance(entries, dict) else entries
    fetch = _fetcher(status_lists)
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            continue  # "If the extension mechanism type is not understood ... MUST be ignored"
        try:
            is_set = _entry_status(entry, did_document=document, fetch=fetch, now=moment)
        except _Refused as refused:
            result.add(refused.code)
            continue
        if is_set and entry.get("statusPurpose") == "revocation":
            result.add("revoked")
        elif is_set and entry.get("statusPurpose") == "suspension":
            result.add("suspended")
    return result
