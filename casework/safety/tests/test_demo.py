"""The demo report: what the demo moderator's "thank you for your report" refers to."""

import pytest

from casework.demo.messaging import seed_messaging
from casework.demo.people import seed_people
from casework.demo.registry import seed_registry
from casework.demo.safety import seed_safety
from casework.safety.models import ModerationAction, Report
from casework.testing import factories, messaging

pytestmark = pytest.mark.django_db


def test_the_demo_report_has_a_reference_and_an_outcome_and_loads_once() -> None:
    messaging.place("GB-ENG")
    seed_people()
    seed_registry()  # as the demo does: Amara's verified registration, before conversations
    messaging.taking_enquiries(factories.PractitionerFactory.create(legal_name="Demo Colleague"))
    seed_messaging()
    report = seed_safety()
    assert report is not None
    assert report.reference.startswith("R-")
    assert report.outcome == Report.Outcome.ACTION_TAKEN
    assert seed_safety() == report
    assert ModerationAction.objects.count() == 1
