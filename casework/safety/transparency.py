"""The public moderation figures, per month, computed from the records (never typed in):
reports by category and source, actions by kind, median time to first action, appeals and
their outcomes, and the share of detections moderators confirmed."""

import datetime as dt
import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncMonth

from casework.safety.models import ActionKind, Appeal, Detection, ModerationAction, Report

UTC = dt.UTC


@dataclass
class Month:
    month: dt.date
    reports_by_category: dict[str, int] = field(default_factory=dict)
    reports_from_people: int = 0
    detections: int = 0
    actions_by_kind: dict[str, int] = field(default_factory=dict)
    hours_to_first_action: list[float] = field(default_factory=list)
    appeals_by_outcome: dict[str, int] = field(default_factory=dict)
    detections_decided: int = 0
    detections_confirmed: int = 0

    @property
    def median_hours_to_first_action(self) -> float | None:
        if not self.hours_to_first_action:
            return None
        return round(statistics.median(self.hours_to_first_action), 1)

    @property
    def confirmed_share(self) -> float | None:
        if not self.detections_decided:
            return None
        return round(100 * self.detections_confirmed / self.detections_decided, 1)


def _month(value: dt.datetime | dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def monthly_figures() -> list[Month]:
    """Every month with something to count, newest first. Six queries, whatever the data."""
    months: dict[dt.date, Month] = {}

    def at(value: dt.datetime | dt.date) -> Month:
        key = _month(value)
        return months.setdefault(key, Month(month=key))

    # 1: reports by month and category
    for row in (
        Report.objects.annotate(month=TruncMonth("created_at", tzinfo=UTC))
        .values("month", "category")
        .annotate(count=Count("pk"))
    ):
        month = at(row["month"])
        month.reports_by_category[row["category"]] = row["count"]
        month.reports_from_people += row["count"]
    # 2: detections by month
    for detected_row in (
        Detection.objects.annotate(month=TruncMonth("detected_at", tzinfo=UTC))
        .values("month")
        .annotate(count=Count("pk"))
    ):
        at(detected_row["month"]).detections = detected_row["count"]
    # 3: actions by month and kind
    for action_row in (
        ModerationAction.objects.annotate(month=TruncMonth("created_at", tzinfo=UTC))
        .values("month", "kind")
        .annotate(count=Count("pk"))
    ):
        at(action_row["month"]).actions_by_kind[action_row["kind"]] = action_row["count"]
    # 4: time from each report to its first decision, counted in the month of the decision
    for created, first in (
        Report.objects.annotate(first=Min("actions__created_at"))
        .filter(first__isnull=False)
        .values_list("created_at", "first")
    ):
        at(first.astimezone(UTC).replace(day=1)).hours_to_first_action.append(
            _hours(first - created)
        )
    # 5: the same for detections, with whether a moderator confirmed it (acted, not dismissed)
    for detected, first, confirmed in (
        Detection.objects.annotate(
            first=Min("actions__created_at"),
            confirmed=Count("actions", filter=~Q(actions__kind=ActionKind.DISMISS)),
        )
        .filter(first__isnull=False)
        .values_list("detected_at", "first", "confirmed")
    ):
        month = at(first.astimezone(UTC).replace(day=1))
        month.hours_to_first_action.append(_hours(first - detected))
        month.detections_decided += 1
        month.detections_confirmed += 1 if confirmed else 0
    # 6: appeals by month and outcome
    for appeal_row in (
        Appeal.objects.annotate(month=TruncMonth("created_at", tzinfo=UTC))
        .values("month", "outcome")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        at(appeal_row["month"]).appeals_by_outcome[appeal_row["outcome"]] = appeal_row["count"]
    return sorted(months.values(), key=lambda month: month.month, reverse=True)


def csv_rows(figures: list[Month]) -> list[list[str]]:
    """The same figures as rows: month, measure, breakdown, value."""
    rows = [["month", "measure", "breakdown", "value"]]
    for month in figures:
        label = month.month.strftime("%Y-%m")
        for category, count in sorted(month.reports_by_category.items()):
            rows.append([label, "reports", category, str(count)])
        rows.append([label, "reports_by_source", "person", str(month.reports_from_people)])
        rows.append([label, "reports_by_source", "detection", str(month.detections)])
        for kind, count in sorted(month.actions_by_kind.items()):
            rows.append([label, "actions", kind, str(count)])
        median = month.median_hours_to_first_action
        rows.append(
            [label, "median_hours_to_first_action", "", "" if median is None else str(median)]
        )
        for outcome, count in sorted(month.appeals_by_outcome.items()):
            rows.append([label, "appeals", outcome, str(count)])
        share = month.confirmed_share
        rows.append(
            [label, "detections_confirmed_percent", "", "" if share is None else str(share)]
        )
    return rows
