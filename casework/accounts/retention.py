"""Ended sessions, for the retention task (``casework.privacy.retention``): a session past its
expiry is deleted, with allauth's record of it. Reports never list their keys."""

from collections.abc import Iterator
from datetime import datetime

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.utils.translation import gettext_lazy as _

from casework.privacy.retention.classes import Candidate, Words, removes


def expired_sessions(started_before: datetime) -> Iterator[Candidate]:
    found = Session.objects.filter(expire_date__lte=started_before).values_list(
        "session_key", "expire_date"
    )
    for key, expired_at in found.iterator():
        yield Candidate(object_id=key, jurisdiction=None, since=expired_at)


@removes(
    "expired_session",
    candidates=expired_sessions,
    words=Words(
        what=_("Sign-in sessions"),
        starts=_("from the moment the session ended"),
        removal=_("The session is deleted."),
    ),
    ids_listed=False,
)
def delete_expired_sessions(ids: list[str]) -> int:
    UserSession.objects.filter(session_key__in=ids).delete()
    deleted, _ = Session.objects.filter(session_key__in=ids).delete()
    return deleted
