"""examples/casework_client.py, run as its user would, with a personal access token, against
the live test server: it finds the practitioner, books her next free slot and writes to her."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.messaging.models import Message
from casework.registry.reference_data import load_reference_data
from casework.scheduling.models import Appointment
from casework.scheduling.services import availability
from casework.testing import messaging
from casework.testing.directory import listed_practitioner
from casework.testing.factories import ClientFactory

CLIENT = Path(__file__).resolve().parent.parent / "examples" / "casework_client.py"


@pytest.fixture
def practitioner(live_server: Any, transactional_db: None) -> User:
    """Amara, listed, working every hour of every day (a slot is free whenever this runs)."""
    cache.clear()
    load_reference_data()
    practitioner = listed_practitioner(legal_name="Amara Okafor", languages=["en"]).practitioner
    availability.replace_weekly_hours(
        practitioner=practitioner, windows=[(day, 0, 24 * 60) for day in range(7)]
    )
    availability.update_booking_rules(
        practitioner=practitioner,
        buffer_before_minutes=0,
        buffer_after_minutes=10,
        slot_interval_minutes=30,
        minimum_notice_hours=1,
        max_per_day=None,
        horizon_days=30,
        cancellation_notice_hours=24,
        confirm_first_sessions=False,
    )
    availability.save_session_type(
        practitioner=practitioner,
        name="Video session",
        duration_minutes=50,
        modality="video",
        price=Decimal("65.00"),
        currency="GBP",
    )
    return practitioner


def run_client(site: str, token: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own script, with fixed arguments)
        [
            sys.executable,
            str(CLIENT),
            "--site",
            site,
            "--where",
            "GB-ENG",
            "--language",
            "en",
            "--message",
            "Hello, I booked a session with you.",
        ],
        env={**os.environ, "CASEWORK_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _token_of(client: User) -> str:
    """The token a client makes for the example: booking and writing, for a week."""
    return create_api_token(
        person=client,
        name="Example client",
        scopes=["scheduling:write", "messaging:write"],
        days=7,
        now=timezone.now(),
    )[1]


def test_the_example_client_searches_books_and_writes(live_server: Any, practitioner: User) -> None:
    client = ClientFactory.create(alias="Wren")
    messaging.enquiry(client, practitioner, body="Hello, can you help me?")
    token = _token_of(client)

    run = run_client(live_server.url, token)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Found Amara Okafor" in run.stdout
    appointment = Appointment.objects.get()
    assert (appointment.client, appointment.practitioner) == (client, practitioner)
    sent = Message.objects.filter(sender=client).order_by("-seq").first()
    assert sent is not None
    assert sent.body == "Hello, I booked a session with you."
    assert sent.idempotency_key is not None


def test_the_example_client_writes_to_no_one_but_the_practitioner_it_booked(
    live_server: Any, practitioner: User
) -> None:
    client = ClientFactory.create(alias="Wren")
    someone_else = listed_practitioner(legal_name="Jonas Berg", languages=["fr"]).practitioner
    elsewhere = messaging.enquiry(client, someone_else, body="Hello, can you help me?")
    token = _token_of(client)

    run = run_client(live_server.url, token)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "No conversation with Amara Okafor" in run.stdout
    assert Appointment.objects.get().practitioner == practitioner
    assert list(Message.objects.filter(conversation=elsewhere).values_list("seq", flat=True)) == [1]


def test_the_example_client_says_why_it_was_refused(live_server: Any, practitioner: User) -> None:
    run = run_client(live_server.url, "cw_not-a-token")
    # Searching needs no token; booking does: refused with the error's code, no trace.
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Refused: 401 unauthenticated" in run.stderr
    assert "Traceback" not in run.stderr
    assert not Appointment.objects.exists()
