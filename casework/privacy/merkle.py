"""Merkle tree hashing as Certificate Transparency does it (RFC 6962 section 2.1, kept in
RFC 9162 section 2.1.1): leaves and interior nodes hashed under different one-byte prefixes,
so no leaf can pass for a node. The audit log's seals are built from these."""

import hashlib
import hmac
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_CHAIN = bytes(32)  # what the first seal follows


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH of already-hashed leaves: split at the largest power of two below their number."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    if len(level) == 1:
        return level[0]
    split = 1 << ((len(level) - 1).bit_length() - 1)
    return node_hash(tree_root(level[:split]), tree_root(level[split:]))


def chain_hash(previous: bytes, root: bytes) -> bytes:
    """A seal's place in the log: an interior node over the seal before and this batch, so the
    whole log is one tree, each seal a head that commits to everything before it."""
    return node_hash(previous, root)


def mac(key: bytes, *parts: object) -> str:
    """HMAC-SHA256 over the parts, each written out and separated so none can run into the
    next (``("ab", "c")`` and ``("a", "bc")`` differ)."""
    message = b"\x1f".join(str(part).encode("utf-8") for part in parts)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
