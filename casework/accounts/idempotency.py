"""``Idempotency-Key`` on API writes (bookings, message sends).

The services are idempotent already: each takes a UUID and returns what the first call with it
stored. The header is turned into that UUID (the same for the same person, operation and key),
so a replay returns the first result through the service itself. What this module adds is the
refusal of a key reused with a different request (422), by a keyed hash of the request kept
once the write succeeded (a failed write keeps nothing, so a corrected retry may use its key):
inside the write's own transaction where the service offers it (``keep``, a message send), so
that the key and what it made commit together, or just after it (``remember``).

The hashes are kept ``IDEMPOTENCY_KEYS_KEPT_DAYS`` (``forget_idempotency_keys``, daily), long
past any client's retries. A key used again after that still returns the first result (that is
the service's UUID), but a different request with it is no longer refused: it would act.
"""

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from ninja import Status
from ninja.params import HeaderEx, P

from casework.accounts.models import IdempotencyKey, User
from casework.problems import problem
from casework.shell.batches import delete_in_batches

HEADER_DESCRIPTION = (
    "Any unique string (a UUID is best), up to 255 characters: sending the same request again "
    "with the same key returns the first result instead of acting twice; the same key with a "
    "different request is refused (422 `idempotency_key_reused`)."
)
LONGEST_KEY = 255
_NAMESPACE = uuid.UUID("6f2d8a0e-3b1c-4c57-9a44-2b1f0f1f9e21")


# An API write's optional ``Idempotency-Key`` header, as every operation that takes one declares it.
IdempotencyKeyHeader = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        min_length=1,
        max_length=LONGEST_KEY,
        description=HEADER_DESCRIPTION,
    ),
]


class KeyReused(ValueError):
    """The key came with another request before."""


def service_key(person: User, operation: str, key: str) -> uuid.UUID:
    """The UUID the service is given for this person's key on this operation."""
    return uuid.uuid5(_NAMESPACE, f"{person.pk}:{operation}:{key}")


def fingerprint(operation: str, request: object) -> str:
    canonical = json.dumps([operation, request], sort_keys=True, default=str)
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, canonical.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


# Written once as SQL: every keyed write asks it, and building it through the ORM cost about ten
# times the database's answer (issue 21). The unique constraint makes it one row at most.
_EARLIER = (
    "SELECT fingerprint FROM accounts_idempotencykey "
    'WHERE person_id = %s AND operation = %s AND "key" = %s'
)


def refuse_if_reused(*, person: User, operation: str, key: str, request: object) -> None:
    """Raise KeyReused when ``key`` succeeded before with a different request."""
    with connection.cursor() as cursor:
        cursor.execute(_EARLIER, [person.pk, operation, key])
        row = cursor.fetchone()
    earlier = row[0] if row is not None else None
    if earlier is not None and not hmac.compare_digest(earlier, fingerprint(operation, request)):
        raise KeyReused(key)


def refusal_if_reused(
    *, person: User, operation: str, key: str | None, request: object
) -> Status[object] | None:
    """The API's answer (422 ``idempotency_key_reused``) when ``key`` succeeded before with a
    different request; None when there is no key or it may be used."""
    if key is None:
        return None
    try:
        refuse_if_reused(person=person, operation=operation, key=key, request=request)
    except KeyReused:
        return problem(
            422,
            _("This Idempotency-Key came with a different request: use a new key."),
            code="idempotency_key_reused",
            fields={"header.Idempotency-Key": [_("Used before with another request.")]},
        )
    return None


def remember(*, person: User, operation: str, key: str, request: object, now: datetime) -> None:
    """Keep the key and its request's hash after the write succeeded, in a transaction of its
    own (a race keeps the first)."""
    with transaction.atomic():
        keep(person=person, operation=operation, key=key, request=request, now=now)


# A key kept twice (a race of the same send) keeps the first: the insert does nothing then,
# without an error that would end the write's transaction on PostgreSQL.
_KEEP = (
    'INSERT INTO accounts_idempotencykey (person_id, operation, "key", fingerprint, created_at) '
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)


def keep(*, person: User, operation: str, key: str, request: object, now: datetime) -> None:
    """``remember``, inside the write's own transaction (its caller's): the key is kept exactly
    when what it made commits, and costs one statement instead of a transaction of its own."""
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency.keep outside the write's transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            _KEEP,
            [
                person.pk,
                operation,
                key,
                fingerprint(operation, request),
                connection.ops.adapt_datetimefield_value(now),
            ],
        )


# Keys removed per transaction.
FORGET_AT_ONCE = 1000


def forget_old_keys(*, now: datetime) -> int:
    """Remove the keys older than ``IDEMPOTENCY_KEYS_KEPT_DAYS``; how many went."""
    old = IdempotencyKey.objects.filter(
        created_at__lt=now - timedelta(days=settings.IDEMPOTENCY_KEYS_KEPT_DAYS)
    )
    return delete_in_batches(old, batch=FORGET_AT_ONCE)
