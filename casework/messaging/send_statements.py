"""The statements every send runs, written once as SQL.

A send asks the same few fixed questions each time, and building them through the ORM cost
several times what the database takes to answer them (issue 21: about 0.4 to 1 ms each against
a few hundredths on SQLite, most of a send's time). They are written here once, in the
standard SQL quoting SQLite and PostgreSQL both read, with every value a parameter; what they
decide stays in ``services.py``. ``tests/test_send_statements.py`` compares each with the
ORM's answer.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from casework.messaging.models import Conversation, Message

RATE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Standing:
    """Where a sender stands in a conversation before anything is locked."""

    blocked: dict[int, bool]  # each participant: whether they and the sender blocked each other
    recent: int  # the sender's messages in the last minute (the per-minute limit)
    earlier_conversation: uuid.UUID | None  # where the same send (its key) was stored before


@dataclass(frozen=True)
class Advanced:
    """The conversation's row as the send's own ``UPDATE`` left it (locked until commit)."""

    last_seq: int
    kind: str
    client_id: int | None
    practitioner_id: int | None
    client_jurisdiction_id: str | None
    auto_replied_until: datetime | None


def _uuid(value: uuid.UUID | None) -> uuid.UUID | str | None:
    """A UUID as the database keeps it (SQLite: 32 hex digits; PostgreSQL: its own type)."""
    if value is None:
        return None
    return value if connection.features.has_native_uuid_field else value.hex


def _moment(value: datetime) -> datetime | str | None:
    adapted: datetime | str | None = connection.ops.adapt_datetimefield_value(value)
    return adapted


def _read_uuid(value: object) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


def _read_moment(value: object) -> datetime | None:
    """A stored time as the ORM would read it (SQLite answers text in UTC)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    if moment is None:
        raise ValueError(f"not a stored time: {value!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, connection.timezone)


# Each participant, whether they and the sender blocked one another, the sender's messages in
# the last minute, and the conversation of a message the sender stored with this key before (the
# partial unique index of (sender, key) makes that one row at most; a NULL key matches none).
_STANDING = """
SELECT p.person_id,
       EXISTS (SELECT 1 FROM safety_block b
               WHERE (b.blocker_id = %s AND b.blocked_id = p.person_id)
                  OR (b.blocker_id = p.person_id AND b.blocked_id = %s)),
       (SELECT COUNT(*) FROM messaging_message r
        WHERE r.sender_id = %s AND r.kind = %s AND r.created_at >= %s),
       e.conversation_id
FROM messaging_participant p
LEFT JOIN messaging_message e ON e.sender_id = %s AND e.idempotency_key = %s
WHERE p.conversation_id = %s
"""


def standing(
    conversation_id: uuid.UUID, sender_id: int, now: datetime, key: uuid.UUID | None
) -> Standing | None:
    """One query; None when the conversation has nobody in it (then nobody may write)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _STANDING,
            [
                sender_id,
                sender_id,
                sender_id,
                Message.Kind.MESSAGE.value,
                _moment(now - RATE_WINDOW),
                sender_id,
                _uuid(key),
                _uuid(conversation_id),
            ],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    return Standing(
        blocked={person_id: bool(blocked) for person_id, blocked, _recent, _earlier in rows},
        recent=rows[0][2],
        earlier_conversation=_read_uuid(rows[0][3]),
    )


# The sender's row, locked: one person's sends queue on it. SQLite has no row locks (the
# transaction's BEGIN IMMEDIATE already queues every writer), so there the row is only read,
# as Django's select_for_update reads it.
_LOCK_SENDER = "SELECT id FROM accounts_user WHERE id = %s"
_LOCK_SENDER_FOR_UPDATE = _LOCK_SENDER + " FOR UPDATE"


def lock_sender(sender_id: int) -> None:
    locking = connection.features.has_select_for_update
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SENDER_FOR_UPDATE if locking else _LOCK_SENDER, [sender_id])
        cursor.fetchall()


# Under the sender's lock: the per-minute count again, and whether the same send was stored
# meanwhile (the conversation it went to).
_RECOUNT = """
SELECT (SELECT COUNT(*) FROM messaging_message
        WHERE sender_id = %s AND kind = %s AND created_at >= %s),
       (SELECT conversation_id FROM messaging_message
        WHERE sender_id = %s AND idempotency_key = %s)
"""


def recount(sender_id: int, now: datetime, key: uuid.UUID | None) -> tuple[int, bool]:
    """The sender's messages in the last minute, and whether this key was stored already."""
    with connection.cursor() as cursor:
        cursor.execute(
            _RECOUNT,
            [
                sender_id,
                Message.Kind.MESSAGE.value,
                _moment(now - RATE_WINDOW),
                sender_id,
                _uuid(key),
            ],
        )
        recent, earlier = cursor.fetchone()
    return recent, earlier is not None


# The next sequence number taken, and the conversation's row locked by the same statement, if
# it is still open: senders of one conversation queue here, so numbers are gapless and unique.
_ADVANCE = """
UPDATE messaging_conversation SET last_seq = last_seq + 1, last_message_at = %s
WHERE id = %s AND state = %s
RETURNING last_seq, kind, client_id, practitioner_id, client_jurisdiction_id, auto_replied_until
"""


def advance(conversation_id: uuid.UUID, now: datetime) -> Advanced | None:
    """The conversation's row after its counter moved on; None when it is not open (or gone)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _ADVANCE, [_moment(now), _uuid(conversation_id), Conversation.State.OPEN.value]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    last_seq, kind, client_id, practitioner_id, jurisdiction_id, auto_replied_until = row
    return Advanced(
        last_seq=last_seq,
        kind=kind,
        client_id=client_id,
        practitioner_id=practitioner_id,
        client_jurisdiction_id=jurisdiction_id,
        auto_replied_until=_read_moment(auto_replied_until),
    )


_READ_UP_TO = """
UPDATE messaging_participant SET last_read_seq = %s, last_seen_at = %s
WHERE conversation_id = %s AND person_id = %s
"""


def read_up_to(conversation_id: uuid.UUID, person_id: int, seq: int, now: datetime) -> None:
    """The sender has read everything up to their own new message."""
    with connection.cursor() as cursor:
        cursor.execute(_READ_UP_TO, [seq, _moment(now), _uuid(conversation_id), person_id])
