"""Availability, session types, appointments, reminders and calendar feeds.

Times of day are kept as minutes since local midnight in the practitioner's time zone (so that a
window may end at 24:00); instants are kept in UTC. No two active appointments of a practitioner
overlap, buffers included: a PostgreSQL exclusion constraint (and a trigger on SQLite) added by
migration 0003 guards it, whatever the code above it does.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

MINUTES_PER_DAY = 24 * 60


def modality_choices() -> list[tuple[str, StrOrPromise]]:
    """The directory's modalities; imported when first needed, so that neither app's models
    import the other's while the app registry loads."""
    from casework.directory.models import Modality

    return list(Modality.choices)


class PractitionerSchedule(models.Model):
    """A practitioner's booking rules, and the next free slot kept for the directory.

    ``next_free_at`` is recomputed in the same transaction as every change to availability,
    session types, appointments or standing, and again by a task that runs when that slot
    stops being bookable (or a day later, as the booking horizon moves on): see
    ``casework.scheduling.freshness``. ``refresh_due_at`` names the one refresh task that is
    current, so that superseded ones end without scheduling more.
    """

    practitioner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="schedule"
    )
    next_free_at = models.DateTimeField(_("next free slot"), null=True, blank=True, db_index=True)
    refresh_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the practitioner's standing was lost and their clients were told; cleared when
    # it is back, so that each loss is told once.
    standing_lost_at = models.DateTimeField(null=True, blank=True, editable=False)
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("free time before each session (minutes)"), default=0
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("free time after each session (minutes)"), default=10
    )
    slot_interval_minutes = models.PositiveSmallIntegerField(
        _("offer a start time every"),
        default=30,
        choices=[(15, _("15 minutes")), (30, _("30 minutes")), (60, _("hour"))],
    )
    minimum_notice_hours = models.PositiveSmallIntegerField(
        _("minimum notice (hours)"),
        default=12,
        help_text=_("How long before a session it can still be booked."),
    )
    max_per_day = models.PositiveSmallIntegerField(
        _("most sessions in one day"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit."),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"),
        default=60,
        help_text=_("How far ahead clients can book."),
    )
    cancellation_notice_hours = models.PositiveSmallIntegerField(
        _("cancellation notice (hours)"),
        default=24,
        help_text=_(
            "Clients may reschedule until this long before a session. A client who cancels "
            "later can still cancel, and it is recorded as a late cancellation."
        ),
    )
    confirm_first_sessions = models.BooleanField(
        _("confirm first sessions myself"),
        default=False,
        help_text=_("A new client's first booking waits for your confirmation."),
    )

    class Meta:
        verbose_name = _("practitioner schedule")
        constraints = [
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__lte=240, buffer_after_minutes__lte=240),
                name="scheduling_buffers_at_most_4h",
            ),
            models.CheckConstraint(
                condition=Q(slot_interval_minutes__in=[15, 30, 60]),
                name="scheduling_slot_interval_known",
            ),
            models.CheckConstraint(
                condition=Q(minimum_notice_hours__lte=24 * 30),
                name="scheduling_notice_at_most_30_days",
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=365),
                name="scheduling_horizon_1_to_365_days",
            ),
            models.CheckConstraint(
                condition=Q(max_per_day__isnull=True) | Q(max_per_day__gte=1),
                name="scheduling_max_per_day_positive",
            ),
            models.CheckConstraint(
                condition=Q(cancellation_notice_hours__lte=24 * 14),
                name="scheduling_cancellation_notice_at_most_14_days",
            ),
        ]

    def __str__(self) -> str:
        return f"schedule of {self.practitioner_id}"

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class SessionType(models.Model):
    """What a client books: a length, a modality and a fee."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_types"
    )
    name = models.CharField(_("name"), max_length=80)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    modality = models.CharField(_("modality"), max_length=12, choices=modality_choices)
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("For sessions in person: the town or area (the address comes later)."),
    )
    price = models.DecimalField(_("fee"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["practitioner_id", "duration_minutes", "name"]
        verbose_name = _("session type")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="scheduling_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="scheduling_session_15_min_to_8_h",
            ),
            models.CheckConstraint(
                condition=~Q(modality="in_person") | ~Q(place=""),
                name="scheduling_in_person_has_place",
            ),
            models.UniqueConstraint(
                fields=["practitioner", "name"],
                condition=Q(active=True),
                name="scheduling_one_offered_session_type_per_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class AvailabilityWindow(models.Model):
    """A weekly window of working hours, in the practitioner's own time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_windows"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["practitioner_id", "weekday", "start_minute"]
        verbose_name = _("availability window")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="scheduling_weekday_known"
            ),
            models.CheckConstraint(
                condition=Q(start_minute__lt=models.F("end_minute"))
                & Q(end_minute__lte=MINUTES_PER_DAY),
                name="scheduling_window_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_minute}-{self.end_minute}"


class AvailabilityException(models.Model):
    """A date that differs from the weekly pattern: time off, or extra hours."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", _("Time off")
        EXTRA_HOURS = "extra_hours", _("Extra hours")

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Both empty: the whole day (time off only).
    start_minute = models.PositiveSmallIntegerField(null=True, blank=True)
    end_minute = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["practitioner_id", "on", "start_minute"]
        verbose_name = _("availability exception")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["time_off", "extra_hours"]),
                name="scheduling_exception_kind_known",
            ),
            models.CheckConstraint(
                condition=(
                    Q(start_minute__isnull=True, end_minute__isnull=True, kind="time_off")
                    | (
                        Q(start_minute__lt=models.F("end_minute"))
                        & Q(end_minute__lte=MINUTES_PER_DAY)
                    )
                ),
                name="scheduling_exception_is_whole_day_off_or_a_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"

    @property
    def whole_day(self) -> bool:
        return self.start_minute is None


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaits the practitioner's confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Client did not attend")


# Statuses that hold the practitioner's time: the exclusion constraint covers exactly these.
ACTIVE_STATUSES = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)


class Appointment(models.Model):
    """A booked session. Times are UTC; ``blocked_*`` add the practitioner's buffers as they
    were at booking, and are what the no-overlap guarantee compares."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments_given"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments_booked"
    )
    session_type = models.ForeignKey(
        SessionType, on_delete=models.PROTECT, related_name="appointments"
    )
    # What was booked, kept as booked even if the session type changes later.
    modality = models.CharField(_("modality"), max_length=12, choices=modality_choices)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    price = models.DecimalField(_("fee"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    blocked_from = models.DateTimeField()
    blocked_until = models.DateTimeField()
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, db_index=True
    )
    first_session = models.BooleanField(default=False)
    client_location = models.ForeignKey(
        "registry.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("where the client is"),
    )
    # One per confirm form: a retried submit finds the appointment it already made.
    idempotency_key = models.UUIDField()
    # Incremented on every change a calendar must pick up (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When it was cancelled, declined or marked a no-show, by whom and why.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Sealed under the client's data key (casework/scheduling/reasons.py): read ``reason_given``.
    end_reason = models.TextField(blank=True)
    late_cancellation = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("appointment")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"], name="scheduling_one_booking_per_submit"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="scheduling_appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(blocked_from__lte=models.F("starts_at"))
                & Q(blocked_until__gte=models.F("ends_at")),
                name="scheduling_blocked_time_covers_session",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values),
                name="scheduling_appointment_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(practitioner=models.F("client")),
                name="scheduling_nobody_books_themselves",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="scheduling_booked_fee_known"),
        ]
        indexes = [
            models.Index(
                fields=["practitioner", "blocked_from"], name="scheduling_appt_blocked_from"
            )
        ]

    def __str__(self) -> str:
        return f"appointment {self.pk} at {self.starts_at:%Y-%m-%d %H:%M}Z"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def awaits_confirmation(self) -> bool:
        return self.status == AppointmentStatus.REQUESTED

    @property
    def reason_given(self) -> str:
        """The words given for ending it (cancelling, declining), opened from the vault."""
        from casework.scheduling.reasons import open_reason  # the vault's models load after

        return open_reason(self.end_reason, appointment_uid=self.uid)


class Reminder(models.Model):
    """One reminder of one appointment. The task that sends it first claims the row
    (``sent_at`` from NULL to now in one UPDATE), so a redelivered task sends nothing. Each
    party's email is recorded as it goes out, so that a retry after a failed email sends only
    the ones still missing."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    client_emailed_at = models.DateTimeField(null=True, blank=True)
    practitioner_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "offset_minutes"], name="scheduling_one_reminder_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.offset_minutes} min before appointment {self.appointment_id}"


class CalendarFeed(models.Model):
    """A private calendar address. Only the token's SHA-256 is kept: the address is shown once,
    and revoking it (or making a new one) ends the old one."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(revoked_at__isnull=True),
                name="scheduling_one_live_calendar_feed_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"calendar feed {self.pk} of {self.person_id}"
