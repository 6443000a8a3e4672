"""Every read of someone's sealed content by a person is in the audit log, and is answered
with ``Cache-Control: no-store``.

Walks every route of the site (from the URL resolver, as the authorization matrix does), as
every persona the authorization policy lets in, on the real objects of ``tests/access_world.py``.
A request that opens sealed content of a sensitive kind (any field the vault seals: messages,
attachments, notes, emergency details, check-in answers, referral summaries, report evidence...)
must add an event by that person to the audit log, unless the route is exempted below with the
reason. A new route, or a new sealed field, is walked without anyone listing it.
"""

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction

from casework.privacy import actions
from casework.privacy.models import AuditEvent
from casework.vault import crypto
from casework.vault.fields import EncryptedField
from tests.access_world import PERSONAS, World
from tests.authorization_policy import IN, Access
from tests.test_authorization_matrix import (
    ALL_ROUTES,
    browser,
    entries_for,
    url_for,
)

pytestmark = pytest.mark.django_db

# Routes that read sealed content without recording it, and why that is right. Each says why
# the read is no one else's record.
ANYONE = None
NOT_AN_ACCESS: dict[str, tuple[frozenset[str] | None, str]] = {
    "care:my_care": (frozenset({"client"}), "the client's own case"),
    "care:consent": (
        frozenset({"client"}),
        "the client's own case: the consent page shows what is on record about them",
    ),
    "accounts:preferences": (
        ANYONE,
        "one's own access log: the reasons others gave for opening one's own record",
    ),
    "care:referral": (
        frozenset({"client", "practitioner"}),
        "the client's own referral, and the summary its practitioner wrote; the recipient's "
        "reads are recorded",
    ),
    "messaging:edit_message": (frozenset({"client"}), "one's own message, being edited"),
    "safety:decision": (
        ANYONE,
        "a statement of reasons, shown to the person it concerns (whoever else gets in is "
        "refused by the policy)",
    ),
    "safety:decision_by_link": (ANYONE, "a statement of reasons; the signed link is the proof"),
    # Reporting from a conversation, an appointment, a person or an attachment quotes the
    # reporter's own conversation with them in the form.
    "safety:report_appointment": (ANYONE, "the reporter's own conversation"),
    "safety:report_attachment": (ANYONE, "the reporter's own conversation"),
    "safety:report_message": (ANYONE, "the reporter's own conversation"),
    "safety:report_person": (ANYONE, "the reporter's own conversation"),
    "safety:report_profile": (ANYONE, "the reporter's own conversation"),
    "safety:report_comment": (ANYONE, "the reporter's own conversation"),
    "safety:report_article": (ANYONE, "the reporter's own conversation"),
}


# Sealed fields that are one's own, whoever opens them: a device's push address.
OWN_KINDS = frozenset({"accounts.pushsubscription"})


def sensitive_kinds() -> set[str]:
    return {
        model._meta.label_lower
        for model in apps.get_models()
        if any(isinstance(f, EncryptedField) for f in model._meta.concrete_fields)
    } - OWN_KINDS


SENSITIVE = sensitive_kinds()


def test_the_vault_seals_something_to_walk_for() -> None:
    assert {"messaging.message", "care.casenote", "care.case", "care.checkin"} <= SENSITIVE


@contextmanager
def opened_contexts() -> Iterator[list[str]]:
    """What the vault opens meanwhile, by context ("care.casenote.content:<id>")."""
    opened: list[str] = []
    original = crypto.sealed_key_id

    def watching(sealed: bytes, *, context: str) -> Any:
        opened.append(context)
        return original(sealed, context=context)

    crypto.sealed_key_id = watching
    try:
        yield opened
    finally:
        crypto.sealed_key_id = original


def kind_of(context: str) -> str:
    """The model a vault context names: "care.casenote.content:<id>" (a field) or
    "messaging.attachment:<id>" (a file sealed outside a field)."""
    named = context.split(":", 1)[0]
    return named if named in SENSITIVE else named.rsplit(".", 1)[0]


def sensitive(contexts: list[str]) -> list[str]:
    return sorted({context for context in contexts if kind_of(context) in SENSITIVE})


def unrecorded_reads(world: World, name: str, entry: Access) -> list[str]:
    url = url_for(world, name, entry)
    found: list[str] = []
    for persona in PERSONAS:
        if persona == "visitor" or entry.outcome(persona, "GET") != IN:
            continue
        exempt, _why = NOT_AN_ACCESS.get(name, (frozenset(), ""))
        if exempt is ANYONE or persona in exempt:
            found.extend(cached_reads(world, url, persona))
            continue
        person = world.people[persona]
        assert person is not None  # the visitor was left out above
        cache.clear()
        savepoint = transaction.savepoint()
        try:
            before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
            with opened_contexts() as opened:
                response = browser(world, persona).get(url)
            mine = AuditEvent.objects.filter(seq__gt=before, actor_id=person.pk)
            recorded = mine.exists()
            # What one person reads of another's record, that other person is told.
            unlabelled = sorted(
                set(
                    mine.filter(subject_id__isnull=False)
                    .exclude(subject_id=person.pk)
                    .exclude(action__in=[str(a) for a in actions.shown_actions()])
                    .values_list("action", flat=True)
                )
            )
        finally:
            transaction.savepoint_rollback(savepoint)
        read = sensitive(opened)
        found.extend(f"{persona} GET {url}: {action} has no label" for action in unlabelled)
        if response.status_code < 400 and read and not recorded:
            found.append(f"{persona} GET {url}: {', '.join(c.split(':')[0] for c in read)}")
        found.extend(cacheable(persona, url, response, read))
    return found


def cacheable(persona: str, url: str, response: Any, read: list[str]) -> list[str]:
    """A response carrying sealed content that a browser or a proxy may keep."""
    if response.status_code >= 400 or not read or "no-store" in response.get("Cache-Control", ""):
        return []
    return [f"{persona} GET {url}: {read[0].split(':')[0]} sent without Cache-Control: no-store"]


def cached_reads(world: World, url: str, persona: str) -> list[str]:
    """The same request for a route whose reads are no access: caches must still keep none."""
    cache.clear()
    savepoint = transaction.savepoint()
    try:
        with opened_contexts() as opened:
            response = browser(world, persona).get(url)
    finally:
        transaction.savepoint_rollback(savepoint)
    return cacheable(persona, url, response, sensitive(opened))


def walked_routes() -> list[Any]:
    found = []
    for name in sorted(ALL_ROUTES):
        for entry in entries_for(name):
            if "GET" in entry.methods:
                label = f"{name}@{entry.label}" if entry.label else name
                found.append(pytest.param(name, entry, id=label))
    return found


@pytest.mark.parametrize(("name", "entry"), walked_routes())
def test_a_person_reading_sealed_content_leaves_an_audit_event(
    world: World, name: str, entry: Access
) -> None:
    missing = unrecorded_reads(world, name, entry)
    assert not missing, "read sealed content unrecorded, unlabelled or cacheable:\n" + "\n".join(
        missing
    )


def test_every_exemption_names_a_route() -> None:
    assert not set(NOT_AN_ACCESS) - set(ALL_ROUTES)


# --- Services ----------------------------------------------------------------------------------

SOURCE = Path(__file__).resolve().parents[1] / "casework"
WRITES = frozenset(
    {
        "atomic",
        "save",
        "create",
        "update",
        "delete",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
    }
)
# Services that write without an audit event, and why nothing of anyone's record changes.
NOT_A_CHANGE = {
    "record_event": "it is the audit log",
    "mark_read": "how far one has read one's own conversation (read receipts)",
    "touch_presence": "when one was last in one's own conversation",
    "refresh_next_free_slot": "a cache of the next free slot, recomputed from availability",
    # (api) The write an Idempotency-Key guards (a booking, a message) audits itself.
    "remember": "an API Idempotency-Key with its request's hash, so a replay is recognised",
    # The reading it queues records its import, or its failure, on the source and in the log.
    "queue_due_rereads": "when a register source is next due, moved on as its reading is queued",
}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in SOURCE.rglob("*.py"):
        if not {"tests", "migrations", "management"} & set(path.parts):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _called(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name):
                names.add(call.func.id)
            elif isinstance(call.func, ast.Attribute):
                names.add(call.func.attr)
    return names


def _recording_functions(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """Every function that records an event, itself or through a function that does (by
    name: a name shared by a recording function counts as recording)."""
    calls: dict[str, set[str]] = {}
    for _path, tree in modules:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                calls.setdefault(node.name, set()).update(_called(node))
    recording = {"record_event"}
    while grown := {name for name, called in calls.items() if called & recording} - recording:
        recording |= grown
    return recording


def test_every_service_that_writes_records_an_audit_event() -> None:
    """A service is a public function taking keyword-only arguments (the house's shape for
    every write); one that writes (a transaction, a save, a create, an update, a delete) must
    record an event, itself or through what it calls."""
    modules = list(_modules())
    recording = _recording_functions(modules)
    services = [
        (path, node)
        for path, tree in modules
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and node.args.kwonlyargs
        and not node.args.args
        and _called(node) & WRITES
    ]
    assert len(services) > 100  # the walk found the services
    silent = [
        f"{path.relative_to(SOURCE.parent)}:{node.lineno} {node.name}"
        for path, node in services
        if not _called(node) & recording and node.name not in NOT_A_CHANGE
    ]
    assert not silent, "services that write and record nothing:\n" + "\n".join(silent)
