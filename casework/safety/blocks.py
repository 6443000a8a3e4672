"""Blocking: a person stops all contact with another. Services and the one question others ask."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.safety.models import Block

# The platform's own safety staff stay reachable: a block must not silence a moderator's warning
# or an administrator's notice.
UNBLOCKABLE_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})


def _between(first: User | int, second: int | OuterRef) -> Q:
    a = first.pk if isinstance(first, User) else first
    return Q(blocker_id=a, blocked_id=second) | Q(blocker_id=second, blocked_id=a)


def is_blocked_between(first: User | int, second: User | int) -> bool:
    """True when either person has blocked the other."""
    b = second.pk if isinstance(second, User) else second
    return Block.objects.filter(_between(first, b)).exists()


def blocked_with(person: User | int, other: OuterRef) -> Exists:
    """``is_blocked_between(person, other)`` as an expression on a column of the outer query
    (``OuterRef("person_id")``): asked of many people in the query that lists them."""
    return Exists(Block.objects.filter(_between(person, other)))


def has_blocked(blocker: User, blocked: User) -> bool:
    """True when ``blocker`` (not the other way round) has blocked ``blocked``."""
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def refuse_unless_blockable(blocker: User, blocked: User) -> None:
    """Say, before anything is asked, why ``blocker`` cannot block ``blocked``."""
    if blocker.pk == blocked.pk:
        raise ValidationError(_("You cannot block yourself."), code="self")
    if blocked.role in UNBLOCKABLE_ROLES:
        raise ValidationError(
            _(
                "Casework's moderators and administrators cannot be blocked. You can report a "
                "concern about them instead."
            ),
            code="staff",
        )


def block_person(*, blocker: User, blocked: User) -> Block:
    """``blocker`` stops all contact with ``blocked``, in both directions. What follows from it
    elsewhere (their open appointments cancelled) reacts to ``PersonBlocked``."""
    refuse_unless_blockable(blocker, blocked)
    with transaction.atomic():
        existing = Block.objects.filter(blocker=blocker, blocked=blocked).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                block = Block.objects.create(blocker=blocker, blocked=blocked)
        except IntegrityError:  # the same block made at the same moment elsewhere
            return Block.objects.get(blocker=blocker, blocked=blocked)
        record_event(
            action=actions.SAFETY_PERSON_BLOCKED, actor=blocker, target=block, subject_id=blocked.pk
        )
        emit(events.PersonBlocked(blocker_id=blocker.pk, blocked_id=blocked.pk))
    return block


def unblock_person(*, blocker: User, blocked_id: int) -> bool:
    """Lift ``blocker``'s block of ``blocked_id``; False when there was none."""
    with transaction.atomic():
        block = (
            Block.objects.select_for_update().filter(blocker=blocker, blocked_id=blocked_id).first()
        )
        if block is None:
            return False
        record_event(
            action=actions.SAFETY_PERSON_UNBLOCKED,
            actor=blocker,
            target=block,
            subject_id=blocked_id,
        )
        block.delete()
    return True


def blocked_by(person: User) -> list[Block]:
    return list(
        Block.objects.filter(blocker=person).select_related("blocked").order_by("-created_at")
    )
