"""The audit log's seals: what someone who can write the database, but does not hold the audit
key, can no longer do unseen."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from pytest_django import Settings

from casework.privacy import merkle
from casework.privacy.audit import record_event
from casework.privacy.models import AppendOnlyError, AuditEvent, AuditSeal, AuditSealedEvent
from casework.privacy.sealing import anchor_newest_seal, event_leaf_hash, seal_pending
from casework.privacy.verification import find_first_break

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
TABLES = ("privacy_auditevent", "privacy_auditseal", "privacy_auditsealedevent")


@pytest.fixture(autouse=True)
def anchor_file(settings: Settings, tmp_path: Path) -> Path:
    settings.AUDIT_ANCHOR = "casework.privacy.anchors.AppendOnlyFileAnchor"
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    return tmp_path / "anchors.jsonl"


@pytest.fixture
def morning() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def _sealed_events(count: int = 5, batch_size: int = 2) -> list[AuditEvent]:
    events = [record_event(action=f"test.step{n}", detail={"n": n}) for n in range(count)]
    seal_pending(batch_size=batch_size)
    return events


def _tamper(sql: str, params: Sequence[Any] | None = None) -> None:
    """Change the tables behind the application's back, as someone with SQL access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks still pending would make ALTER TABLE refuse.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in TABLES:
            if connection.vendor == "postgresql":
                # The append-only triggers stop even the owner; disabling them is the attack.
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        cursor.execute(sql, params or [])


def _rehash_without_the_key() -> None:
    """Recompute every unkeyed hash from the events as they now are: leaves, roots, chain."""
    previous = merkle.EMPTY_CHAIN
    for seal in AuditSeal.objects.order_by("number"):
        leaves = []
        for leaf in seal.leaves.order_by("position"):
            recomputed = event_leaf_hash(AuditEvent.objects.get(seq=leaf.event_seq))
            _tamper(
                "UPDATE privacy_auditsealedevent SET leaf_hash = %s WHERE event_seq = %s",
                [recomputed, leaf.event_seq],
            )
            leaves.append(bytes.fromhex(recomputed))
        root = merkle.tree_root(leaves)
        chain = merkle.chain_hash(previous, root)
        _tamper(
            "UPDATE privacy_auditseal SET root = %s, previous = %s, chain = %s WHERE number = %s",
            [root.hex(), previous.hex(), chain.hex(), seal.number],
        )
        previous = chain


def _verify_fails_naming(fragment: str) -> None:
    with pytest.raises(CommandError, match=fragment):
        call_command("verify_audit_chain")


def test_the_tree_hashes_are_certificate_transparency_s() -> None:
    # The RFC 6962 reference implementation's test vectors: roots of its first 3, 7, 8 inputs.
    inputs = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43"]
    inputs += [bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
    leaves = [merkle.leaf_hash(entry) for entry in inputs]
    assert leaves[0].hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert merkle.tree_root(leaves[:3]).hex() == (
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"
    )
    assert merkle.tree_root(leaves[:7]).hex() == (
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"
    )
    assert merkle.tree_root(leaves).hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )


def test_events_are_sealed_in_short_batches_each_chained_to_the_one_before() -> None:
    _sealed_events(count=5, batch_size=2)
    seals = list(AuditSeal.objects.order_by("number"))
    assert [seal.size for seal in seals] == [2, 2, 1]
    assert seals[0].previous == "0" * 64
    assert [seal.previous for seal in seals[1:]] == [seal.chain for seal in seals[:-1]]
    assert AuditSealedEvent.objects.count() == 5
    assert seal_pending() == []  # nothing is sealed twice


def test_an_intact_log_verifies_with_its_anchor(capsys: pytest.CaptureFixture[str]) -> None:
    _sealed_events()
    assert anchor_newest_seal() is not None
    record_event(action="test.waiting")
    call_command("verify_audit_chain")
    out = capsys.readouterr().out
    assert "5 sealed events verified, 1 waiting for their seal, 1 anchors agree" in out


def test_an_event_changed_and_rehashed_without_the_key_is_named() -> None:
    events = _sealed_events()
    _tamper(
        "UPDATE privacy_auditevent SET action = %s WHERE seq = %s", ["test.forged", events[2].seq]
    )
    _rehash_without_the_key()
    _verify_fails_naming(rf"event #{events[2].seq} was changed")


def test_a_changed_event_is_named() -> None:
    events = _sealed_events()
    _tamper("UPDATE privacy_auditevent SET reason = 'x' WHERE seq = %s", [events[3].seq])
    _verify_fails_naming(rf"event #{events[3].seq} was changed \(changed\)")


def test_a_removed_event_is_named() -> None:
    events = _sealed_events()
    _tamper("DELETE FROM privacy_auditevent WHERE seq = %s", [events[1].seq])
    _verify_fails_naming(rf"event #{events[1].seq} \(seal 1\) is missing \(removed\)")


def test_an_event_removed_with_its_sealing_record_is_named_by_its_place() -> None:
    events = _sealed_events()
    for table, column in (("privacy_auditsealedevent", "event_seq"), ("privacy_auditevent", "seq")):
        _tamper(f"DELETE FROM {table} WHERE {column} = %s", [events[2].seq])  # noqa: S608
    _verify_fails_naming(r"the event at place 0 of seal 2 was removed with its sealing record")


def test_a_seal_forged_without_the_key_is_named() -> None:
    _sealed_events()
    _tamper("UPDATE privacy_auditseal SET size = 3 WHERE number = 2")
    _verify_fails_naming(r"seal 2 is not genuine")


def test_an_event_inserted_into_the_sealed_past_is_named_and_never_sealed(
    morning: time_machine.Traveller,
) -> None:
    first, *_ = _sealed_events()
    morning.shift(timedelta(hours=2))
    record_event(action="test.later")
    seal_pending()
    _tamper(
        "INSERT INTO privacy_auditevent (seq, occurred_at, actor_role, action, object_type,"
        " object_id, request_id, reason, detail) VALUES (%s, %s, '', %s, '', '', '', '', '{}')",
        [900, first.occurred_at, "test.forged"],
    )
    assert seal_pending() == []
    _verify_fails_naming(r"event #900 is in no seal, though it claims a time .* \(inserted\)")


def test_an_event_committed_late_but_within_the_hour_is_still_sealed(
    morning: time_machine.Traveller,
) -> None:
    _sealed_events()
    late = record_event(action="test.long_transaction")
    morning.shift(timedelta(minutes=20))
    record_event(action="test.meanwhile")
    # The long transaction commits after a seal made without it.
    _tamper("DELETE FROM privacy_auditevent WHERE seq = %s", [late.seq])
    seal_pending()
    _tamper(
        "INSERT INTO privacy_auditevent (seq, occurred_at, actor_role, action, object_type,"
        " object_id, request_id, reason, detail) VALUES (%s, %s, '', %s, '', '', '', '', '{}')",
        [late.seq, late.occurred_at, late.action],
    )
    seal_pending()
    assert AuditSealedEvent.objects.filter(event_seq=late.seq).exists()
    assert find_first_break() is None


def test_a_log_cut_back_after_its_anchor_is_caught(morning: time_machine.Traveller) -> None:
    _sealed_events()
    anchor_newest_seal()
    for table, column in (
        ("privacy_auditsealedevent", "seal_id"),
        ("privacy_auditseal", "number"),
    ):
        _tamper(f"DELETE FROM {table} WHERE {column} = 3")  # noqa: S608
    _tamper("DELETE FROM privacy_auditevent WHERE action = 'test.step4'")
    assert find_first_break() is None  # the database alone looks whole
    _verify_fails_naming(r"seal 3, anchored at 2026-03-04T09:00:00\+00:00, is missing")


def test_a_tampered_anchor_line_is_named(anchor_file: Path) -> None:
    _sealed_events()
    anchor_newest_seal()
    line = anchor_file.read_text(encoding="utf-8")
    anchor_file.write_text(line.replace('"seal":3', '"seal":2'), encoding="utf-8")
    _verify_fails_naming(r"anchor line 1 was altered \(its MAC does not match\)")


def test_a_rewritten_log_disagrees_with_its_anchor(
    anchor_file: Path, morning: time_machine.Traveller
) -> None:
    _sealed_events()
    anchor_newest_seal()
    other = Path(str(anchor_file) + ".kept")
    anchor_file.rename(other)
    # Start again from nothing, as someone who cleared every table and replayed a log would.
    for table in ("privacy_auditsealedevent", "privacy_auditseal", "privacy_auditevent"):
        _tamper(f"DELETE FROM {table}")  # noqa: S608
    _sealed_events()
    other.rename(anchor_file)
    _verify_fails_naming(r"seal 3 differs from its anchor .*: the log was rewritten")


def test_the_anchor_is_written_at_most_hourly(
    anchor_file: Path, morning: time_machine.Traveller
) -> None:
    _sealed_events()
    assert anchor_newest_seal() is not None
    record_event(action="test.more")
    seal_pending()
    morning.shift(timedelta(minutes=59))
    assert anchor_newest_seal() is None
    morning.shift(timedelta(minutes=2))
    assert anchor_newest_seal() is not None
    assert len(anchor_file.read_text(encoding="utf-8").splitlines()) == 2


def test_the_seal_command_seals_and_anchors_on_demand(
    anchor_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_event(action="test.one")
    call_command("seal_audit_log")
    assert (
        "Sealed 1 events in 1 seals (newest: seal 1); anchored seal 1." in capsys.readouterr().out
    )
    assert anchor_file.exists()


def test_the_application_cannot_change_or_delete_an_event() -> None:
    event = record_event(action="test.kept")
    event.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET mac = mac", "DELETE FROM {table}"])
def test_the_database_refuses_updates_and_deletes(table: str, statement: str) -> None:
    _sealed_events(count=1)
    if table == "privacy_auditevent":
        statement = statement.replace("mac = mac", "action = 'x'")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement.format(table=table))


def _change_that_fails() -> None:
    with transaction.atomic():
        record_event(action="test.rolled_back")
        raise RuntimeError("the change fails")


def test_an_event_is_written_only_if_its_change_commits() -> None:
    with pytest.raises(RuntimeError):
        _change_that_fails()
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    record_event(action="test.after")
    seal_pending()
    assert find_first_break() is None
