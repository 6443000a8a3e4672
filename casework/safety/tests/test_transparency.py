"""/transparency/: figures per month computed from the records, the same as CSV, at a fixed
number of queries."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.accounts.models import User
from casework.messaging.models import Conversation
from casework.safety import access, appeals
from casework.safety.detections import record_detection
from casework.safety.models import Appeal, ModerationAction
from casework.safety.moderation import take_action
from casework.safety.reports import file_report
from casework.safety.views import transparency as transparency_views
from casework.testing import messaging

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 10, 9, tzinfo=UTC)
MARCH_LATER = datetime(2026, 3, 10, 13, tzinfo=UTC)


def _month_of_moderation(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    moderator: User,
    second_moderator: User,
    reports: int,
) -> None:
    for number in range(reports):
        with time_machine.travel(MARCH, tick=False):
            sent = messaging.send(conversation, practitioner, f"Gift card {number}")
            report = file_report(
                reporter=client_person,
                target=access.target_for_message(client_person, sent.pk),
                category="fraud",
                details="",
            ).report
        with time_machine.travel(MARCH_LATER, tick=False):
            take_action(
                moderator=moderator,
                report=report,
                kind="warn",
                rule="payments-on-platform",
                reason="No gift cards",
            )
    with time_machine.travel(MARCH, tick=False):
        confirmed = record_detection(
            author=practitioner, conversation=conversation, text="crypto", categories=["payment"]
        )
        dismissed = record_detection(
            author=practitioner, conversation=conversation, text="whatsapp", categories=["channel"]
        )
    with time_machine.travel(MARCH_LATER, tick=False):
        take_action(
            moderator=moderator, detection=confirmed, kind="warn", rule="spam", reason="Spam"
        )
        take_action(moderator=moderator, detection=dismissed, kind="dismiss", reason="Story")
        # A warning not appealed yet (a second month of moderation finds the first appealed).
        action = (
            ModerationAction.objects.filter(kind="warn")
            .exclude(pk__in=Appeal.objects.values("action"))
            .order_by("created_at", "pk")
            .first()
        )
        assert action is not None
        appeal = appeals.file_appeal(action=action, appellant=practitioner, grounds="Unfair")
        appeals.decide_appeal(
            appeal=appeal, moderator=second_moderator, overturn=False, explanation="Stands"
        )


def test_the_figures_are_counted_from_the_records(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    moderator: User,
    second_moderator: User,
    client: Client,
) -> None:
    _month_of_moderation(
        conversation, client_person, practitioner, moderator, second_moderator, reports=2
    )
    rows = list(csv.reader(io.StringIO(client.get(reverse("safety:transparency_csv")).text)))
    figures = {(row[1], row[2]): row[3] for row in rows[1:] if row[0] == "2026-03"}
    assert figures[("reports", "fraud")] == "2"
    assert figures[("reports_by_source", "detection")] == "2"
    assert figures[("actions", "warn")] == "3"
    assert figures[("actions", "dismiss")] == "1"
    assert figures[("median_hours_to_first_action", "")] == "4.0"
    assert figures[("appeals", "upheld")] == "1"
    assert figures[("detections_confirmed_percent", "")] == "50.0"
    page = client.get(reverse("safety:transparency")).content.decode()
    assert "March 2026" in page
    assert "4.0 hours" in page


def test_the_page_costs_the_same_queries_for_1_or_5_reports(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    moderator: User,
    second_moderator: User,
    client: Client,
) -> None:
    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("safety:transparency")).status_code == 200
        return len(queries)

    _month_of_moderation(
        conversation, client_person, practitioner, moderator, second_moderator, reports=1
    )
    few = cost()
    _month_of_moderation(
        conversation, client_person, practitioner, moderator, second_moderator, reports=4
    )
    # Six figure queries (reports, detections, actions, report and detection times, appeals),
    # plus the session the visitor's request reads, whatever the data.
    assert cost() == few
    assert few <= 8


def test_reading_the_figures_too_often_is_answered_with_why_and_when(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transparency_views, "READS_PER_ADDRESS", "2/m")
    cache.clear()
    reader = Client(headers={"Accept-Language": "es"})
    for name in ("safety:transparency", "safety:transparency_csv"):
        cache.clear()
        answers = [reader.get(reverse(name)) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 429]
        assert answers[-1]["Retry-After"] == "60"
        said = answers[-1].content.decode()
        assert said == "Demasiadas solicitudes: vuelve a intentarlo en un minuto."
