"""Sealing the audit log in short batches, as a Certificate Transparency log does.

``record_event`` only inserts rows, so writers never queue on a shared row. A sealer (the
clock, casework/shell/schedule.py, or ``manage.py seal_audit_log`` on demand) then takes the
events not yet sealed, in ``seq`` order, a batch at a time:

- each event's leaf hash (RFC 6962: SHA-256 of ``0x00`` and the event's canonical entry) is
  kept with its place in the batch and a MAC of its own, which names a changed event even when
  every unkeyed hash around it was recomputed;
- the batch's Merkle root is chained to the seal before (an interior node over the previous
  chain and the root), and the seal carries a MAC of all of it under ``CASEWORK_AUDIT_KEY``;
- every hour the newest seal is written to the anchor (``casework.privacy.anchors``).

An event is sealed within seconds of its commit. One recorded more than ``LATE_AFTER`` before
the newest seal and still unsealed did not come through the application (whose transactions
never stay open that long): the sealer leaves it out and ``verify_audit_chain`` names it as
inserted. Inside that window, before its seal, a row written straight into the database cannot
be told from a real event: the window is the log's "maximum merge delay".
"""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from casework.privacy import merkle
from casework.privacy.anchors import get_anchor
from casework.privacy.audit import event_entry
from casework.privacy.models import AuditEvent, AuditSeal, AuditSealedEvent

logger = logging.getLogger(__name__)

BATCH_SIZE = 256
LATE_AFTER = timedelta(hours=1)
ANCHOR_EVERY = timedelta(hours=1)


def audit_key() -> bytes:
    return str(settings.AUDIT_KEY).encode("utf-8")


def seal_mac(seal: AuditSeal) -> str:
    return merkle.mac(
        audit_key(),
        "casework-audit-seal",
        seal.number,
        seal.sealed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        seal.size,
        seal.root,
        seal.previous,
        seal.chain,
    )


def leaf_mac(*, seal_number: int, position: int, event_seq: int, leaf_hash: str) -> str:
    return merkle.mac(
        audit_key(), "casework-audit-leaf", seal_number, position, event_seq, leaf_hash
    )


def event_leaf_hash(event: AuditEvent) -> str:
    return merkle.leaf_hash(event_entry(event)).hex()


def unsealed_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.alias(
        sealed=Exists(AuditSealedEvent.objects.filter(event_seq=OuterRef("seq")))
    ).filter(sealed=False)


def seal_pending(*, batch_size: int = BATCH_SIZE) -> list[AuditSeal]:
    """Seal every event waiting, a batch at a time; the seals made (none when another sealer
    got there first: the next round takes what is left)."""
    newest = AuditSeal.objects.order_by("-number").first()
    # Fixed for the whole run, so a long backlog is sealed in full however long that takes.
    horizon = newest.sealed_at - LATE_AFTER if newest is not None else None
    seals: list[AuditSeal] = []
    while True:
        try:
            seal = _seal_one_batch(horizon=horizon, batch_size=batch_size)
        except IntegrityError:
            logger.info("Another sealer took the next seal number; leaving the rest to it.")
            return seals
        if seal is None:
            return seals
        seals.append(seal)
        if seal.size < batch_size:
            return seals


@transaction.atomic
def _seal_one_batch(*, horizon: datetime | None, batch_size: int) -> AuditSeal | None:
    newest = AuditSeal.objects.order_by("-number").first()
    waiting = unsealed_events()
    if horizon is not None:
        waiting = waiting.filter(occurred_at__gte=horizon)
    events = list(waiting.order_by("seq")[:batch_size])
    if not events:
        return None
    leaves = [merkle.leaf_hash(event_entry(event)) for event in events]
    previous = bytes.fromhex(newest.chain) if newest is not None else merkle.EMPTY_CHAIN
    root = merkle.tree_root(leaves)
    seal = AuditSeal(
        number=newest.number + 1 if newest is not None else 1,
        sealed_at=datetime.now(UTC),
        size=len(events),
        root=root.hex(),
        previous=previous.hex(),
        chain=merkle.chain_hash(previous, root).hex(),
    )
    seal.mac = seal_mac(seal)
    # A sealer racing for the same number fails here, on the primary key, before any leaf.
    seal.save(force_insert=True)
    AuditSealedEvent.objects.bulk_create(
        AuditSealedEvent(
            event_seq=event.seq,
            seal=seal,
            position=position,
            leaf_hash=leaf.hex(),
            mac=leaf_mac(
                seal_number=seal.number,
                position=position,
                event_seq=event.seq,
                leaf_hash=leaf.hex(),
            ),
        )
        for position, (event, leaf) in enumerate(zip(events, leaves, strict=True))
    )
    return seal


@dataclass(frozen=True)
class Checkpoint:
    """One anchor line: the newest seal's number and chain when it was anchored."""

    seal: int
    chain: str
    anchored_at: str
    mac: str

    @classmethod
    def of(cls, seal: AuditSeal, anchored_at: datetime) -> "Checkpoint":
        moment = anchored_at.astimezone(UTC).isoformat(timespec="seconds")
        return cls(seal.number, seal.chain, moment, checkpoint_mac(seal.number, seal.chain, moment))

    def line(self) -> str:
        return json.dumps(
            {"seal": self.seal, "chain": self.chain, "at": self.anchored_at, "mac": self.mac},
            separators=(",", ":"),
        )

    @classmethod
    def parse(cls, line: str) -> "Checkpoint":
        """The checkpoint on ``line``; ValueError when it is malformed or not genuine."""
        try:
            fields = json.loads(line)
            checkpoint = cls(int(fields["seal"]), fields["chain"], fields["at"], fields["mac"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError("malformed") from error
        expected = checkpoint_mac(checkpoint.seal, checkpoint.chain, checkpoint.anchored_at)
        if not merkle.same(expected, str(checkpoint.mac)):
            raise ValueError("its MAC does not match")
        return checkpoint

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.anchored_at)


def checkpoint_mac(seal_number: int, chain: str, anchored_at: str) -> str:
    return merkle.mac(audit_key(), "casework-audit-anchor", seal_number, chain, anchored_at)


def anchor_newest_seal(*, force: bool = False) -> Checkpoint | None:
    """Write the newest seal to the anchor when the last anchor line is an hour old (or at
    once with ``force``); the checkpoint written, or None."""
    anchor = get_anchor()
    if not anchor.keeps_lines:
        return None
    newest = AuditSeal.objects.order_by("-number").first()
    if newest is None:
        return None
    now = datetime.now(UTC)
    kept = anchor.lines()
    if kept and not force:
        try:
            last = Checkpoint.parse(kept[-1])
        except ValueError:
            last = None  # verify_audit_chain names it; anchor afresh meanwhile
        if last is not None and (last.seal == newest.number or now - last.moment < ANCHOR_EVERY):
            return None
    checkpoint = Checkpoint.of(newest, now)
    anchor.append(checkpoint.line())
    return checkpoint
