from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from casework.privacy.audit import event_hash, find_first_break, record_event
from casework.privacy.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def _three_events() -> list[AuditEvent]:
    return [record_event(action=f"test.step{n}", detail={"n": n}) for n in (1, 2, 3)]


def _tamper(sql: str, params: list[Any]) -> None:
    """Change the table behind the application's back, as an attacker with SQL access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger stops even the owner; disabling it is the attack.
            cursor.execute("ALTER TABLE privacy_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)


def _verify_fails_naming(fragment: str) -> None:
    with pytest.raises(CommandError, match=fragment):
        call_command("verify_audit_chain")


def test_each_event_holds_the_hash_of_the_one_before() -> None:
    first, second, third = _three_events()
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert find_first_break() is None


def test_an_intact_chain_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    _three_events()
    call_command("verify_audit_chain")
    assert "3 events verified" in capsys.readouterr().out


def test_a_changed_event_is_named() -> None:
    _three_events()
    _tamper("UPDATE privacy_auditevent SET action = %s WHERE seq = 2", ["test.forged"])
    _verify_fails_naming(r"event #2 was changed")


def test_a_removed_event_is_named() -> None:
    _three_events()
    _tamper("DELETE FROM privacy_auditevent WHERE seq = 2", [])
    _verify_fails_naming(r"event #2 is missing")


def test_an_event_removed_from_the_end_is_named() -> None:
    _three_events()
    _tamper("DELETE FROM privacy_auditevent WHERE seq = 3", [])
    _verify_fails_naming(r"#3")


def test_an_inserted_event_is_named_even_with_a_correct_hash() -> None:
    *_, last = _three_events()
    forged = AuditEvent(
        seq=4,
        occurred_at=last.occurred_at,
        action="test.forged",
        detail={},
        prev_hash=last.hash,
    )
    forged.hash = event_hash(forged)
    _tamper(
        "INSERT INTO privacy_auditevent (seq, occurred_at, actor_role, action, object_type,"
        " object_id, request_id, reason, detail, prev_hash, hash)"
        " VALUES (%s, %s, '', %s, '', '', '', '', %s, %s, %s)",
        [4, last.occurred_at, "test.forged", "{}", forged.prev_hash, forged.hash],
    )
    _verify_fails_naming(r"event #4 lies beyond the chain's head")


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="roles and triggers are PostgreSQL's")
def test_the_database_refuses_updates_and_deletes_on_postgresql() -> None:
    from django.db.utils import DatabaseError

    record_event(action="test.kept")
    for statement in (
        "UPDATE privacy_auditevent SET action = 'x'",
        "DELETE FROM privacy_auditevent",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement)


def _change_that_fails() -> None:
    with transaction.atomic():
        record_event(action="test.rolled_back")
        raise RuntimeError("the change fails")


def test_an_event_is_written_only_if_its_change_commits() -> None:
    with pytest.raises(RuntimeError):
        _change_that_fails()
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    record_event(action="test.after")
    assert find_first_break() is None
