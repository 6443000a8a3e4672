"""How many consultations a practitioner may start: a practitioner no register vouches for yet
is held to a few open at once and a few a day; a verified one to a generous daily limit."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from casework.accounts.models import User
from casework.messaging import services
from casework.messaging.models import Conversation
from casework.testing import factories, messaging, scheduling
from casework.testing.care import NOW
from casework.testing.concurrency import all_at_once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings: Settings) -> None:
    settings.MESSAGING_OPEN_CONSULTATIONS_UNVERIFIED = 2
    settings.MESSAGING_CONSULTATIONS_PER_DAY_UNVERIFIED = 3
    settings.MESSAGING_CONSULTATIONS_PER_DAY = 5


def colleagues(count: int) -> list[User]:
    return [factories.PractitionerFactory.create() for _ in range(count)]


def started_by(practitioner: User) -> int:
    return Conversation.objects.filter(
        kind=Conversation.Kind.CONSULTATION, started_by=practitioner
    ).count()


def test_an_unverified_practitioner_has_two_open_consultations_at_most(
    practitioner: User,
) -> None:
    first, second, third = colleagues(3)
    messaging.consultation(practitioner, first)
    messaging.consultation(practitioner, second)
    with pytest.raises(ValidationError) as refused:
        messaging.consultation(practitioner, third)
    assert refused.value.code == "too_many_open"
    assert "Until your registration is verified" in refused.value.messages[0]
    assert started_by(practitioner) == 2


def test_closing_one_lets_an_unverified_practitioner_start_another_until_the_daily_limit(
    practitioner: User,
) -> None:
    people = colleagues(4)
    for colleague in people[:3]:
        started = messaging.consultation(practitioner, colleague)
        services.close_conversation(conversation=started, actor=practitioner)
    with pytest.raises(ValidationError) as refused:
        messaging.consultation(practitioner, people[3])
    assert refused.value.code == "rate_limited"
    assert started_by(practitioner) == 3


def test_the_daily_limit_counts_the_last_24_hours(practitioner: User) -> None:
    people = colleagues(4)
    with time_machine.travel(NOW, tick=False):
        for colleague in people[:3]:
            started = messaging.consultation(practitioner, colleague)
            services.close_conversation(conversation=started, actor=practitioner)
    with (
        time_machine.travel(NOW + timedelta(hours=23), tick=False),
        pytest.raises(ValidationError),
    ):
        messaging.consultation(practitioner, people[3])
    with time_machine.travel(NOW + timedelta(hours=24, minutes=1), tick=False):
        assert messaging.consultation(practitioner, people[3]).pk


def test_consultations_opened_by_colleagues_do_not_count(practitioner: User) -> None:
    for colleague in colleagues(3):
        messaging.consultation(colleague, practitioner)
    assert messaging.consultation(practitioner, factories.PractitionerFactory.create()).pk


def test_a_verified_practitioner_is_held_only_to_the_higher_daily_limit(
    practitioner: User,
) -> None:
    scheduling.registered_in_england(practitioner)
    people = colleagues(6)
    for colleague in people[:5]:
        messaging.consultation(practitioner, colleague)  # five open: no limit on open ones
    with pytest.raises(ValidationError) as refused:
        messaging.consultation(practitioner, people[5])
    assert refused.value.code == "rate_limited"
    assert started_by(practitioner) == 5


def test_a_suspended_practitioner_counts_as_unverified(practitioner: User) -> None:
    scheduling.registered_in_england(practitioner, status="suspended")
    first, second, third = colleagues(3)
    messaging.consultation(practitioner, first)
    messaging.consultation(practitioner, second)
    with pytest.raises(ValidationError):
        messaging.consultation(practitioner, third)


def test_the_start_page_shows_the_reason_and_stores_nothing(practitioner: User) -> None:
    first, second, third = colleagues(3)
    messaging.consultation(practitioner, first)
    messaging.consultation(practitioner, second)
    browser = Client()
    browser.force_login(practitioner)
    response = browser.post(
        reverse("messaging:start", kwargs={"person_id": third.pk}), {"body": "A question"}
    )
    assert response.status_code == 200
    assert "Close one of them before you start another" in response.content.decode()
    assert started_by(practitioner) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_parallel_starts_get_no_more_than_the_open_limit_through(practitioner: User) -> None:
    people = colleagues(8)

    def start(index: int) -> Any:
        return messaging.consultation(practitioner, people[index], f"Question {index}")

    outcomes = all_at_once(len(people), start)
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert all(o.code == "too_many_open" for o in refused), outcomes
    assert len(refused) == len(people) - 2
    assert started_by(practitioner) == 2
