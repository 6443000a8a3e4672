"""Checking the audit log: every seal, every sealed event, the events left out, the anchors.

A seal whose MAC holds was made by someone with ``CASEWORK_AUDIT_KEY``; each sealed event's own
MAC says which event stood at which place, so a changed event is named even when every unkeyed
hash (leaf, root, chain) was recomputed. See ``casework.privacy.sealing`` for how seals are made.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

from casework.privacy import merkle
from casework.privacy.anchors import get_anchor
from casework.privacy.models import AuditEvent, AuditSeal
from casework.privacy.sealing import (
    LATE_AFTER,
    Checkpoint,
    event_leaf_hash,
    leaf_mac,
    seal_mac,
    unsealed_events,
)


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None  # the event concerned, when one can be named
    kind: str  # "changed", "removed" or "inserted"
    explanation: str


def find_first_break() -> ChainBreak | None:
    """The first event (in the log's order) that is not as it was written, or None."""
    return next(iter(find_breaks()), None)


def find_breaks() -> Iterator[ChainBreak]:
    """Every break, in the log's order: the seals first, then events no seal holds."""
    expected_number, previous = 1, merkle.EMPTY_CHAIN.hex()
    newest: AuditSeal | None = None
    for seal in AuditSeal.objects.order_by("number").iterator(chunk_size=200):
        if seal.number != expected_number:
            yield ChainBreak(
                None, "removed", f"seal {expected_number} is missing, with the events it held"
            )
        yield from _check_seal(seal, previous)
        expected_number, previous, newest = seal.number + 1, seal.chain, seal
    if newest is None:
        return  # nothing sealed yet: every event is still waiting for its first seal
    late = unsealed_events().filter(occurred_at__lt=newest.sealed_at - LATE_AFTER)
    for event in late.order_by("seq").iterator(chunk_size=200):
        yield ChainBreak(
            event.seq,
            "inserted",
            f"event #{event.seq} is in no seal, though it claims a time "
            f"({event.occurred_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC) the seals have passed",
        )


def _check_seal(seal: AuditSeal, previous: str) -> Iterator[ChainBreak]:
    # Events first: their own MACs name a changed one even when the seal was re-hashed too.
    leaves = list(seal.leaves.order_by("position"))
    events = AuditEvent.objects.in_bulk([leaf.event_seq for leaf in leaves])
    hashes: list[bytes] = []
    for position, leaf in enumerate(leaves):
        if leaf.position != position:
            yield ChainBreak(
                None,
                "removed",
                f"the event at place {position} of seal {seal.number} was removed with its "
                f"sealing record",
            )
            return
        genuine = merkle.same(
            leaf_mac(
                seal_number=seal.number,
                position=position,
                event_seq=leaf.event_seq,
                leaf_hash=leaf.leaf_hash,
            ),
            leaf.mac,
        )
        if not genuine:
            yield ChainBreak(
                leaf.event_seq,
                "changed",
                f"event #{leaf.event_seq} was changed: its sealing record no longer carries "
                f"the audit key's MAC",
            )
            return
        event = events.get(leaf.event_seq)
        if event is None:
            yield ChainBreak(
                leaf.event_seq,
                "removed",
                f"event #{leaf.event_seq} (seal {seal.number}) is missing",
            )
        elif not merkle.same(event_leaf_hash(event), leaf.leaf_hash):
            yield ChainBreak(event.seq, "changed", f"event #{event.seq} was changed")
        hashes.append(bytes.fromhex(leaf.leaf_hash))
    if not merkle.same(seal_mac(seal), seal.mac):
        yield ChainBreak(None, "changed", f"seal {seal.number} is not genuine (its MAC differs)")
        return
    if seal.previous != previous:
        yield ChainBreak(None, "inserted", f"seal {seal.number} does not follow the seal before it")
        return
    if len(leaves) != seal.size:
        yield ChainBreak(
            None,
            "removed",
            f"the last {seal.size - len(leaves)} of the {seal.size} events of seal "
            f"{seal.number} were removed with their sealing records",
        )
        return
    root = merkle.tree_root(hashes)
    if root.hex() != seal.root or merkle.chain_hash(bytes.fromhex(previous), root).hex() != (
        seal.chain
    ):
        yield ChainBreak(None, "changed", f"seal {seal.number} does not match its events")


@dataclass(frozen=True)
class AnchorProblem:
    line: int
    explanation: str


def check_anchors() -> tuple[int, list[AnchorProblem]]:
    """How many anchor lines were read, and what disagrees: a line that is not genuine, or a
    seal the database no longer holds as it was anchored (the log was cut back or rewritten)."""
    lines = get_anchor().lines()
    problems: list[AnchorProblem] = []
    seals = {
        seal.number: seal for seal in AuditSeal.objects.filter(number__in=_anchored_numbers(lines))
    }
    highest = 0
    for number, line in enumerate(lines, start=1):
        try:
            checkpoint = Checkpoint.parse(line)
        except ValueError as error:
            problems.append(AnchorProblem(number, f"anchor line {number} was altered ({error})"))
            continue
        if checkpoint.seal < highest:
            problems.append(
                AnchorProblem(number, f"anchor line {number} goes back to seal {checkpoint.seal}")
            )
        highest = max(highest, checkpoint.seal)
        seal = seals.get(checkpoint.seal)
        if seal is None:
            problems.append(
                AnchorProblem(
                    number,
                    f"seal {checkpoint.seal}, anchored at {checkpoint.anchored_at}, is missing "
                    f"from the database: the log was cut back",
                )
            )
        elif not merkle.same(seal.chain, checkpoint.chain):
            problems.append(
                AnchorProblem(
                    number,
                    f"seal {checkpoint.seal} differs from its anchor of {checkpoint.anchored_at}: "
                    f"the log was rewritten",
                )
            )
    return len(lines), problems


def _anchored_numbers(lines: list[str]) -> list[int]:
    numbers = []
    for line in lines:
        try:
            numbers.append(Checkpoint.parse(line).seal)
        except ValueError:
            continue
    return numbers
