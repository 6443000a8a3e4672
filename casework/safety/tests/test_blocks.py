"""Blocking: one person stops all contact with another, both ways, until they lift it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.safety.blocks import block_person, blocked_by, is_blocked_between, unblock_person
from casework.safety.models import Block

pytestmark = pytest.mark.django_db


def test_a_block_works_both_ways_until_lifted(client_person: User, practitioner: User) -> None:
    block_person(blocker=client_person, blocked=practitioner)
    assert is_blocked_between(client_person, practitioner)
    assert is_blocked_between(practitioner.pk, client_person.pk)
    assert [b.blocked for b in blocked_by(client_person)] == [practitioner]
    # Only the one who blocked lifts it.
    assert not unblock_person(blocker=practitioner, blocked_id=client_person.pk)
    assert unblock_person(blocker=client_person, blocked_id=practitioner.pk)
    assert not is_blocked_between(client_person, practitioner)
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("seq"))
    assert actions[-2:] == ["safety.person_blocked", "safety.person_unblocked"]


def test_blocking_twice_is_one_block(client_person: User, practitioner: User) -> None:
    first = block_person(blocker=client_person, blocked=practitioner)
    assert block_person(blocker=client_person, blocked=practitioner) == first
    assert Block.objects.count() == 1


def test_nobody_blocks_themselves_or_the_moderators(client_person: User, moderator: User) -> None:
    with pytest.raises(ValidationError):
        block_person(blocker=client_person, blocked=client_person)
    with pytest.raises(ValidationError):
        block_person(blocker=client_person, blocked=moderator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=client_person, blocked=client_person)
