"""A task queued for a change runs only once the change is committed, never for one undone,
and, with the database queue, is written by the change's own transaction."""

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from casework.shell.task_queue import queue_with_the_change
from casework.testing.tasks import DATABASE_TASKS, run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)

RAN: list[str] = []


@task()
def note(*, word: str) -> None:
    RAN.append(word)


class ChangeUndone(Exception):
    pass


@pytest.fixture(autouse=True)
def nothing_ran() -> None:
    RAN.clear()


def _queue_then_undo(word: str) -> None:
    with transaction.atomic():
        queue_with_the_change(note, word=word)
        raise ChangeUndone


def test_with_the_database_queue_the_task_is_written_by_the_change_s_transaction() -> None:
    queued = DBTaskResult.objects.filter(task_path=note.module_path)
    with override_settings(TASKS=DATABASE_TASKS):
        with transaction.atomic():
            queue_with_the_change(note, word="kept")
            # Written before the commit, and nothing left for after it: one commit.
            assert queued.get().args_kwargs["kwargs"] == {"word": "kept"}
            assert connection.run_on_commit == []
        with pytest.raises(ChangeUndone):
            _queue_then_undo("undone")
        assert [row.args_kwargs["kwargs"]["word"] for row in queued] == ["kept"]
        run_queued_tasks()
    assert RAN == ["kept"]


def test_a_queue_that_would_run_it_at_once_gets_it_after_the_commit() -> None:
    # The tests' immediate backend runs a task as it is queued.
    with transaction.atomic():
        queue_with_the_change(note, word="kept")
        assert RAN == []
    assert RAN == ["kept"]
    with pytest.raises(ChangeUndone):
        _queue_then_undo("undone")
    assert RAN == ["kept"]


@pytest.mark.parametrize("tasks", [DATABASE_TASKS, None], ids=["database", "immediate"])
def test_outside_a_transaction_the_task_is_queued_at_once(tasks: object) -> None:
    with override_settings(**({"TASKS": tasks} if tasks else {})):
        queue_with_the_change(note, word="now")
        if tasks:
            assert DBTaskResult.objects.filter(task_path=note.module_path).count() == 1
            run_queued_tasks()
    assert RAN == ["now"]
