"""What a regulator's dashboard and exports read: a fixed number of queries whatever the size
of the register (``tests/test_dashboard.py`` holds the budget)."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext as _

from casework.complaints.models import Category, Complaint, ComplaintState
from casework.oversight.figures import BarChart, bar_chart, median_days
from casework.registry.claims import decidable_claims
from casework.registry.models import (
    PRACTISING_STATUSES,
    PlatformRestriction,
    RegisterImport,
    RegistrationClaim,
    RegistrationStatus,
    Regulator,
)

LIVE = RegistrationClaim.LIVE_STATES


def claims_of(regulator: Regulator) -> QuerySet[RegistrationClaim]:
    """Every live claim on the regulator's register: the platform's practitioners who claim
    it, with the register's status and whether an officer suspended the listing here."""
    return (
        RegistrationClaim.objects.filter(regulator=regulator, state__in=LIVE)
        .annotate(
            suspended_here=_active_order(PlatformRestriction.Kind.SUSPENSION),
            conditions_here=_active_order(PlatformRestriction.Kind.CONDITIONS),
        )
        .select_related("practitioner", "entry")
        .order_by("registration_number", "pk")
    )


def complaints_to(regulator: Regulator) -> QuerySet[Complaint]:
    return Complaint.objects.filter(routes__regulator=regulator)


@dataclass(frozen=True)
class ProofTable:
    """Claims counted by proof state (rows) and register status (columns)."""

    columns: list[tuple[str, str]]
    rows: list[tuple[str, list[int], int]]


def _status_label(status: str | None) -> str:
    if status is None:
        return str(_("Not on the register"))
    return str(RegistrationStatus(status).label)


def proof_table(regulator: Regulator) -> ProofTable:
    # One query: counts by claim state and register status.
    counts: Counter[tuple[str, str | None]] = Counter(
        {
            (row["state"], row["entry__status"]): row["n"]
            for row in RegistrationClaim.objects.filter(regulator=regulator, state__in=LIVE)
            .values("state", "entry__status")
            .annotate(n=Count("pk"))
        }
    )
    statuses: list[str | None] = [*RegistrationStatus.values, None]
    columns = [(str(status or "none"), _status_label(status)) for status in statuses]
    rows = []
    for state in LIVE:
        cells = [counts.get((state, status), 0) for status in statuses]
        rows.append((str(RegistrationClaim.State(state).label), cells, sum(cells)))
    return ProofTable(columns=columns, rows=rows)


def waiting_claims(regulator: Regulator) -> list[RegistrationClaim]:
    # One query: claims awaiting proof or review, in dispute, or verified by name alone.
    return list(
        RegistrationClaim.objects.filter(decidable_claims(), regulator=regulator)
        .select_related("practitioner")
        .order_by(F("disputed_since").desc(nulls_last=True), "created_at")[:50]
    )


def recent_imports(regulator: Regulator) -> list[RegisterImport]:
    # One query: the latest readings of the register, each linking to its diff.
    return list(RegisterImport.objects.filter(regulator=regulator).order_by("-created_at")[:5])


def complaints_by_state(regulator: Regulator) -> list[tuple[str, str, int]]:
    # One query.
    counts = dict(complaints_to(regulator).values_list("state").annotate(n=Count("pk")).order_by())
    return [(state, str(label), counts.get(state, 0)) for state, label in ComplaintState.choices]


# Closed complaints by how many days they took, each band up to its number of days (the last
# open-ended): the spread behind the median. Labels are numbers, read alike in every language.
RESOLUTION_BANDS: tuple[tuple[float, str], ...] = (
    (7, "0-7"),
    (30, "8-30"),
    (90, "31-90"),
    (float("inf"), "91+"),
)


def _resolution_bands(durations_in_seconds: list[float]) -> list[tuple[str, int]]:
    counts = dict.fromkeys((label for _limit, label in RESOLUTION_BANDS), 0)
    for seconds in durations_in_seconds:
        days = seconds / 86400
        label = next(label for limit, label in RESOLUTION_BANDS if days <= limit)
        counts[label] += 1
    return list(counts.items())


@dataclass(frozen=True)
class Figures:
    practitioners: BarChart
    complaints: BarChart
    resolution: BarChart
    median_days_to_resolution: float | None
    resolved: int

    def rows(self) -> Iterator[tuple[str, str, str]]:
        """The figures as CSV rows: figure, label, value."""
        for bar in self.practitioners.bars:
            yield ("practitioners_by_status", bar.label, str(bar.value))
        for bar in self.complaints.bars:
            yield ("complaints_by_category", bar.label, str(bar.value))
        for bar in self.resolution.bars:
            yield ("complaints_closed_by_days_to_resolution", bar.label, str(bar.value))
        median = self.median_days_to_resolution
        yield ("median_days_to_resolution", "", "" if median is None else str(median))
        yield ("complaints_resolved", "", str(self.resolved))


def figures(regulator: Regulator) -> Figures:
    # One query: verified holders by register status, and whether suspended here.
    holders = Counter(
        (row["entry__status"], row["suspended"])
        for row in RegistrationClaim.objects.filter(
            regulator=regulator, state=RegistrationClaim.State.VERIFIED
        )
        .annotate(suspended=_active_order(PlatformRestriction.Kind.SUSPENSION))
        .values("entry__status", "suspended")
    )
    by_status = [
        (str(RegistrationStatus(status).label), holders.get((status, False), 0))
        for status in RegistrationStatus.values
    ]
    by_status.append(
        (
            str(_("Listing suspended on Casework")),
            sum(n for (_status, suspended), n in holders.items() if suspended),
        )
    )
    # One query: complaints by category.
    categories = dict(
        complaints_to(regulator).values_list("category").annotate(n=Count("pk")).order_by()
    )
    # One query: how long closed complaints took.
    durations = [
        (closed - created).total_seconds()
        for created, closed in complaints_to(regulator)
        .filter(state=ComplaintState.CLOSED, closed_at__isnull=False)
        .values_list("created_at", "closed_at")
        if closed is not None
    ]
    return Figures(
        practitioners=bar_chart("practitioners", str(_("Practitioners by status")), by_status),
        complaints=bar_chart(
            "complaints",
            str(_("Complaints by category")),
            [(str(label), categories.get(code, 0)) for code, label in Category.choices],
        ),
        resolution=bar_chart(
            "resolution",
            str(_("Complaints closed, by days to resolution")),
            _resolution_bands(durations),
        ),
        median_days_to_resolution=median_days(durations),
        resolved=len(durations),
    )


def _active_order(kind: str) -> Exists:
    """Over claims: their register entry carries an active order of this kind."""
    return Exists(
        PlatformRestriction.objects.filter(
            entry_id=OuterRef("entry_id"), kind=kind, lifted_at__isnull=True
        )
    )


def listing_state(claim: RegistrationClaim) -> str:
    """The listing as the public sees it, in words for the CSV and the pages."""
    if claim.state != RegistrationClaim.State.VERIFIED:
        return "not_verified"
    if getattr(claim, "suspended_here", False):
        return "suspended_on_platform"
    if claim.entry is None or claim.entry.status not in PRACTISING_STATUSES:
        return "hidden_by_register_status"
    return "active"
