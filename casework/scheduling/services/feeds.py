"""Private calendar feeds: one live address per person, shown once, revocable."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.scheduling.calendar import new_feed_token, token_hash
from casework.scheduling.models import CalendarFeed


def create_calendar_feed(*, person: User) -> str:
    """A new feed address (its token, to show once); any earlier address stops working."""
    token = new_feed_token()
    with transaction.atomic():
        feed = _replace_live_feed(person, token_hash(token))
        record_event(
            action=actions.SCHEDULING_CALENDAR_FEED_CREATED,
            actor=person,
            target=feed,
            subject_id=person.pk,
        )
    return token


def _replace_live_feed(person: User, hashed: str) -> CalendarFeed:
    # A double submit races here: both requests revoke nothing and both insert, and the
    # database keeps one live feed per person (so the later insert fails). The later request
    # then does what it would have done had it come second: it revokes the other's feed, and
    # its own address is the one that works.
    tries_left = 3
    while True:
        tries_left -= 1
        _revoke(person)
        try:
            with transaction.atomic():
                return CalendarFeed.objects.create(person=person, token_hash=hashed)
        except IntegrityError:
            if not tries_left:
                raise


def revoke_calendar_feed(*, person: User) -> bool:
    with transaction.atomic():
        revoked = _revoke(person)
        if revoked:
            record_event(
                action=actions.SCHEDULING_CALENDAR_FEED_REVOKED, actor=person, subject_id=person.pk
            )
    return revoked


def _revoke(person: User) -> bool:
    return bool(
        CalendarFeed.objects.filter(person=person, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
