"""The caseload's ranking, stored on each case and kept current.

Working out every case's need (open flags, a worsening trend, missed check-ins, the last
contact, the next appointment) costs correlated subqueries per case; done on every page view it
made a caseload of 5,000 cost a second. So each case keeps what it is ranked by in its own
columns (``Case.need_rank`` and the values the row shows), and a page of the caseload is an
indexed, ordered slice (``queries.ranked``).

What keeps the columns current:

- the care services that change what the need depends on call ``refresh_need`` in their own
  transaction: a check-in answered, a plan started, paused or ended (its check-ins created or
  called off), a flag raised or acknowledged, a case opened, paused, closed or transferred;
- the reactions to other apps' events (``care.reactions``): a message sent in the pair's
  conversation, an appointment requested, confirmed, declined, cancelled or moved;
- time passing: a check-in that expires becomes a missed one, a missed one leaves the 30-day
  window, an appointment's start moves it from "next" to "last contact". ``need_changes_at``
  stores the first such moment; every read of a caseload first refreshes its cases whose
  moment has come (``refresh_overtaken``, one indexed query when there are none), and the
  check-in round (``manage.py run_check_ins``, every five minutes) refreshes every such case,
  so a read rarely has any to do.

Every refresh works the need out afresh from the source rows with the same SQL the ranking
used to run on every read (``_live_need``), so the order is the same by construction.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from casework.care.access import check_ins_seen_by_practitioners, flags_seen_by_practitioners
from casework.care.models import Case, CheckInStatus
from casework.messaging.models import Conversation
from casework.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus

# A last score this far above the client's own baseline (on the 0-1 burden scale, so a tenth of
# the instrument's range) counts as a worsening trend.
WORSENING_BY = 0.1
# Missed check-ins count for this long.
MISSED_WINDOW = timedelta(days=30)

# ``need_rank`` puts the first three keys of the ranking in one integer, so one index orders
# the caseload: an open flag outweighs everything, a worsening trend outweighs any number of
# missed check-ins, then the more missed the higher.
FLAGGED_WEIGHT = 2_000_000
WORSENING_WEIGHT = 1_000_000
MOST_MISSED = WORSENING_WEIGHT - 1

# Cases refreshed per statement: a bounded UPDATE on SQLite and PostgreSQL alike.
BATCH = 500

STORED = (
    "need_rank",
    "open_flags",
    "missed_check_ins",
    "last_instrument",
    "last_score",
    "score_change",
    "last_contact_at",
    "next_appointment_at",
    "need_changes_at",
)


def need_rank(*, open_flags: int, score_change: float | None, missed: int) -> int:
    return (
        (FLAGGED_WEIGHT if open_flags > 0 else 0)
        + (WORSENING_WEIGHT if score_change is not None and score_change >= WORSENING_BY else 0)
        + min(missed, MOST_MISSED)
    )


def _count(queryset: QuerySet[Any]) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values("case").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _missed_filter(now: datetime) -> Q:
    """Missed: marked so by the sweep, or open past its time (whether the sweep ran or not)."""
    return Q(due_at__gte=now - MISSED_WINDOW) & (
        Q(status=CheckInStatus.MISSED) | Q(status=CheckInStatus.OPEN, expires_at__lte=now)
    )


def _live_need(cases: QuerySet[Case], *, now: datetime) -> QuerySet[Any]:
    """Everything the ranking needs, worked out from the source rows as of ``now``, and the
    first later moment at which time alone changes it."""
    # Only what the practitioner sees counts: after a transfer without the client's scores, the
    # earlier answers, misses and flags neither rank the case nor show in its row.
    seen = check_ins_seen_by_practitioners()
    last_answer = seen.filter(
        case=OuterRef("pk"), status=CheckInStatus.ANSWERED, burden__isnull=False
    ).order_by("-answered_at")
    pair = {"client": OuterRef("client_id"), "practitioner": OuterRef("practitioner_id")}
    last_message = (
        Conversation.objects.filter(**pair, last_message_at__isnull=False)
        .order_by("-last_message_at")
        .values("last_message_at")[:1]
    )
    last_session = (
        Appointment.objects.filter(**pair, status=AppointmentStatus.CONFIRMED, starts_at__lte=now)
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    next_session = (
        Appointment.objects.filter(**pair, status__in=ACTIVE_STATUSES, starts_at__gt=now)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    # Time changes the count of missed check-ins when an open one expires, and when a counted
    # one falls out of the window (strictly later than now: at ``now`` itself it still counts).
    next_expiry = (
        seen.filter(case=OuterRef("pk"), status=CheckInStatus.OPEN, expires_at__gt=now)
        .order_by("expires_at")
        .values("expires_at")[:1]
    )
    first_counted = (
        seen.filter(
            case=OuterRef("pk"),
            status__in=[CheckInStatus.OPEN, CheckInStatus.MISSED],
            due_at__gt=now - MISSED_WINDOW,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return cases.annotate(
        live_open_flags=_count(
            flags_seen_by_practitioners().filter(case=OuterRef("pk"), acknowledged_at=None)
        ),
        live_missed=_count(seen.filter(_missed_filter(now), case=OuterRef("pk"))),
        live_instrument=Subquery(last_answer.values("instrument")[:1]),
        live_score=Subquery(last_answer.values("score")[:1]),
        live_burden=Subquery(last_answer.values("burden")[:1], output_field=FloatField()),
        live_baseline=Subquery(
            last_answer.values("baseline_burden")[:1], output_field=FloatField()
        ),
        live_change=ExpressionWrapper(F("live_burden") - F("live_baseline"), FloatField()),
        live_contact_at=Greatest(
            Coalesce(Subquery(last_message, output_field=DateTimeField()), F("opened_at")),
            Coalesce(Subquery(last_session, output_field=DateTimeField()), F("opened_at")),
        ),
        live_next_at=Subquery(next_session, output_field=DateTimeField()),
        next_expiry=Subquery(next_expiry, output_field=DateTimeField()),
        first_counted=Subquery(first_counted, output_field=DateTimeField()),
    )


def _changes_at(row: dict[str, Any]) -> datetime | None:
    moments = [
        row["next_expiry"],
        row["first_counted"] + MISSED_WINDOW if row["first_counted"] is not None else None,
        row["live_next_at"],
    ]
    due = [moment for moment in moments if moment is not None]
    return min(due) if due else None


def refresh_need(case_ids: Iterable[Any], *, now: datetime | None = None) -> int:
    """Work out and store the need of these cases as of ``now``; the number refreshed.

    Call it inside the transaction of the change, after the change: the case rows are locked
    first, so two refreshes of one case run one after the other and the later one reads what
    the earlier committed (PostgreSQL, read committed); SQLite writes one at a time anyway.
    """
    now = now or timezone.now()
    ids = sorted(set(case_ids), key=str)
    refreshed = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with transaction.atomic():
            list(
                Case.objects.select_for_update(of=("self",))
                .filter(pk__in=batch)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            rows = _live_need(Case.objects.filter(pk__in=batch), now=now).values(
                "pk",
                "live_open_flags",
                "live_missed",
                "live_instrument",
                "live_score",
                "live_change",
                "live_contact_at",
                "live_next_at",
                "next_expiry",
                "first_counted",
            )
            updated = [
                Case(
                    pk=row["pk"],
                    need_rank=need_rank(
                        open_flags=row["live_open_flags"],
                        score_change=row["live_change"],
                        missed=row["live_missed"],
                    ),
                    open_flags=row["live_open_flags"],
                    missed_check_ins=row["live_missed"],
                    last_instrument=row["live_instrument"] or "",
                    last_score=row["live_score"],
                    score_change=row["live_change"],
                    last_contact_at=row["live_contact_at"],
                    next_appointment_at=row["live_next_at"],
                    need_changes_at=_changes_at(row),
                )
                for row in rows
            ]
            if len(updated) == 1:
                # The usual case (a service's one case): a plain UPDATE compiles and runs in a
                # fraction of bulk_update's CASE WHEN per field.
                Case.objects.filter(pk=updated[0].pk).update(
                    **{name: getattr(updated[0], name) for name in STORED}
                )
            else:
                Case.objects.bulk_update(updated, STORED)
            refreshed += len(updated)
    return refreshed


def refresh_pair(*, client_id: int, practitioner_id: int, now: datetime | None = None) -> int:
    """Refresh the pair's cases: what changed is theirs together (a message, an appointment)."""
    ids = Case.objects.filter(client_id=client_id, practitioner_id=practitioner_id).values_list(
        "pk", flat=True
    )
    return refresh_need(list(ids), now=now)


def refresh_overtaken(*, now: datetime, practitioner_id: int | None = None) -> int:
    """Refresh the cases whose need time alone has changed by ``now`` (one practitioner's, or
    everyone's); the number refreshed. One indexed query when there are none."""
    overtaken = Case.objects.filter(need_changes_at__lte=now)
    if practitioner_id is not None:
        overtaken = overtaken.filter(practitioner_id=practitioner_id)
    ids = list(overtaken.values_list("pk", flat=True))
    return refresh_need(ids, now=now) if ids else 0
