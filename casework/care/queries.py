"""Reads that need care: the caseload ranked by need, trends, a client's timeline.

The caseload is two queries whatever its size: the cases in the order of their stored need
(``services/need.py`` keeps it current; a page is a slice of one index), then the last twelve
scores of every row through one window function. The screen shows it a page at a time (one
count more, and one look for cases whose stored need time has overtaken).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from casework.accounts.models import User
from casework.care.access import check_ins_seen_by_practitioners
from casework.care.instruments import INSTRUMENTS, Instrument
from casework.care.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    CheckIn,
    CheckInStatus,
    UrgentFlag,
)
from casework.care.services.need import WORSENING_BY, refresh_overtaken

TREND_LENGTH = 12
# Rows on one page of the caseload screen: a page renders in a fraction of a second whatever
# the caseload's size, and a practitioner's most urgent clients are all on the first.
CASELOAD_PAGE_SIZE = 50


@dataclass(frozen=True)
class CaseloadFilters:
    status: str = "open"  # "open", one of CaseStatus, or "all"
    attention: str = ""  # "", "flagged", "worsening" or "missed"
    search: str = ""


@dataclass(frozen=True)
class TrendPoint:
    score: int
    burden: float
    answered_at: datetime


@dataclass
class CaseloadRow:
    case: Case
    open_flags: int
    missed: int
    last_contact_at: datetime
    next_appointment_at: datetime | None
    instrument: Instrument | None
    last_score: int | None
    change: float | None
    points: list[TrendPoint] = field(default_factory=list)

    @property
    def worsening(self) -> bool:
        return self.change is not None and self.change >= WORSENING_BY

    @property
    def improving(self) -> bool:
        return self.change is not None and self.change <= -WORSENING_BY

    def days_since_contact(self, now: datetime) -> int:
        return max(0, (now - self.last_contact_at).days)


def ranked(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Urgent flags first, then a worsening trend, missed check-ins (all three in
    ``need_rank``), the longest without contact, the soonest appointment: the order of the
    ``care_caseload_by_need`` index, then the name and the key to break the last ties."""
    return cases.order_by(
        "-need_rank",
        "last_contact_at",
        F("next_appointment_at").asc(nulls_last=True),
        "client__alias",
        "pk",
    )


def _filtered(practitioner: User, filters: CaseloadFilters) -> QuerySet[Case]:
    cases = Case.objects.filter(practitioner=practitioner)
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status in CaseStatus.values:
        cases = cases.filter(status=filters.status)
    if filters.search:
        cases = cases.filter(client__alias__icontains=filters.search)
    return cases


def trend_points(case_ids: list[Any]) -> dict[tuple[Any, str], list[TrendPoint]]:
    """The last ``TREND_LENGTH`` scores per case and instrument that the cases' practitioner
    sees, oldest first: one query."""
    if not case_ids:
        return {}
    recent = (
        check_ins_seen_by_practitioners()
        .filter(case_id__in=case_ids, status=CheckInStatus.ANSWERED, score__isnull=False)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("case_id"), F("instrument")],
                order_by=F("answered_at").desc(),
            )
        )
        .filter(recency__lte=TREND_LENGTH)
        .values_list("case_id", "instrument", "score", "burden", "answered_at")
    )
    points: dict[tuple[Any, str], list[TrendPoint]] = defaultdict(list)
    for case_id, instrument, score, burden, answered_at in recent:
        if score is not None and burden is not None and answered_at is not None:
            points[(case_id, instrument)].append(TrendPoint(score, burden, answered_at))
    for series in points.values():
        series.sort(key=lambda point: point.answered_at)
    return points


def ranked_caseload(
    practitioner: User, *, now: datetime, filters: CaseloadFilters | None = None
) -> QuerySet[Case]:
    """The practitioner's cases, filtered and ranked by need, not yet read: one query however
    it is sliced (the order ends with the primary key, so pages never share or skip a row).

    The need is stored on each case (``services/need.py``); the cases whose stored need time
    has overtaken by ``now`` are brought up to date first (one indexed query when there are
    none, which the check-in round makes the usual case)."""
    refresh_overtaken(now=now, practitioner_id=practitioner.pk)
    filters = filters or CaseloadFilters()
    cases = (
        ranked(_filtered(practitioner, filters))
        .select_related("client")
        .defer("emergency_contact", "crisis_plan", "online_alternative")
    )
    if filters.attention == "flagged":
        cases = cases.filter(open_flags__gt=0)
    elif filters.attention == "worsening":
        cases = cases.filter(score_change__gte=WORSENING_BY)
    elif filters.attention == "missed":
        cases = cases.filter(missed_check_ins__gt=0)
    return cases


def rows_of(found: Iterable[Case]) -> list[CaseloadRow]:
    """Rows for cases read from ``ranked_caseload``, each with its trend: one query."""
    found = list(found)
    points = trend_points([case.pk for case in found])
    rows = []
    for case in found:
        instrument = INSTRUMENTS.get(case.last_instrument) if case.last_instrument else None
        rows.append(
            CaseloadRow(
                case=case,
                open_flags=case.open_flags,
                missed=case.missed_check_ins,
                last_contact_at=case.last_contact_at or case.opened_at,
                next_appointment_at=case.next_appointment_at,
                instrument=instrument,
                last_score=case.last_score,
                change=case.score_change,
                points=points.get((case.pk, case.last_instrument), []) if instrument else [],
            )
        )
    return rows


def caseload(
    practitioner: User, *, now: datetime, filters: CaseloadFilters | None = None
) -> list[CaseloadRow]:
    """All of a practitioner's clients, ranked by need, each with its trend: two queries."""
    return rows_of(ranked_caseload(practitioner, now=now, filters=filters))


def caseload_page(
    practitioner: User,
    *,
    now: datetime,
    filters: CaseloadFilters | None = None,
    number: int | str | None = 1,
    per_page: int = CASELOAD_PAGE_SIZE,
) -> tuple[Page[Any], list[CaseloadRow]]:
    """One page of the ranked caseload and its rows: three queries whatever the caseload's
    size (the count, the page's cases, their trends), after the look for overtaken needs. A
    page number that is not one, or is past the end, gives the first or the last page
    (``Paginator.get_page``).

    The page is picked by its keys alone, in a subquery, and only its rows are read in full:
    a narrow query walks the ``care_caseload_by_need`` index in order and stops at the page,
    where asking for every column made SQLite's planner scan and sort the whole caseload."""
    ranking = ranked_caseload(practitioner, now=now, filters=filters)
    page = Paginator(ranking.values_list("pk", flat=True), per_page).get_page(number)
    found = (
        ranked(Case.objects.filter(pk__in=page.object_list))
        .select_related("client")
        .defer("emergency_contact", "crisis_plan", "online_alternative")
    )
    return page, rows_of(found)


def client_trends(case: Case) -> dict[str, list[TrendPoint]]:
    """Every scored answer of a case, per instrument, oldest first: the client's own charts."""
    return _trends(CheckIn.objects.filter(case=case))


def practitioner_trends(case: Case) -> dict[str, list[TrendPoint]]:
    """The scored answers the case's practitioner sees, per instrument, oldest first."""
    return _trends(check_ins_seen_by_practitioners().filter(case=case))


def shared_scores(case: Case, *, limit: int) -> list[tuple[str, int, datetime]]:
    """The latest scores a referral shares: those the case's practitioner sees (a referral
    never passes on more than its referrer holds)."""
    rows = (
        check_ins_seen_by_practitioners()
        .filter(case=case, status=CheckInStatus.ANSWERED, score__isnull=False)
        .order_by("-answered_at")
        .values_list("instrument", "score", "answered_at")[:limit]
    )
    return [(code, score, at) for code, score, at in rows if score is not None and at is not None]


def _trends(check_ins: QuerySet[CheckIn]) -> dict[str, list[TrendPoint]]:
    series: dict[str, list[TrendPoint]] = defaultdict(list)
    for instrument, score, burden, answered_at in (
        check_ins.filter(status=CheckInStatus.ANSWERED, score__isnull=False)
        .order_by("answered_at")
        .values_list("instrument", "score", "burden", "answered_at")
    ):
        if score is not None and burden is not None and answered_at is not None:
            series[instrument].append(TrendPoint(score, burden, answered_at))
    return dict(series)


def changed_since(practitioner_id: int, since: datetime) -> bool:
    """Whether the practitioner's caseload ranking may have moved after ``since``: a flag raised
    or acknowledged, or a check-in answered, on one of their cases (what ``live`` announces)."""
    flags = UrgentFlag.objects.filter(case__practitioner_id=practitioner_id).filter(
        Q(raised_at__gt=since) | Q(acknowledged_at__gt=since)
    )
    answers = CheckIn.objects.filter(case__practitioner_id=practitioner_id, answered_at__gt=since)
    return flags.exists() or answers.exists()
