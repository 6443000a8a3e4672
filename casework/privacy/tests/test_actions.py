"""Audit actions are constants, and every one a person is shown has words for them."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from casework.privacy import actions

SOURCE = Path(__file__).resolve().parents[2]


def test_every_action_shown_to_the_person_it_concerns_has_a_label() -> None:
    unlabelled = [a for a in actions.shown_actions() if not str(a.label or "").strip()]
    assert not unlabelled
    # A label is words, not the action's name again.
    assert not [a for a in actions.shown_actions() if str(a.label) == str(a)]


def test_an_action_without_a_label_is_not_shown() -> None:
    assert actions.label_of(actions.ACCOUNT_SIGNED_IN) == ""
    assert actions.ACCOUNT_SIGNED_IN not in actions.shown_actions()
    assert actions.label_of("no.such_action") == ""


def test_labels_are_put_into_the_readers_language_when_read() -> None:
    with translation.override("en"):
        assert actions.label_of(actions.CARE_CASE_VIEWED) == "opened your case"


def test_an_action_cannot_be_declared_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        actions.Action("care.case_viewed")


def _record_event_actions() -> list[tuple[str, int, ast.expr]]:
    found = []
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            for keyword in node.keywords if name == "record_event" else []:
                if keyword.arg == "action":
                    found.append((str(path.relative_to(SOURCE)), node.lineno, keyword.value))
    return found


def test_services_record_actions_by_their_constants_never_by_a_typed_name() -> None:
    calls = _record_event_actions()
    assert len(calls) > 100  # the walk found the services
    typed = [
        f"{path}:{line}"
        for path, line, value in calls
        for part in ast.walk(value)
        if isinstance(part, ast.Constant | ast.JoinedStr)
    ]
    assert not typed, (
        f"record_event with a typed action name (use casework.privacy.actions): {typed}"
    )


def test_every_declared_action_is_named_domain_dot_verb() -> None:
    malformed = [name for name in actions.REGISTRY if not re.fullmatch(r"[a-z]+\.[a-z_]+", name)]
    assert not malformed
