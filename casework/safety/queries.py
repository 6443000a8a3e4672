"""Reads of moderation that need care: the queue, a person's history and standing."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef

from casework.accounts.models import Role, User
from casework.registry.standing import in_good_standing
from casework.safety.access import (
    appeals_for_moderator,
    detections_for_moderator,
    reports_for_moderator,
)
from casework.safety.models import Appeal, Detection, ModerationAction, Report
from casework.safety.restrictions import is_restricted

QUEUE_LIMIT = 200


@dataclass(frozen=True)
class QueueItem:
    kind: str  # "report" or "detection"
    severity: int
    since: datetime
    report: Report | None = None
    detection: Detection | None = None


def queue(moderator: User) -> list[QueueItem]:
    """Open reports and undecided detections, gravest first, then oldest first."""
    # 1: open reports, with the person reported
    reports = (
        reports_for_moderator(moderator)
        .filter(status=Report.Status.OPEN)
        .select_related("reported")
        .order_by("-severity", "created_at")[:QUEUE_LIMIT]
    )
    # 2: detections no moderator decided yet, with their author
    detections = (
        detections_for_moderator(moderator)
        .filter(~Exists(ModerationAction.objects.filter(detection=OuterRef("pk"))))
        .select_related("author")
        .order_by("-severity", "detected_at")[:QUEUE_LIMIT]
    )
    items = [
        QueueItem("report", report.severity, report.created_at, report=report) for report in reports
    ] + [
        QueueItem("detection", found.severity, found.detected_at, detection=found)
        for found in detections
    ]
    return sorted(items, key=lambda item: (-item.severity, item.since))


def waiting_appeals(moderator: User) -> list[Appeal]:
    # 3: appeals waiting, with the decision appealed
    return list(
        appeals_for_moderator(moderator)
        .filter(outcome=Appeal.Outcome.PENDING)
        .select_related("action", "appellant")
        .order_by("created_at")
    )


@dataclass(frozen=True)
class History:
    """What a moderator weighs about the person concerned: earlier reports, earlier decisions
    (and their appeals), and where they stand now."""

    person: User
    reports_by_category: dict[str, int]
    decisions: list[ModerationAction]
    active: bool
    restricted: bool
    in_good_standing: bool | None  # practitioners only


def history_of(person: User) -> History:
    counts = dict(
        Report.objects.filter(reported=person)
        .values_list("category")
        .annotate(count=Count("pk"))
        .values_list("category", "count")
    )
    decisions = list(
        ModerationAction.objects.filter(affected=person)
        .select_related("appeal")
        .order_by("-created_at")[:50]
    )
    return History(
        person=person,
        reports_by_category=counts,
        decisions=decisions,
        active=person.is_active,
        restricted=is_restricted(person),
        in_good_standing=in_good_standing(person) if person.role == Role.PRACTITIONER else None,
    )
