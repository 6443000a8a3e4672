"""Limits of messaging, each overridable in settings (names below) with these defaults."""

from datetime import timedelta

from django.conf import settings

# Content types an attachment may have, decided from its content (the ``filetype`` library),
# with the file name extensions that may honestly carry each.
DEFAULT_ATTACHMENT_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "image/webp": ("webp",),
    "image/heic": ("heic", "heif"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
}


def max_body_chars() -> int:
    return int(getattr(settings, "MESSAGING_MAX_BODY_CHARS", 10_000))


def edit_window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "MESSAGING_EDIT_WINDOW_MINUTES", 15)))


def enquiries_per_day() -> int:
    """New enquiries one client may start in 24 hours (spam and shopping-around control)."""
    return int(getattr(settings, "MESSAGING_ENQUIRIES_PER_DAY", 5))


def messages_per_minute() -> int:
    return int(getattr(settings, "MESSAGING_MESSAGES_PER_MINUTE", 30))


def attachment_max_bytes() -> int:
    return int(getattr(settings, "MESSAGING_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def attachment_types() -> dict[str, tuple[str, ...]]:
    types: dict[str, tuple[str, ...]] = getattr(
        settings, "MESSAGING_ATTACHMENT_TYPES", DEFAULT_ATTACHMENT_TYPES
    )
    return types


def notice_delay() -> timedelta:
    """How long a new-message email waits, so that a burst of messages becomes one email."""
    return timedelta(seconds=int(getattr(settings, "MESSAGING_NOTICE_DELAY_SECONDS", 300)))


def notice_interval() -> timedelta:
    """The least time between two new-message emails to one person."""
    return timedelta(minutes=int(getattr(settings, "MESSAGING_NOTICE_INTERVAL_MINUTES", 60)))


def presence_window() -> timedelta:
    """Someone seen on a conversation page this recently counts as online (no email)."""
    return timedelta(seconds=int(getattr(settings, "MESSAGING_PRESENCE_SECONDS", 90)))


def open_consultations_unverified() -> int:
    """Open consultations a practitioner not yet in good standing may have started: an
    account nobody has checked against a register could otherwise write to every colleague."""
    return int(getattr(settings, "MESSAGING_OPEN_CONSULTATIONS_UNVERIFIED", 2))


def consultations_per_day_unverified() -> int:
    """New consultations such a practitioner may start in 24 hours (closed ones count too)."""
    return int(getattr(settings, "MESSAGING_CONSULTATIONS_PER_DAY_UNVERIFIED", 3))


def consultations_per_day() -> int:
    """New consultations a practitioner in good standing may start in 24 hours."""
    return int(getattr(settings, "MESSAGING_CONSULTATIONS_PER_DAY", 20))
