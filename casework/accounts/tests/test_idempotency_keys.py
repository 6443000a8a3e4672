"""Idempotency-Keys are remembered long enough for any retry, then forgotten by the clock."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from casework.accounts import idempotency
from casework.accounts.models import IdempotencyKey, User

pytestmark = pytest.mark.django_db


def _remember(person: User, key: str, *, days_ago: float) -> None:
    idempotency.remember(
        person=person,
        operation="appointments.book",
        key=key,
        request={"slot_id": key},
        now=timezone.now() - timedelta(days=days_ago),
    )


@override_settings(IDEMPOTENCY_KEYS_KEPT_DAYS=7)
def test_keys_older_than_the_kept_days_are_forgotten_and_younger_ones_still_refuse(
    client_person: User,
) -> None:
    _remember(client_person, "old", days_ago=8)
    _remember(client_person, "recent", days_ago=6)

    out = StringIO()
    call_command("forget_idempotency_keys", stdout=out)

    assert out.getvalue().strip() == "1 idempotency keys forgotten"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    with pytest.raises(idempotency.KeyReused):
        idempotency.refuse_if_reused(
            person=client_person,
            operation="appointments.book",
            key="recent",
            request={"slot_id": "another"},
        )
    # Forgotten: the key is free again (the service still answers its first result).
    idempotency.refuse_if_reused(
        person=client_person,
        operation="appointments.book",
        key="old",
        request={"slot_id": "another"},
    )


def test_forgetting_goes_in_batches(client_person: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "FORGET_AT_ONCE", 2)
    for n in range(5):
        _remember(client_person, f"key-{n}", days_ago=30)

    assert idempotency.forget_old_keys(now=timezone.now()) == 5
    assert not IdempotencyKey.objects.exists()
