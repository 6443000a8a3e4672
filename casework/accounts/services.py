"""Account writes: preferences and sessions. Sign-up and sign-in run through django-allauth."""

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.usersessions.adapter import get_adapter as get_sessions_adapter
from allauth.usersessions.models import UserSession
from django.db import transaction
from django.http import HttpRequest

from casework.accounts import live
from casework.accounts.models import User
from casework.privacy.audit import record_event


def update_preferences(*, person: User, language: str, time_zone: str) -> None:
    with transaction.atomic():
        person.language, person.time_zone = language, time_zone
        person.full_clean(exclude=["password"])
        person.save(update_fields=["language", "time_zone"])
        record_event(
            action="account.preferences_changed",
            actor=person,
            target=person,
            subject_id=person.pk,
            detail={"language": language, "time_zone": time_zone},
        )


def end_sessions(*, request: HttpRequest, person: User, sessions: list[UserSession]) -> None:
    """Sign the given sessions of ``person`` out; their open pages are told at once."""
    if not sessions:
        return
    keys = [session.session_key for session in sessions]
    with transaction.atomic():
        for session in sessions:
            record_event(
                action="account.session_ended",
                actor=person,
                target=session,
                subject_id=person.pk,
                detail={"by": "owner"},
            )
        transaction.on_commit(lambda: live.announce_sessions_ended(keys))
    current = request.session.session_key in keys
    get_sessions_adapter().end_sessions(sessions)
    if current:
        get_account_adapter().logout(request)
