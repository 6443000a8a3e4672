"""Bitstring Status Lists (W3C Bitstring Status List v1.0): indexes, bits, and the signed
BitstringStatusListCredential each list is published as.

Spec text this follows:
- statusListIndex: "Implementations SHOULD assign indexes randomly, such that inferences — such
  as the recency of the assignment or the size of the group — cannot be easily drawn from that
  position." We draw each index at random among the unused ones of the current list pair.
- encodedList: "MUST be a Multibase-encoded base64url (with no padding) [RFC4648]
  representation of the GZIP-compressed [RFC1952] bitstring values ... The uncompressed
  bitstring MUST be at least 16KB in size. The bitstring MUST be encoded such that the first
  index, with a value of zero (0), is located at the left-most bit in the bitstring". Multibase
  base64url-no-pad carries the prefix "u".
- ttl: "Implementations that publish the status list SHOULD align any protocol-specific caching
  information, such as the HTTP Cache-Control header, with the value in this field."
- Securing: "implementers SHOULD use the same securing mechanism with the same cryptographic
  parameters and the same media type for both verifiable credentials" — so status lists are
  vc+jwt with EdDSA too.
"""

import gzip
import secrets
import zlib
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from casework.registry.credentials import did, jws
from casework.registry.credentials.addresses import public_url
from casework.registry.credentials.keys import active_signing_key, b64url, load_private_key
from casework.registry.credentials.models import (
    MIN_STATUS_LIST_BITS,
    IssuedCredential,
    StatusList,
)

VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
# How long verifiers may keep a status list (seconds): the HTTP max-age and the list's "ttl".
STATUS_LIST_TTL_SECONDS = 300
# A new pair of lists starts when three quarters of the current one are given out, so that a
# random free index is found in a few draws.
_FILL_LIMIT = MIN_STATUS_LIST_BITS * 3 // 4
_MAX_DRAWS = 64


def format_datetime(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC, to the second: 2025-01-31T09:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_list_url(status_list: StatusList) -> str:
    return public_url("credentials:status_list", list_id=status_list.public_id)


def encode_bits(bits: bytes) -> str:
    """GZIP, then multibase base64url without padding ("u" prefix)."""
    return "u" + b64url(gzip.compress(bits, mtime=0))


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def with_bit(bits: bytes, index: int, value: bool) -> bytes:
    changed = bytearray(bits)
    mask = 0x80 >> (index % 8)
    if value:
        changed[index // 8] |= mask
    else:
        changed[index // 8] &= ~mask & 0xFF
    return bytes(changed)


def _new_list(purpose: str, series: int) -> StatusList:
    status_list = StatusList.objects.create(
        public_id=secrets.token_hex(10),
        purpose=purpose,
        series=series,
        size=MIN_STATUS_LIST_BITS,
        bits=bytes(MIN_STATUS_LIST_BITS // 8),
    )
    publish_status_list(status_list)
    return status_list


def allocate_status_index() -> tuple[StatusList, StatusList, int]:
    """A revocation list, its suspension partner, and an index unused in both, drawn at random.
    Call inside the transaction that creates the credential holding the index."""
    with transaction.atomic():
        revocation = (
            StatusList.objects.select_for_update()
            .filter(purpose=StatusList.Purpose.REVOCATION)
            .order_by("-series")
            .first()
        )
        if revocation is None or revocation.allocated >= _FILL_LIMIT:
            series = revocation.series + 1 if revocation else 1
            revocation = _new_list(StatusList.Purpose.REVOCATION, series)
            suspension = _new_list(StatusList.Purpose.SUSPENSION, series)
        else:
            suspension = StatusList.objects.select_for_update().get(
                series=revocation.series, purpose=StatusList.Purpose.SUSPENSION
            )
        for _draw in range(_MAX_DRAWS):
            index = secrets.randbelow(revocation.size)
            if not IssuedCredential.objects.filter(
                revocation_list=revocation, status_list_index=index
            ).exists():
                break
        else:
            raise RuntimeError("No free status list index found; the list is too full.")
        for status_list in (revocation, suspension):
            status_list.allocated += 1
            status_list.save(update_fields=["allocated", "updated_at"])
        return revocation, suspension, index


def set_status_bit(*, status_list: StatusList, index: int, value: bool) -> bool:
    """Set or clear one bit and publish the list again. Returns whether anything changed."""
    with transaction.atomic():
        locked = StatusList.objects.select_for_update().get(pk=status_list.pk)
        bits = bytes(locked.bits)
        if bit_is_set(bits, index) == value:
            return False
        locked.bits = with_bit(bits, index, value)
        locked.save(update_fields=["bits", "updated_at"])
        publish_status_list(locked)
    return True


def status_list_credential(status_list: StatusList) -> dict[str, Any]:
    """The unsecured BitstringStatusListCredential (Bitstring Status List v1.0, section 2.2).

    It has no validFrom (optional in VC 2.0): a list re-signed a moment ago would otherwise look
    "not yet valid" to a verifier whose clock runs a little behind ours. Freshness comes from
    fetching the list (ttl and Cache-Control), and iat says when it was signed."""
    url = status_list_url(status_list)
    return {
        "@context": [VC_CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did.issuer_did(),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_bits(bytes(status_list.bits)),
            "ttl": STATUS_LIST_TTL_SECONDS * 1000,
        },
    }


def publish_status_list(status_list: StatusList) -> None:
    """Sign the list's credential with the active key and keep it, as served."""
    from casework.registry.credentials.issuance import secure_credential

    key = active_signing_key()
    status_list.signed_jwt = secure_credential(
        status_list_credential(status_list), key=key, private_key=load_private_key(key)
    )
    status_list.save(update_fields=["signed_jwt", "updated_at"])


def publish_all_status_lists() -> None:
    with transaction.atomic():
        for status_list in StatusList.objects.select_for_update().order_by("pk"):
            publish_status_list(status_list)


# Larger lists than this (16 MiB, 134 million entries) are refused rather than expanded.
MAX_EXPANDED_BYTES = 16 * 1024 * 1024


def decode_encoded_list(encoded: str) -> bytes:
    """The Bitstring Expansion Algorithm: multibase-decode, then GZIP-decompress (bounded)."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # a GZIP member
    try:
        bits = inflater.decompress(jws.b64url_decode(encoded[1:]), MAX_EXPANDED_BYTES)
    except (zlib.error, jws.MalformedToken) as error:
        raise ValueError("encodedList is not GZIP data") from error
    if inflater.unconsumed_tail or not inflater.eof:
        raise ValueError("encodedList is too large or cut short")
    return bits
