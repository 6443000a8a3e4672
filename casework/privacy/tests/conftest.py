from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from casework.accounts.models import User
from casework.care.models import Case, CaseNote
from casework.care.services import notes
from casework.messaging import services as messaging_services
from casework.messaging.models import Conversation
from casework.scheduling.models import Appointment
from casework.testing import care, messaging
from casework.testing.scheduling import THURSDAY_9, another_client, book, bookable_practitioner


@dataclass
class Practice:
    """Amara's practice: Robin's case (a booking, a check-in, messages both ways, an
    attachment, a note by Amara) and Kit's case with a message of his own."""

    practitioner: User
    client: User
    other_client: User
    case: Case
    other_case: Case
    conversation: Conversation
    other_conversation: Conversation
    appointment: Appointment
    note: CaseNote


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(care.NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def practice(db: None, frozen: Any) -> Practice:
    practitioner, session_type = bookable_practitioner()
    client = another_client(alias="Robin", email="robin@example.org")
    other_client = another_client(alias="Kit", email="kit@example.org")
    appointment = book(client, session_type, THURSDAY_9)
    case = care.ready_case(
        practitioner,
        client,
        emergency_contact="ROBIN-CONTACT Alex 07700 900123",
        crisis_plan="ROBIN-PLAN call Alex",
    )
    other_case = care.ready_case(practitioner, other_client, emergency_contact="KIT-CONTACT")
    care.answer(
        care.due_check_in(care.plan(case, "phq9")), care.answers_summing_to("phq9", 6, _9=1)
    )
    conversation = messaging_services.open_case_conversation(
        client=client, practitioner=practitioner, actor=practitioner
    )
    messaging.send(conversation, client, "ROBIN-SAYS I slept badly", files=[messaging.png()])
    messaging.send(conversation, practitioner, "AMARA-TO-ROBIN Let us talk on Thursday")
    other_conversation = messaging_services.open_case_conversation(
        client=other_client, practitioner=practitioner, actor=practitioner
    )
    messaging.send(other_conversation, other_client, "KIT-SAYS something private")
    note = notes.write_note(
        case=case,
        author=practitioner,
        template="dap",
        session_on=care.NOW.date(),
        sections={"data": "AMARA-NOTE slept badly", "assessment": "Low", "plan": "Call"},
    )
    return Practice(
        practitioner=practitioner,
        client=client,
        other_client=other_client,
        case=case,
        other_case=other_case,
        conversation=conversation,
        other_conversation=other_conversation,
        appointment=appointment,
        note=note,
    )
