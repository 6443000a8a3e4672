"""A person's own data export lists their video sessions: times and outcome, no content."""

from typing import Any

import pytest

from casework.accounts.models import User
from casework.care.models import Case
from casework.privacy import export_contents
from casework.scheduling.models import Appointment
from casework.testing.messaging import place
from casework.video import services
from casework.video.models import Outcome

pytestmark = pytest.mark.django_db


def test_each_partys_export_lists_the_session_and_only_their_own_words(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    practitioner: User,
    client_person: User,
) -> None:
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-ENG"))
    services.admit_client(appointment=appointment, practitioner=practitioner)
    ended = services.end_session(
        appointment=appointment,
        practitioner=practitioner,
        outcome=Outcome.ENDED_EARLY,
        reason="AMARA-REASON the connection kept failing",
    )

    clients, _files = export_contents.collect(client_person)
    (session,) = clients["video_sessions"]
    assert session["appointment"] == appointment.pk
    assert session["with"] == practitioner.display_name
    assert session["arrived_at"] is not None
    assert session["admitted_at"] is not None
    assert ended.ended_at is not None
    assert session["ended_at"] == ended.ended_at.isoformat()
    assert session["outcome"] == "ended_early"
    assert session["where_you_said_you_were"] == "GB-ENG"
    assert session["your_reason"] == ""  # the practitioner's words stay hers

    practitioners, _files = export_contents.collect(practitioner)
    (session,) = practitioners["video_sessions"]
    assert session["with"] == client_person.display_name
    assert session["your_reason"] == "AMARA-REASON the connection kept failing"
    assert session["where_you_said_you_were"] is None  # where the client was is hers


def test_someone_without_sessions_has_none(case: Case, other_practitioner: User) -> None:
    document, _files = export_contents.collect(other_practitioner)
    assert document["video_sessions"] == []
