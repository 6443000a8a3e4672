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
   the list, refuse lists under 131,072 entries, read the bit. Each version of a list is
   verified and expanded once and kept (``checked_status_lists``); after that a credential
   costs its own signature and a bit.

Every problem found is reported by a stable code and a plain sentence. The browser check
(static/casework/js/verify-credential.js) uses the same codes and sentences.
"""

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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


def _assertion_key(did_document: dict[str, Any], kid: Any) -> jws.PublicKey:
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


def _parsed(token: str) -> jws.CompactJWS:
    try:
        return jws.parse_compact(token)
    except jws.MalformedToken as error:
        raise _Refused("malformed") from error


# The keys a DID document names, looked up once per verification: the credential and its
# lists are signed with the same key as a rule. Keyed by the kid as written.
KeysFound = dict[str, jws.PublicKey]


def _signing_key(
    parsed: jws.CompactJWS, did_document: dict[str, Any], keys: KeysFound, *, required_type: str
) -> jws.PublicKey:
    """Steps 1 to 3 for a credential or a status list credential, short of the signature
    itself: the key the signature must match. Raises _Refused."""
    _check_shape(parsed, required_type=required_type)
    return _issuer_key(parsed, did_document, keys)


def _check_shape(parsed: jws.CompactJWS, *, required_type: str) -> None:
    """Steps 1 and 2: what the token alone tells. Raises _Refused."""
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


def _issuer_key(
    parsed: jws.CompactJWS, did_document: dict[str, Any], keys: KeysFound
) -> jws.PublicKey:
    """Step 3 short of the signature: the DID document at hand is the issuer's and names the
    key. Raises _Refused."""
    if _issuer_id(parsed.payload) != did_document.get("id"):
        raise _Refused("unknown_issuer")
    kid = parsed.header.get("kid")
    if not isinstance(kid, str):
        raise _Refused("unknown_kid")
    key = keys.get(kid)
    if key is None:
        key = keys[kid] = _assertion_key(did_document, kid)
    return key


def _verified_jwt(
    token: str, did_document: dict[str, Any], keys: KeysFound, *, required_type: str
) -> jws.CompactJWS:
    """Steps 1 to 3 for a credential. Raises _Refused."""
    parsed = _parsed(token)
    key = _signing_key(parsed, did_document, keys, required_type=required_type)
    if not jws.signature_matches(parsed, key):
        raise _Refused("bad_signature")
    return parsed


@dataclass(frozen=True)
class _CheckedList:
    """A status list credential whose signature matched ``key``, expanded: what is left to
    check for each credential is the list's purpose, address and period, and one bit."""

    token: str
    key: bytes
    parsed: jws.CompactJWS
    purposes: tuple[Any, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    bits: bytes


class _CheckedLists:
    """The status lists checked so far, one per address, bounded in number and bytes.

    Every credential names the same two lists, and checking each list's signature and
    expanding it again for every credential cost twice what checking the credential itself
    does. A list is taken from here only for the very token it was checked from, and only
    after the DID document at hand has named the same key for it; a new version of a list (a
    new token) is checked anew and takes the old one's place."""

    def __init__(self, *, max_lists: int, max_bytes: int) -> None:
        self._max_lists, self._max_bytes = max_lists, max_bytes
        self._lists: dict[str, _CheckedList] = {}
        self._lock = threading.Lock()

    def get(self, url: str, token: str) -> _CheckedList | None:
        checked = self._lists.get(url)
        return checked if checked is not None and checked.token == token else None

    def keep(self, url: str, checked: _CheckedList) -> None:
        if len(checked.bits) > self._max_bytes:
            return
        with self._lock:
            self._lists.pop(url, None)
            kept_bytes = sum(len(kept.bits) for kept in self._lists.values())
            while self._lists and (
                len(self._lists) >= self._max_lists
                or kept_bytes + len(checked.bits) > self._max_bytes
            ):
                oldest = next(iter(self._lists))
                kept_bytes -= len(self._lists.pop(oldest).bits)
            self._lists[url] = checked

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()


# A list of the minimum size takes 16 KiB expanded; this site publishes two per 98,304
# credentials issued.
checked_status_lists = _CheckedLists(max_lists=64, max_bytes=64 * 1024 * 1024)


def _expanded(parsed: jws.CompactJWS, token: str, key: jws.PublicKey) -> _CheckedList:
    """What a signed status list credential says, once. Raises _Refused or ValueError."""
    listed = parsed.payload
    subject = listed.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise _Refused("status_invalid")
    purposes = subject.get("statusPurpose")
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list):
        raise _Refused("status_invalid")
    bits = decode_encoded_list(str(subject.get("encodedList", "")))
    if len(bits) * 8 < MIN_STATUS_LIST_BITS:
        raise _Refused("status_invalid")
    return _CheckedList(
        token=token,
        key=key.raw,
        parsed=parsed,
        purposes=tuple(purposes),
        valid_from=parse_datetime(listed["validFrom"]) if "validFrom" in listed else None,
        valid_until=parse_datetime(listed["validUntil"]) if "validUntil" in listed else None,
        bits=bits,
    )


def _checked_list(
    url: str, token: str, did_document: dict[str, Any], keys: KeysFound
) -> _CheckedList:
    """The status list credential at ``url``, its signature checked once per version (and per
    key). Raises _Refused or ValueError for a list that cannot be used."""
    kept = checked_status_lists.get(url, token)
    # The issuer and key are looked up in the DID document at hand every time: a list checked
    # against one document is not vouched for by another.
    if kept is not None and _issuer_key(kept.parsed, did_document, keys).raw == kept.key:
        return kept
    parsed = _parsed(token)
    key = _signing_key(parsed, did_document, keys, required_type="BitstringStatusListCredential")
    if not jws.signature_matches(parsed, key):
        raise _Refused("bad_signature")
    checked = _expanded(parsed, token, key)
    checked_status_lists.keep(url, checked)
    return checked


def _local_status_lists(urls: list[str]) -> dict[str, str]:
    """This site's own published lists among ``urls``, by address, in one query."""
    prefix = f"{settings.SITE_URL}/credentials/status/"
    wanted = {}
    for url in urls:
        if not url.startswith(prefix) or not url.endswith("/"):
            continue
        list_id = url[len(prefix) : -1]
        if re.fullmatch(r"[-a-zA-Z0-9_]+", list_id):
            wanted[list_id] = url
    if not wanted:
        return {}
    return {
        wanted[public_id]: signed_jwt
        for public_id, signed_jwt in StatusList.objects.filter(public_id__in=wanted)
        .exclude(signed_jwt="")
        .values_list("public_id", "signed_jwt")
    }


def _fetcher(source: StatusListSource, urls: list[str]) -> Callable[[str], str | None]:
    if source is None:
        return _local_status_lists(urls).get
    if isinstance(source, Mapping):
        return source.get
    return source


def _entry_url(entry: dict[str, Any]) -> str | None:
    url = entry.get("statusListCredential")
    return url if isinstance(url, str) else None


def _entry_status(
    entry: dict[str, Any],
    *,
    did_document: dict[str, Any],
    keys: KeysFound,
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
        listed = _checked_list(url, token, did_document, keys)
        if purpose not in listed.purposes:
            raise _Refused("status_invalid")
        if "id" in listed.parsed.payload and listed.parsed.payload["id"] != url:
            raise _Refused("status_invalid")
        if (listed.valid_from is not None and now < listed.valid_from) or (
            listed.valid_until is not None and now > listed.valid_until
        ):
            raise _Refused("status_invalid")
    except _Refused as refused:
        raise _Refused("status_invalid") from refused
    except ValueError as error:
        raise _Refused("status_invalid") from error
    index = int(index_text)
    if index >= len(listed.bits) * 8:
        raise _Refused("status_invalid")
    return bit_is_set(listed.bits, index)


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
    keys: KeysFound = {}
    try:
        parsed = _verified_jwt(
            token, document, keys, required_type="SocialWorkRegistrationCredential"
        )
    except _Refused as refused:
        result.add(refused.code)
        return result
    payload = result.credential = parsed.payload
    summary = result.summary = _summary(parsed)
    # The period from the summary's dates (read once): present but unreadable is no credential.
    if ("validFrom" in payload and summary.valid_from is None) or (
        "validUntil" in payload and summary.valid_until is None
    ):
        result.add("not_a_credential")
    else:
        if summary.valid_from is not None and moment < summary.valid_from:
            result.add("not_yet_valid")
        if summary.valid_until is not None and moment > summary.valid_until:
            result.add("expired")
    entries = parsed.payload.get("credentialStatus", [])
    entries = [entries] if isinstance(entries, dict) else entries
    entries = [
        entry
        for entry in (entries if isinstance(entries, list) else [])
        # "If the extension mechanism type is not understood ... MUST be ignored"
        if isinstance(entry, dict) and entry.get("type") == "BitstringStatusListEntry"
    ]
    # This site's own lists are read in one query for all the entries.
    fetch = _fetcher(status_lists, [url for entry in entries if (url := _entry_url(entry))])
    for entry in entries:
        try:
            is_set = _entry_status(entry, did_document=document, keys=keys, fetch=fetch, now=moment)
        except _Refused as refused:
            result.add(refused.code)
            continue
        if is_set and entry.get("statusPurpose") == "revocation":
            result.add("revoked")
        elif is_set and entry.get("statusPurpose") == "suspension":
            result.add("suspended")
    return result
