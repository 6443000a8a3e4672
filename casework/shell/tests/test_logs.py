"""Structured logs: JSON lines with the request id, and never anyone's content.

The journey test signs people in (once with a wrong password), carries an enquiry and its
replies, writes a case note, sends the notices through the real task worker and opens a
password-reset link, all while every log record of every logger is written through the
project's formatter; then it looks for the message texts, the note's text, the email
addresses and the reset key in what was written."""

import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from casework.accounts.models import User
from casework.care.models import CaseNote
from casework.messaging.models import Conversation
from casework.shell import logs
from casework.testing.care import NOW, ready_case
from casework.testing.factories import PERSONA_PASSWORD
from casework.testing.logs import json_logs
from casework.testing.logs import lines as logged_lines
from casework.testing.tasks import DATABASE_TASKS, run_queued_tasks

MESSAGE = "Kestrel 7731: my landlord shouted at me again last night"
REPLY = "Thank you for telling me, Marrow 4402 is the word we agreed"
NOTE = "Quillwort 5520 disclosed panic at night"


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """Everything every logger writes, at every level, as JSON."""
    with json_logs() as stream:
        yield stream


@pytest.mark.django_db(transaction=True)
def test_a_whole_journey_logs_no_message_note_email_or_key(
    written: io.StringIO, client_person: User, practitioner: User
) -> None:
    with override_settings(TASKS=DATABASE_TASKS), time_machine.travel(NOW, tick=False) as clock:
        case = ready_case(practitioner, client_person)

        robin = Client()
        login = reverse("account_login")
        robin.post(login, {"login": client_person.email, "password": "not the password"})
        assert robin.post(login, {"login": client_person.email, "password": PERSONA_PASSWORD})[
            "Location"
        ]
        conversation = Conversation.objects.get(
            client=client_person, practitioner=practitioner, state=Conversation.State.OPEN
        )
        page = reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})
        sent = robin.post(page, {"body": MESSAGE, "idempotency_key": str(uuid.uuid4())})
        assert sent.status_code == 302

        amara = Client()
        amara.force_login(practitioner)
        assert MESSAGE in amara.get(page).content.decode()
        answered = amara.post(page, {"body": REPLY, "idempotency_key": str(uuid.uuid4())})
        assert answered.status_code == 302
        wrote = amara.post(
            f"/care/clients/{case.pk}/notes/new/",
            {"template": "free", "session_on": "2026-06-02", "text": NOTE},
        )
        assert wrote.status_code == 302, wrote.content.decode()[:2000]
        assert CaseNote.objects.filter(case=case).count() == 1
        assert NOTE in amara.get(wrote["Location"]).content.decode()

        # A reset link carries a key in its path: logged as the route, never the path.
        Client().post(reverse("account_reset_password"), {"email": client_person.email})
        clock.shift(timedelta(seconds=5))
        run_queued_tasks()
        [reset] = [m for m in mail.outbox if "reset" in m.subject.lower()]
        link = next(word for word in reset.body.split() if "/password/reset/key/" in word)
        key_path = link.split("://", 1)[-1].split("/", 1)[1]
        Client().get("/" + key_path)
        Client().get(f"/{key_path}not-a-page/")  # a 404 whose path holds the key

    text = written.getvalue()
    for secret in (MESSAGE, REPLY, NOTE, "Kestrel", "Marrow", "Quillwort"):
        assert secret not in text
    for address in (client_person.email, practitioner.email, "@example.org"):
        assert address not in text
    # Nor did anything try to: the redaction (the last line of defence) found no address.
    assert "[email]" not in text
    key = key_path.rstrip("/").rsplit("/", 1)[-1]
    assert key not in text

    lines = logged_lines(written)
    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) >= 8
    assert all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in requests)
    assert {"route", "method", "status", "duration_ms", "level", "timestamp"} <= set(requests[0])
    assert "messaging:conversation" in {line["route"] for line in requests}


def _format(record: logging.LogRecord) -> dict[str, Any]:
    config = logs.formatter("json")
    factory = config.pop("()")
    return json.loads(factory(**config).format(record))  # type: ignore[no-any-return]


def test_an_email_address_in_an_error_is_redacted_even_inside_its_traceback() -> None:
    try:
        raise ValueError("duplicate key: Key (email)=(river.song@example.net) already exists.")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "casework.anything",
            logging.ERROR,
            __file__,
            1,
            "Could not add %s",
            ("a@b.io",),
            sys.exc_info(),
        )
    line = _format(record)
    assert line["event"] == "Could not add [email]"
    assert "river.song" not in line["exception"]
    assert "[email]" in line["exception"]


def test_djangos_not_found_names_no_path() -> None:
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("Not Found", "/accounts/confirm-email/MjA:1vXq:secret-key/"),
        None,
    )
    record.status_code = 404
    line = _format(record)
    assert line["event"] == "Not Found"
    assert line["status"] == 404
    assert "secret-key" not in json.dumps(line)


@pytest.mark.django_db
def test_a_request_answered_before_its_url_is_resolved_is_logged_by_its_route(
    written: io.StringIO,
) -> None:
    """Logs and metrics name a request alike, /healthz (answered by a middleware) included."""
    Client().get("/healthz")
    Client().get("/no-such-page/")
    routes = [line["route"] for line in logged_lines(written) if line["event"] == "request"]
    assert "healthz" in routes
    assert "<unmatched>" in routes
