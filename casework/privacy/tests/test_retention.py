"""Retention: rules per data class and jurisdiction from a reviewed file, checked at start;
a daily task that removes what they no longer keep, dry run first, and reports."""

from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from casework.accounts.models import User
from casework.care.models import Case, CaseStatus
from casework.care.services.cases import change_case_status
from casework.messaging.models import Conversation
from casework.messaging.services import close_conversation
from casework.privacy import actions
from casework.privacy.checks import check_retention_rules
from casework.privacy.models import AuditEvent, RetentionReport
from casework.privacy.retention.rules import RULES_FILE, load_rules
from casework.shell.schedule import SCHEDULE
from casework.testing import care, factories, messaging

NINE_YEARS_AGO = care.NOW - timedelta(days=9 * 365)
A_YEAR_AGO = care.NOW - timedelta(days=365)


def test_the_shipped_rules_load_and_every_class_has_a_rule_for_everywhere() -> None:
    rules = load_rules(RULES_FILE)
    assert set(rules.data_classes) == {"closed_case", "closed_enquiry", "expired_session"}
    for key in rules.data_classes:
        assert rules.rule_for(key, "ZZ").jurisdiction == "*"
    # Every period that claims a source beyond policy names it.
    assert all(rule.source for rule in rules.rules if rule.basis != "policy")


def test_a_subdivision_falls_back_to_its_country_then_to_everywhere() -> None:
    rules = load_rules(RULES_FILE)
    assert rules.rule_for("closed_case", "GB-ENG").jurisdiction == "GB-ENG"
    assert rules.rule_for("closed_case", "GB-SCT").jurisdiction == "*"
    assert rules.rule_for("closed_case", None).jurisdiction == "*"


VALID_CLASS = """
[[data_class]]
key = "closed_case"
name = "n"
starts = "s"
removal = "r"
"""
EVERYWHERE = """
[[rule]]
data_class = "closed_case"
jurisdiction = "*"
keep_days = 10
basis = "policy"
confirmed = false
note = "n"
"""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[[data_class]\nkey=", "not valid TOML"),
        (VALID_CLASS + EVERYWHERE.replace("keep_days = 10", "keep_days = -1"), "keep_days"),
        (VALID_CLASS + EVERYWHERE.replace('"policy"', '"law"'), "source must be"),
        (VALID_CLASS + EVERYWHERE.replace('"*"', '"England"'), "not an ISO 3166 code"),
        (VALID_CLASS + EVERYWHERE.replace('"closed_case"', '"mystery"'), "unknown data class"),
        (VALID_CLASS + EVERYWHERE + EVERYWHERE, "two rules for closed_case in *"),
        (VALID_CLASS, 'no rule for "*"'),
        (
            VALID_CLASS + EVERYWHERE.replace("confirmed = false", "confirmed = true"),
            "a confirmed period needs its source",
        ),
    ],
)
def test_malformed_rules_refuse_to_start_saying_why(
    text: str, reason: str, tmp_path: Path, settings: Settings
) -> None:
    broken = tmp_path / "retention.toml"
    broken.write_text(text, encoding="utf-8")
    settings.RETENTION_RULES_FILE = broken
    [error] = check_retention_rules()
    assert error.id == "casework.privacy.E001"
    assert reason in error.msg
    with pytest.raises(SystemCheckError, match="retention rules cannot be used"):
        call_command("check")


def test_a_class_no_app_removes_refuses_to_start(tmp_path: Path, settings: Settings) -> None:
    text = VALID_CLASS.replace("closed_case", "mystery") + EVERYWHERE.replace(
        "closed_case", "mystery"
    )
    broken = tmp_path / "retention.toml"
    broken.write_text(text, encoding="utf-8")
    settings.RETENTION_RULES_FILE = broken
    ids = {error.id for error in check_retention_rules()}
    assert ids == {"casework.privacy.E002", "casework.privacy.E003"}


def test_the_clock_applies_the_rules_daily() -> None:
    [job] = [job for job in SCHEDULE if job.command == "apply_retention"]
    assert job.every == timedelta(days=1)


# --- Applying ----------------------------------------------------------------------------------


def _closed_case(practitioner: User, when: datetime, where: str = "GB-ENG") -> Case:
    with time_machine.travel(when, tick=False):
        case = care.ready_case(practitioner, factories.ClientFactory.create(), where=where)
        return change_case_status(
            case=case, actor=practitioner, to_status=CaseStatus.CLOSED, reason="Work finished"
        )


def _closed_enquiry(practitioner: User, when: datetime) -> Conversation:
    with time_machine.travel(when, tick=False):
        enquiry = messaging.enquiry(factories.ClientFactory.create(), practitioner)
        return close_conversation(conversation=enquiry, actor=practitioner)


def _expired_session() -> str:
    with time_machine.travel(A_YEAR_AGO, tick=False):
        session = SessionStore()
        session["x"] = 1
        session.create()
        return str(session.session_key)


@pytest.fixture
def old_and_new(practitioner: User) -> dict[str, object]:
    return {
        "old_case": _closed_case(practitioner, NINE_YEARS_AGO),
        "recent_case": _closed_case(practitioner, A_YEAR_AGO),
        "old_enquiry": _closed_enquiry(practitioner, NINE_YEARS_AGO),
        "recent_enquiry": _closed_enquiry(practitioner, care.NOW - timedelta(days=30)),
        "session": _expired_session(),
    }


def _shredded(row: Case | Conversation) -> bool:
    row.data_key.refresh_from_db()
    return row.data_key.destroyed_at is not None


@pytest.mark.django_db
def test_a_dry_run_lists_what_it_would_remove_and_removes_nothing(
    old_and_new: dict[str, object],
) -> None:
    out = StringIO()
    with time_machine.travel(care.NOW, tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
    listed = out.getvalue()
    old_case, old_enquiry = old_and_new["old_case"], old_and_new["old_enquiry"]
    assert isinstance(old_case, Case)
    assert isinstance(old_enquiry, Conversation)
    assert "Retention (dry run): 3 due, 3 would remove" in listed
    assert f"    {old_case.pk}" in listed
    assert f"    {old_enquiry.pk}" in listed
    assert str(old_and_new["session"]) not in listed  # a session key is a secret
    assert str(getattr(old_and_new["recent_case"], "pk", "")) not in listed
    assert not _shredded(old_case)
    assert Session.objects.filter(session_key=old_and_new["session"]).exists()
    report = RetentionReport.objects.get()
    assert (report.dry_run, report.due, report.removed) == (True, 3, 0)


@pytest.mark.django_db
def test_a_run_removes_what_is_past_its_period_keeps_the_rest_and_reports(
    old_and_new: dict[str, object],
) -> None:
    with time_machine.travel(care.NOW, tick=False):
        call_command("apply_retention", stdout=StringIO())
    for key, gone in [
        ("old_case", True),
        ("recent_case", False),
        ("old_enquiry", True),
        ("recent_enquiry", False),
    ]:
        row = old_and_new[key]
        assert isinstance(row, Case | Conversation)
        assert _shredded(row) is gone, key
    assert not Session.objects.filter(session_key=old_and_new["session"]).exists()
    report = RetentionReport.objects.get()
    assert (report.dry_run, report.due, report.removed) == (False, 3, 3)
    by_class = {(line["data_class"], line["jurisdiction"]): line for line in report.lines}
    assert by_class["closed_case", "GB-ENG"]["removed"] == 1
    assert AuditEvent.objects.filter(action=actions.PRIVACY_RETENTION_APPLIED).count() == 1
    # Run again: nothing more is due.
    with time_machine.travel(care.NOW, tick=False):
        call_command("apply_retention", stdout=StringIO())
    assert RetentionReport.objects.order_by("-pk").first().due == 0  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_clocks_runs_are_dry_until_removing_is_turned_on(
    old_and_new: dict[str, object], settings: Settings
) -> None:
    from casework.privacy.management.commands.apply_retention import Command

    with time_machine.travel(care.NOW, tick=False):
        Command().run_round()
        assert RetentionReport.objects.get().dry_run
        settings.RETENTION_REMOVES = True
        Command().run_round()
    assert RetentionReport.objects.filter(dry_run=False, removed=3).exists()


@pytest.mark.django_db
def test_the_admin_shows_the_reports_read_only(admin_person: User, client: Client) -> None:
    with time_machine.travel(care.NOW, tick=False):
        call_command("apply_retention", "--dry-run", stdout=StringIO())
    client.force_login(admin_person)
    report = RetentionReport.objects.get()
    listing = client.get(reverse("admin:privacy_retentionreport_changelist"))
    assert listing.status_code == 200
    page = client.get(reverse("admin:privacy_retentionreport_change", args=[report.pk]))
    assert page.status_code == 200
    assert (
        client.post(reverse("admin:privacy_retentionreport_change", args=[report.pk])).status_code
        == 403
    )
