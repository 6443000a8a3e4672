"""Account writes: preferences, sessions and push subscriptions. Sign-up and sign-in run
through django-allauth."""

from datetime import datetime, timedelta

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.usersessions.adapter import get_adapter as get_sessions_adapter
from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from casework.accounts import live, push, tokens
from casework.accounts.models import ApiToken, PushSubscription, User
from casework.accounts.second_factor import has_second_factor
from casework.events.catalogue import SessionsEnded
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.vault.errors import VaultError
from casework.vault.services import data_key_for_owner


def update_preferences(*, person: User, language: str, time_zone: str) -> None:
    with transaction.atomic():
        person.language, person.time_zone = language, time_zone
        person.full_clean(exclude=["password"])
        person.save(update_fields=["language", "time_zone"])
        record_event(
            action=actions.ACCOUNT_PREFERENCES_CHANGED,
            actor=person,
            target=person,
            subject_id=person.pk,
            detail={"language": language, "time_zone": time_zone},
        )


def remember_place(*, person: User, code: str) -> None:
    """Keep where the person said they are (``registry.places.remember`` checks the code)."""
    with transaction.atomic():
        person.place = code
        person.save(update_fields=["place"])
        record_event(
            action=actions.ACCOUNT_PREFERENCES_CHANGED,
            actor=person,
            target=person,
            subject_id=person.pk,
            detail={"place": code},
        )


# What decides what a person may do on Casework.
ACCESS_FIELDS = ("role", "is_active", "is_staff", "is_superuser")


def change_access(*, person: User, actor: User, changes: dict[str, object]) -> User:
    """Change ``person``'s role, or whether they are active, staff or superuser: audited with
    the values before and after. The admin site changes these only through here."""
    unknown = sorted(set(changes) - set(ACCESS_FIELDS))
    if unknown:
        raise ValueError(f"Not an access field: {', '.join(unknown)}")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=person.pk)
        before = {name: getattr(locked, name) for name in changes}
        if before == changes:
            return locked
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        record_event(
            action=actions.ACCOUNT_ACCESS_CHANGED,
            actor=actor,
            target=locked,
            subject_id=locked.pk,
            detail={"before": before, "after": dict(changes)},
        )
    return locked


def change_groups(*, person: User, actor: User, before: set[str], after: set[str]) -> None:
    """Record a change of ``person``'s permission groups (saved by the admin site's form)."""
    if before == after:
        return
    record_event(
        action=actions.ACCOUNT_GROUPS_CHANGED,
        actor=actor,
        target=person,
        subject_id=person.pk,
        detail={"added": sorted(after - before), "removed": sorted(before - after)},
    )


def end_sessions(
    *, request: HttpRequest, person: User, sessions: list[UserSession], by: str = "owner"
) -> None:
    """Sign the given sessions of ``person`` out; their open pages and sockets are told at
    once. ``by`` says why, for the audit log: the owner, or what changed on the account."""
    if not sessions:
        return
    keys = [session.session_key for session in sessions]
    with transaction.atomic():
        for session in sessions:
            record_event(
                action=actions.ACCOUNT_SESSION_ENDED,
                actor=person,
                target=session,
                subject_id=person.pk,
                detail={"by": by},
            )
        # An outbox reaction: the sessions end whatever happens; with the channel layer down
        # the relay tells the open pages once it is back (they also learn it at their next
        # request).
        _emit_sessions_ended(person, keys)
    current = request.session.session_key in keys
    get_sessions_adapter().end_sessions(sessions)
    if current:
        get_account_adapter().logout(request)


def _emit_sessions_ended(person: User, keys: list[str]) -> None:
    # The groups, digests of the keys, are what the outbox keeps: never a session key.
    groups = tuple(live.session_group(key) for key in keys)
    emit(SessionsEnded(person_id=person.pk, groups=groups))


# What changed on an account that ends its other sessions: whoever held one of them (a
# stolen cookie, a shared computer) may be who the change is meant to shut out.
ACCOUNT_CHANGES = {
    "password_changed",
    "password_set",
    "password_reset",
    "password_set_by_admin",
    "email_added",
    "email_changed",
    "email_removed",
    "factor_removed",
}


def end_other_sessions(*, request: HttpRequest, person: User, change: str) -> None:
    """After ``change`` to ``person``'s account, end every session but this request's (all of
    them when the request has none of the person's, as after a password reset by email)."""
    if change not in ACCOUNT_CHANGES:
        raise ValueError(f"Not an account change: {change!r}")
    keep = request.session.session_key if request.user.is_authenticated else None
    # Not purge_and_list: a new password has already made the others stale, and purging would
    # forget them without ending them, their sockets still open. A row whose session is gone
    # (this one's former key, replaced as the password changed) has nothing left to end.
    others = []
    for session in UserSession.objects.filter(user_id=person.pk).exclude(session_key=keep or ""):
        if session.exists():
            others.append(session)
        else:
            session.delete()
    end_sessions(request=request, person=person, sessions=others, by=change)


def subscribe_to_push(
    *, person: User, endpoint: str, p256dh: str, auth: str
) -> tuple[PushSubscription, bool]:
    """Reminders on one more of ``person``'s devices; ``(subscription, created)``.

    Posting the same subscription again changes nothing. An endpoint is one browser's: if
    someone else subscribed it before (a shared computer), it moves to ``person``. Beyond
    ``MAX_SUBSCRIPTIONS_PER_PERSON`` devices, the one subscribed longest ago is dropped.
    """
    digest = push.endpoint_hash(endpoint)
    try:
        return _subscribe(person, digest, endpoint, p256dh, auth)
    except IntegrityError:
        # The same browser posted twice at once and the other request stored it first: this
        # time its row is found.
        return _subscribe(person, digest, endpoint, p256dh, auth)


def _subscribe(
    person: User, digest: str, endpoint: str, p256dh: str, auth: str
) -> tuple[PushSubscription, bool]:
    with transaction.atomic():
        existing = PushSubscription.objects.select_for_update().filter(endpoint_hash=digest).first()
        if existing is not None:
            if existing.person_id == person.pk and _same_keys(existing, p256dh, auth):
                return existing, False
            why = "renewed" if existing.person_id == person.pk else "moved"
            _remove(existing, actor=person, why=why)
        subscription = PushSubscription(
            person=person,
            data_key=data_key_for_owner(owner=f"person:{person.pk}"),
            endpoint_hash=digest,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
        )
        subscription.save(force_insert=True)
        record_event(
            action=actions.ACCOUNT_PUSH_SUBSCRIBED,
            actor=person,
            target=subscription,
            subject_id=person.pk,
            detail={"push_service": push.push_service_of(endpoint)},
        )
        others = (
            PushSubscription.objects.filter(person=person)
            .exclude(pk=subscription.pk)
            .order_by("-created_at", "-pk")
        )
        for oldest in list(others[push.MAX_SUBSCRIPTIONS_PER_PERSON - 1 :]):
            _remove(oldest, actor=person, why="limit")
    return subscription, True


def _same_keys(subscription: PushSubscription, p256dh: str, auth: str) -> bool:
    try:
        return (subscription.p256dh, subscription.auth) == (p256dh, auth)
    except VaultError:
        return False  # sealed under a destroyed key: store it afresh


def unsubscribe_from_push(*, person: User, subscription: PushSubscription) -> None:
    """``person`` stops reminders on one of their devices."""
    if subscription.person_id != person.pk:
        raise PermissionDenied("Only the person who subscribed can unsubscribe.")
    with transaction.atomic():
        _remove(subscription, actor=person, why="owner")


def remove_push_subscription(*, subscription: PushSubscription, why: str) -> None:
    """The system drops a subscription: the push service says it is gone, or it is unreadable."""
    with transaction.atomic():
        _remove(subscription, actor=None, why=why)


def _remove(subscription: PushSubscription, *, actor: User | None, why: str) -> None:
    deleted, _per_model = PushSubscription.objects.filter(pk=subscription.pk).delete()
    if deleted:
        record_event(
            action=actions.ACCOUNT_PUSH_UNSUBSCRIBED,
            actor=actor,
            target=subscription,
            subject_id=subscription.person_id,
            detail={"by": why},
        )


def suspend_account(*, person: User, actor: User, why: str) -> User:
    """Suspend ``person`` (a moderator's decision, ``why`` a machine word for the audit log):
    they can no longer sign in, and every session of theirs ends now, open pages told."""
    with transaction.atomic():
        suspended = change_access(person=person, actor=actor, changes={"is_active": False})
        record_event(
            action=actions.ACCOUNT_SUSPENDED,
            actor=actor,
            target=suspended,
            subject_id=suspended.pk,
            detail={"why": why},
        )
        sessions = list(UserSession.objects.filter(user_id=suspended.pk))
        keys = [session.session_key for session in sessions]
        for session in sessions:
            record_event(
                action=actions.ACCOUNT_SESSION_ENDED,
                actor=actor,
                target=session,
                subject_id=suspended.pk,
                detail={"by": "suspension"},
            )
        _emit_sessions_ended(suspended, keys)
        transaction.on_commit(lambda: get_sessions_adapter().end_sessions(sessions), robust=True)
    return suspended


def reinstate_account(*, person: User, actor: User, why: str) -> User:
    """Lift a suspension (an appeal overturned it): ``person`` may sign in again."""
    with transaction.atomic():
        reinstated = change_access(person=person, actor=actor, changes={"is_active": True})
        record_event(
            action=actions.ACCOUNT_REINSTATED,
            actor=actor,
            target=reinstated,
            subject_id=reinstated.pk,
            detail={"why": why},
        )
    return reinstated


# Personal access tokens for the API (casework.accounts.tokens).


class TokenRefused(ValueError):
    """A token that may not be made: the reason is for the person."""


def create_api_token(
    *, person: User, name: str, scopes: list[str], days: int, now: datetime
) -> tuple[ApiToken, str]:
    """Make a token and return it with its secret, which is shown once and never stored.
    Staff get one only with a second factor (the page also asks for it again)."""
    if person.is_staff_role and not has_second_factor(person):
        raise TokenRefused(_("Staff need a second factor before they make a token."))
    unknown = set(scopes) - tokens.ALL_SCOPES
    if not scopes or unknown:
        raise TokenRefused(_("Choose at least one area the token may use."))
    if days not in tokens.LIFETIMES:
        raise TokenRefused(_("Choose how long the token lasts."))
    secret = tokens.new_secret()
    with transaction.atomic():
        User.objects.select_for_update().get(pk=person.pk)  # one maker at a time per person
        live = ApiToken.objects.filter(
            person=person, revoked_at__isnull=True, expires_at__gt=now
        ).count()
        if live >= tokens.ACTIVE_TOKENS_AT_MOST:
            raise TokenRefused(
                _("You have %(count)d tokens: revoke one before you make another.")
                % {"count": live}
            )
        token = ApiToken.objects.create(
            person=person,
            name=name.strip()[:80],
            prefix=secret[: tokens.SHOWN_PREFIX_LENGTH],
            secret_hash=tokens.hash_of(secret),
            scopes=sorted(set(scopes)),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        record_event(
            action=actions.ACCOUNT_API_TOKEN_CREATED,
            actor=person,
            target=token,
            subject_id=person.pk,
            detail={"prefix": token.prefix, "scopes": token.scopes, "days": days},
        )
    return token, secret


def revoke_api_token(*, person: User, token: ApiToken, now: datetime) -> None:
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk, person=person)
        if locked.revoked_at is not None:
            return
        locked.revoked_at = now
        locked.save(update_fields=["revoked_at"])
        record_event(
            action=actions.ACCOUNT_API_TOKEN_REVOKED,
            actor=person,
            target=locked,
            subject_id=person.pk,
            detail={"prefix": locked.prefix},
        )


def note_api_token_use(*, token: ApiToken, now: datetime) -> None:
    """A request came with ``token``. Its last use is written at most once a minute, and its
    first use of each day goes into the audit log: enough to see which token acted and when,
    without a sealed audit row per request (what each request did to someone's record is
    audited by the service it calls, with the person as actor, as for the pages)."""
    if token.last_used_at is None or now - token.last_used_at >= tokens.USE_RECORDED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    today = now.date()
    if token.last_audited_on == today:
        return
    with transaction.atomic():
        first_today = (
            ApiToken.objects.filter(pk=token.pk)
            .exclude(last_audited_on=today)
            .update(last_audited_on=today)
        )
        if first_today:
            record_event(
                action=actions.ACCOUNT_API_TOKEN_USED,
                actor=token.person,
                target=token,
                subject_id=token.person_id,
                detail={"prefix": token.prefix},
            )
