"""Every write of messaging: starting conversations, sending, changing and reading messages.

Order inside ``send_message``: the text is checked, then the safety hook screens it (PRODUCT
C7), and only then is anything stored, in one transaction that also numbers the message and
writes the audit event. Live delivery and the email notice leave on commit: open pages are
told straight away by the committing process, and again by the events relay (``live.py``).
"""

import copy
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework.accounts.models import Role, User
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.messaging import live, nudges, office_hours, policy, send_statements
from casework.messaging.attachments import CheckedFile
from casework.messaging.consultation_limits import check_consultation_limits
from casework.messaging.models import (
    Attachment,
    Conversation,
    Message,
    MessageRevision,
    Participant,
)
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import Jurisdiction
from casework.registry.standing import in_good_standing
from casework.safety.blocks import blocked_with, is_blocked_between
from casework.safety.restrictions import RESTRICTED_MESSAGE, is_hidden, is_restricted
from casework.safety.screening import ScreeningResult, screen_message
from casework.vault.crypto import seal, unseal
from casework.vault.services import create_data_key

MODERATING_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})
# Characters that change how the text around them is displayed (bidirectional overrides and
# isolates) can disguise what a message says; ordinary direction marks (U+200E/F) stay allowed.
_DISGUISING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ConversationExists(Exception):
    """The two people already have an open conversation of this kind: go there instead."""

    def __init__(self, conversation: Conversation) -> None:
        super().__init__(str(conversation.pk))
        self.conversation = conversation


# ---------------------------------------------------------------------------------------------
# Checks shared by every write


def clean_body(raw: str, *, has_files: bool = False) -> str:
    """The message text as it will be stored, or a ValidationError saying what is wrong."""
    if not isinstance(raw, str):
        raise ValidationError(_("The message must be text."), code="invalid")
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text and not has_files:
        raise ValidationError(_("Write a message, or attach a file."), code="empty")
    limit = policy.max_body_chars()
    if len(text) > limit:
        raise ValidationError(
            ngettext(
                "A message can be at most %(limit)d character long (this one has %(length)d).",
                "A message can be at most %(limit)d characters long (this one has %(length)d).",
                limit,
            )
            % {"limit": limit, "length": len(text)},
            code="too_long",
        )
    if "\ufffd" in text:
        # What the browser sent was not valid UTF-8 (Django replaced the broken bytes).
        raise ValidationError(
            _("Part of the message could not be read. Please type it again."), code="encoding"
        )
    for char in text:
        if char in "\n\t":
            continue
        if unicodedata.category(char) == "Cc" or char in _DISGUISING:
            raise ValidationError(
                _("The message contains invisible control characters. Please remove them."),
                code="control_characters",
            )
    return text


def _email_verified(person: User) -> bool:
    verified: bool = EmailAddress.objects.filter(user=person, verified=True).exists()
    return verified


def _check_can_write(conversation: Conversation, sender: User) -> list[int]:
    """The other participants' ids, once it is clear ``sender`` may write here."""
    # Whether each participant and the sender blocked one another, in the same query.
    participants = Participant.objects.filter(conversation=conversation).annotate(
        blocked=blocked_with(sender, OuterRef("person_id"))
    )
    return _may_write(conversation, sender, dict(participants.values_list("person_id", "blocked")))


def _may_write(conversation: Conversation, sender: User, blocked: dict[int, bool]) -> list[int]:
    """The other participants' ids, given each participant's block with ``sender``; or the
    ValidationError saying why ``sender`` may not write here. The one place that decides
    whether a block stops ``sender`` (every write asks the blocks alike, staff's too)."""
    if sender.pk not in blocked:
        raise ValidationError(_("You are not part of this conversation."), code="not_participant")
    if not conversation.is_open:
        raise ValidationError(_("This conversation is closed."), code="closed")
    others = [pk for pk in blocked if pk != sender.pk]
    # A block never silences the platform's own staff.
    if sender.role not in MODERATING_ROLES and any(blocked[other] for other in others):
        raise ValidationError(
            _("Messages between you and this person are blocked."), code="blocked"
        )
    return others


def _refuse_over_rate(recent: int) -> None:
    if recent >= policy.messages_per_minute():
        raise ValidationError(
            _("You are sending messages very quickly. Please wait a minute and try again."),
            code="rate_limited",
        )


def _screen(sender: User, conversation: Conversation, text: str) -> ScreeningResult:
    if not text:
        return ScreeningResult()
    result = screen_message(sender=sender, conversation=conversation, text=text)
    if result.blocked:
        record_event(
            action=actions.MESSAGING_MESSAGE_REFUSED,
            actor=sender,
            target=conversation,
            detail={"categories": result.categories},
        )
        raise ValidationError(" ".join(result.block_reasons), code="refused_by_safety_check")
    return result


# ---------------------------------------------------------------------------------------------
# Conversations


def _create_conversation(
    *,
    kind: str,
    started_by: User,
    people: Sequence[User],
    client: User | None = None,
    practitioner: User | None = None,
    client_jurisdiction: Jurisdiction | None = None,
) -> Conversation:
    conversation_id = uuid.uuid4()
    conversation = Conversation(
        id=conversation_id,
        kind=kind,
        started_by=started_by,
        client=client,
        practitioner=practitioner,
        client_jurisdiction=client_jurisdiction,
        data_key=create_data_key(owner=f"conversation:{conversation_id}"),
    )
    conversation.save(force_insert=True)
    Participant.objects.bulk_create(
        Participant(conversation=conversation, person=person) for person in people
    )
    record_event(
        action=actions.MESSAGING_CONVERSATION_STARTED,
        actor=started_by,
        target=conversation,
        subject_id=client.pk if client else None,
        detail={"kind": kind},
    )
    return conversation


def _open_between(kind: str, first: User, second: User) -> Conversation | None:
    return (
        Conversation.objects.filter(kind=kind, state=Conversation.State.OPEN)
        .filter(participants__person=first)
        .filter(participants__person=second)
        .first()
    )


NOT_TAKING_ENQUIRIES = _("This practitioner is not taking enquiries.")


def check_takes_enquiries(practitioner: User) -> None:
    """The one rule of who takes new enquiries, for the start page and ``start_enquiry`` alike:
    an active practitioner whom a register lets practise now (the directory's and booking's
    standing: a regulator's suspension of the listing stops enquiries at once) and whom no
    moderator's decision in force restricts. Raises a ValidationError saying why not."""
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError(_("Enquiries go from a client to a practitioner."), code="roles")
    if not practitioner.is_active:
        raise ValidationError(NOT_TAKING_ENQUIRIES, code="inactive")
    if not in_good_standing(practitioner):
        raise ValidationError(
            _(
                "This practitioner is not taking enquiries: their registration does not let "
                "them practise on Casework now."
            ),
            code="not_in_good_standing",
        )
    if is_restricted(practitioner):  # a moderator's decision: no new enquiries for now
        raise ValidationError(NOT_TAKING_ENQUIRIES, code="inactive")


def takes_enquiries(practitioner: User) -> bool:
    try:
        check_takes_enquiries(practitioner)
    except ValidationError:
        return False
    return True


def start_enquiry(
    *,
    client: User,
    practitioner: User,
    client_jurisdiction: Jurisdiction | None,
    body: str,
    files: Sequence[CheckedFile] = (),
    nudge: bool = False,
    idempotency_key: uuid.UUID | None = None,
) -> Conversation:
    """A client's first message to a practitioner, before any case: one open enquiry per pair.
    With ``nudge``, a flagged first message raises ``nudges.FlaggedDraft`` and nothing starts."""
    if client.role != Role.CLIENT:
        raise ValidationError(_("Enquiries go from a client to a practitioner."), code="roles")
    check_takes_enquiries(practitioner)
    if not _email_verified(client):
        raise ValidationError(
            _("Please confirm your email address before you send messages."), code="unverified"
        )
    for kind in (Conversation.Kind.CASE, Conversation.Kind.ENQUIRY):
        existing = Conversation.objects.filter(
            kind=kind, state=Conversation.State.OPEN, client=client, practitioner=practitioner
        ).first()
        if existing is not None:
            raise ConversationExists(existing)
    if is_blocked_between(client, practitioner):
        raise ValidationError(
            _("Messages between you and this person are blocked."), code="blocked"
        )
    if is_restricted(client):
        raise ValidationError(str(RESTRICTED_MESSAGE), code="restricted")
    clean_body(body, has_files=bool(files))
    since = timezone.now() - timedelta(days=1)
    started = Conversation.objects.filter(
        kind__in=[Conversation.Kind.ENQUIRY, Conversation.Kind.CASE],
        started_by=client,
        created_at__gte=since,
    ).count()
    if started >= policy.enquiries_per_day():
        raise ValidationError(
            _(
                "You have started several enquiries today. Please wait for replies, or try "
                "again tomorrow."
            ),
            code="rate_limited",
        )
    try:
        with transaction.atomic():
            conversation = _create_conversation(
                kind=Conversation.Kind.ENQUIRY,
                started_by=client,
                people=[client, practitioner],
                client=client,
                practitioner=practitioner,
                client_jurisdiction=client_jurisdiction,
            )
            send_message(
                conversation=conversation,
                sender=client,
                body=body,
                files=files,
                nudge=nudge,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # Two enquiries raced past the check above; the database kept one of them.
        existing = Conversation.objects.filter(
            kind=Conversation.Kind.ENQUIRY,
            state=Conversation.State.OPEN,
            client=client,
            practitioner=practitioner,
        ).first()
        if existing is None:
            raise
        raise ConversationExists(existing) from None
    return conversation


def start_consultation(
    *,
    practitioner: User,
    colleague: User,
    body: str,
    files: Sequence[CheckedFile] = (),
    nudge: bool = False,
    idempotency_key: uuid.UUID | None = None,
) -> Conversation:
    """Practitioners consulting each other, about de-identified situations. With ``nudge``, a
    flagged first message raises ``nudges.FlaggedDraft`` and nothing starts (as an enquiry)."""
    if practitioner.role != Role.PRACTITIONER or colleague.role != Role.PRACTITIONER:
        raise ValidationError(_("Consultations are between practitioners."), code="roles")
    if practitioner.pk == colleague.pk:
        raise ValidationError(_("You cannot consult yourself."), code="self")
    existing = _open_between(Conversation.Kind.CONSULTATION, practitioner, colleague)
    if existing is not None:
        raise ConversationExists(existing)
    if is_blocked_between(practitioner, colleague):
        raise ValidationError(
            _("Messages between you and this person are blocked."), code="blocked"
        )
    clean_body(body, has_files=bool(files))
    with transaction.atomic():
        check_consultation_limits(practitioner)
        conversation = _create_conversation(
            kind=Conversation.Kind.CONSULTATION,
            started_by=practitioner,
            people=[practitioner, colleague],
        )
        send_message(
            conversation=conversation,
            sender=practitioner,
            body=body,
            files=files,
            nudge=nudge,
            idempotency_key=idempotency_key,
        )
    return conversation


def start_moderator_conversation(
    *, moderator: User, person: User, body: str, files: Sequence[CheckedFile] = ()
) -> Conversation:
    """Trust and safety staff writing to someone (about a report, a warning, an appeal)."""
    if moderator.role not in MODERATING_ROLES:
        raise ValidationError(_("Only moderators start these conversations."), code="roles")
    if moderator.pk == person.pk:
        raise ValidationError(_("You cannot write to yourself."), code="self")
    existing = _open_between(Conversation.Kind.MODERATION, moderator, person)
    if existing is not None:
        raise ConversationExists(existing)
    clean_body(body, has_files=bool(files))
    with transaction.atomic():
        conversation = _create_conversation(
            kind=Conversation.Kind.MODERATION,
            started_by=moderator,
            people=[moderator, person],
        )
        send_message(conversation=conversation, sender=moderator, body=body, files=files)
    return conversation


def open_case_conversation(
    *,
    client: User,
    practitioner: User,
    actor: User,
    client_jurisdiction: Jurisdiction | None = None,
) -> Conversation:
    """The conversation of a case (called by the care app when a case starts).

    An open enquiry between the two becomes the case conversation, keeping its history; an open
    case conversation is returned as it is; otherwise a new, empty one starts.
    """
    if client.role != Role.CLIENT or practitioner.role != Role.PRACTITIONER:
        raise ValidationError(_("A case joins a client and a practitioner."), code="roles")
    with transaction.atomic():
        pair = Conversation.objects.select_for_update().filter(
            state=Conversation.State.OPEN, client=client, practitioner=practitioner
        )
        case = pair.filter(kind=Conversation.Kind.CASE).first()
        if case is not None:
            return case
        enquiry = pair.filter(kind=Conversation.Kind.ENQUIRY).first()
        if enquiry is not None:
            enquiry.kind = Conversation.Kind.CASE
            if client_jurisdiction is not None:
                enquiry.client_jurisdiction = client_jurisdiction
            enquiry.save(update_fields=["kind", "client_jurisdiction"])
            record_event(
                action=actions.MESSAGING_ENQUIRY_BECAME_CASE,
                actor=actor,
                target=enquiry,
                subject_id=client.pk,
            )
            return enquiry
        return _create_conversation(
            kind=Conversation.Kind.CASE,
            started_by=actor,
            people=[client, practitioner],
            client=client,
            practitioner=practitioner,
            client_jurisdiction=client_jurisdiction,
        )


def close_conversation(
    *, conversation: Conversation, actor: User, closing_case: bool = False
) -> Conversation:
    """Close a conversation to new messages. A case conversation closes with its case only."""
    if conversation.kind == Conversation.Kind.CASE and not closing_case:
        raise ValidationError(
            _("A case conversation closes when the case closes."), code="case_conversation"
        )
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if not closing_case and not locked.participants.filter(person=actor).exists():
            raise ValidationError(
                _("You are not part of this conversation."), code="not_participant"
            )
        if not locked.is_open:
            return locked
        locked.state = Conversation.State.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "closed_at"])
        record_event(action=actions.MESSAGING_CONVERSATION_CLOSED, actor=actor, target=locked)
        emit(events.ConversationClosed(conversation_id=str(locked.pk)))
    return locked


# ---------------------------------------------------------------------------------------------
# Messages


def _append(
    conversation: Conversation,
    *,
    sender: User,
    body: str,
    kind: str,
    now: datetime,
    screening: ScreeningResult | None = None,
    seq: int,
    idempotency_key: uuid.UUID | None = None,
) -> Message:
    """Store message number ``seq`` in a conversation whose row the caller locked and whose
    counter the caller moved to ``seq``."""
    message = Message(
        conversation=conversation,
        sender=sender,
        seq=seq,
        kind=kind,
        created_at=now,
        idempotency_key=idempotency_key,
        safety=(
            Message.Safety.FLAGGED if screening and screening.flagged else Message.Safety.CLEAR
        ),
        safety_categories=screening.categories if screening else [],
    )
    message.body = body
    message.save(force_insert=True)
    return message


def _attach(message: Message, checked: CheckedFile) -> Attachment:
    attachment = Attachment(
        message=message, content_type=checked.content_type, size=len(checked.content)
    )
    attachment.sealed_content = seal(
        message.conversation.data_key, checked.content, context=attachment_context(attachment)
    )
    attachment.name = checked.name
    attachment.save(force_insert=True)
    return attachment


def _hold_attachments(message: Message, stored: list[Attachment]) -> None:
    """Keep a new message's attachments on it, as ``prefetch_related`` would: whoever shows it
    next (the API's answer, ``rendering.attachments_of``) need not ask for what was just
    stored, and no one else adds to a message."""
    attachments = message.attachments.all()
    attachments._result_cache = stored
    attachments._prefetch_done = True  # type: ignore[attr-defined]
    message._prefetched_objects_cache = {"attachments": attachments}  # type: ignore[attr-defined]


def attachment_context(attachment: Attachment) -> str:
    return f"messaging.attachment:{attachment.pk}"


def open_attachment(*, attachment: Attachment, person: User) -> bytes:
    """The attachment's bytes, unsealed for ``person``, who opened it (recorded). Access (a
    participant, the message neither deleted nor hidden) is checked by the caller through
    ``access.get_attachment_for_person``."""
    conversation = attachment.message.conversation
    content = unseal(
        conversation.data_key,
        bytes(attachment.sealed_content),
        context=attachment_context(attachment),
    )
    record_event(
        action=actions.MESSAGING_ATTACHMENT_OPENED,
        actor=person,
        target=attachment,
        detail={"conversation": str(conversation.pk)},
    )
    return content


def _auto_reply(conversation: Conversation, sender: User, now: datetime) -> None:
    """Outside the practitioner's office hours, answer the client once per closed period."""
    if conversation.kind not in (Conversation.Kind.ENQUIRY, Conversation.Kind.CASE):
        return
    if sender.pk != conversation.client_id or conversation.practitioner_id is None:
        return
    windows = office_hours.windows_with_practitioner(conversation.practitioner_id)
    if not windows:
        return
    practitioner = windows[0].practitioner
    reopens_at = office_hours.closed_period_of(windows, practitioner, now)
    if reopens_at is None or conversation.auto_replied_until == reopens_at:
        return
    text = office_hours.auto_reply_text(
        practitioner=practitioner,
        client=sender,
        jurisdiction_code=conversation.client_jurisdiction_id,
        reopens_at=reopens_at,
    )
    seq = conversation.last_seq + 1
    _append(
        conversation,
        sender=practitioner,
        body=text,
        kind=Message.Kind.AUTO_REPLY,
        now=now,
        seq=seq,
    )
    conversation.last_seq = seq
    conversation.auto_replied_until = reopens_at
    conversation.save(update_fields=["last_seq", "auto_replied_until"])


def _sent_before(
    conversation: Conversation, sender: User, idempotency_key: uuid.UUID | None
) -> Message | None:
    if idempotency_key is None:
        return None
    earlier = Message.objects.filter(sender=sender, idempotency_key=idempotency_key).first()
    if earlier is not None and earlier.conversation_id != conversation.pk:
        raise ValidationError(
            _("This message was already sent in another conversation."), code="key_reused"
        )
    return earlier


def send_message(
    *,
    conversation: Conversation,
    sender: User,
    body: str,
    files: Sequence[CheckedFile] = (),
    idempotency_key: uuid.UUID | None = None,
    nudge: bool = False,
    on_stored: Callable[[Message], None] | None = None,
) -> Message:
    """Store a message and tell the others. A send retried with the same ``idempotency_key``
    (a lost response, a double submit) returns the message the first one stored.

    ``on_stored`` is called with the new message inside the send's transaction, last, so that
    what it writes commits with the message or not at all (the API keeps its request's
    ``Idempotency-Key`` there); it is not called for a message returned from before.

    With ``nudge`` (pages and the API, unless the sender chose to send anyway), a flagged
    draft is not stored: ``nudges.FlaggedDraft`` says why, and the same send again without
    ``nudge`` stores it (see ``nudges``).

    Before anything is locked, one query (``send_statements.standing``) answers what the
    checks ask, which are then made in this order: the same send stored before (returned),
    the text, taking part, the conversation open, blocks, the per-minute limit; then the
    safety screen."""
    now = timezone.now()
    found = send_statements.standing(conversation.pk, sender.pk, now, idempotency_key)
    if found is None or found.earlier_conversation is not None:
        # Sent before (read in full only then), or nobody is in the conversation.
        earlier = _sent_before(conversation, sender, idempotency_key)
        if earlier is not None:
            return earlier
    try:
        return _send(
            conversation, sender, body, files, idempotency_key, nudge, now, found, on_stored
        )
    except IntegrityError:
        # The same send, racing this one, stored it first.
        earlier = _sent_before(conversation, sender, idempotency_key)
        if earlier is not None:
            return earlier
        raise


def _send(
    conversation: Conversation,
    sender: User,
    body: str,
    files: Sequence[CheckedFile],
    idempotency_key: uuid.UUID | None,
    nudge: bool,
    now: datetime,
    found: send_statements.Standing | None,
    on_stored: Callable[[Message], None] | None,
) -> Message:
    text = clean_body(body, has_files=bool(files))
    _may_write(conversation, sender, found.blocked if found else {})
    _refuse_over_rate(found.recent if found else 0)
    screening = _screen(sender, conversation, text)
    if nudge:
        nudges.hold_flagged_draft(
            sender=sender,
            conversation=conversation,
            text=text,
            screening=screening,
            idempotency_key=idempotency_key,
        )
    with transaction.atomic():
        # One person's sends queue on their own row, and the limit is counted again in turn:
        # counted only before, a burst of parallel sends all saw the same earlier total and
        # all got through. The same send may have been storing in parallel, and committed
        # while this one waited for the lock.
        send_statements.lock_sender(sender.pk)
        recent, stored_meanwhile = send_statements.recount(sender.pk, now, idempotency_key)
        _refuse_over_rate(recent)
        if stored_meanwhile and (earlier := _sent_before(conversation, sender, idempotency_key)):
            return earlier
        # The counter moves on and the row is locked in one statement: sequence numbers stay
        # gapless and unique under concurrent senders.
        advanced = send_statements.advance(conversation.pk, now)
        if advanced is None:
            Conversation.objects.get(pk=conversation.pk)  # gone: as the lock would have said
            raise ValidationError(_("This conversation is closed."), code="closed")
        locked = _as_locked(conversation, advanced, now)
        message = _append(
            locked,
            sender=sender,
            body=text,
            kind=Message.Kind.MESSAGE,
            now=now,
            seq=advanced.last_seq,
            screening=screening,
            idempotency_key=idempotency_key,
        )
        _hold_attachments(message, [_attach(message, checked) for checked in files])
        nudges.record_sent_flagged(
            message=message, text=text, screening=screening, idempotency_key=idempotency_key
        )
        send_statements.read_up_to(locked.pk, sender.pk, message.seq, now)
        record_event(
            action=actions.MESSAGING_MESSAGE_SENT,
            actor=sender,
            target=message,
            detail={
                "conversation": str(locked.pk),
                "seq": message.seq,
                "attachments": len(files),
                "safety": screening.categories,
            },
        )
        _auto_reply(locked, sender, now)
        emit(
            events.MessageSent(
                conversation_id=str(locked.pk), sender_id=sender.pk, seq=locked.last_seq
            )
        )
        live.new_messages_on_commit(locked.pk, locked.last_seq)
        if on_stored is not None:
            on_stored(message)
    conversation.last_seq = locked.last_seq
    conversation.last_message_at = locked.last_message_at
    return message


def _as_locked(
    conversation: Conversation, advanced: send_statements.Advanced, now: datetime
) -> Conversation:
    """The conversation as its locked row now is (the caller's copy is changed only once the
    send committed), keeping the data key the caller read with it."""
    locked = copy.copy(conversation)
    locked.last_seq = advanced.last_seq
    locked.last_message_at = now
    locked.kind = advanced.kind
    locked.client_id = advanced.client_id
    locked.practitioner_id = advanced.practitioner_id
    locked.client_jurisdiction_id = advanced.client_jurisdiction_id
    locked.auto_replied_until = advanced.auto_replied_until
    locked.state = Conversation.State.OPEN
    return locked


def _check_own_message(message: Message, person: User) -> None:
    if message.sender_id != person.pk or message.kind != Message.Kind.MESSAGE:
        raise ValidationError(_("You can only change your own messages."), code="not_yours")
    if message.is_deleted:
        raise ValidationError(_("This message was deleted."), code="deleted")


def can_still_edit(message: Message, now: datetime | None = None) -> bool:
    moment = now or timezone.now()
    return (
        message.kind == Message.Kind.MESSAGE
        and not message.is_deleted
        and moment - message.created_at <= policy.edit_window()
    )


def edit_message(*, message: Message, editor: User, body: str) -> Message:
    """Change a message within the edit window; the earlier text is kept as a revision."""
    _check_own_message(message, editor)
    now = timezone.now()
    if not can_still_edit(message, now):
        minutes = int(policy.edit_window().total_seconds() // 60)
        raise ValidationError(
            ngettext(
                "Messages can be changed for %(minutes)d minute after they are sent.",
                "Messages can be changed for %(minutes)d minutes after they are sent.",
                minutes,
            )
            % {"minutes": minutes},
            code="edit_window",
        )
    conversation = message.conversation
    _check_can_write(conversation, editor)
    has_files = message.attachments.exists()
    text = clean_body(body, has_files=has_files)
    if text == message.body:
        return message
    screening = _screen(editor, conversation, text)
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.conversation = conversation
        if locked.is_deleted:
            raise ValidationError(_("This message was deleted."), code="deleted")
        if is_hidden(locked.pk):
            # Changed while hidden, it would come back changed if an appeal overturned the
            # decision: the text the moderator and the appeal judged is the one that stays.
            raise ValidationError(
                _("A moderator hid this message, so it can no longer be changed."), code="hidden"
            )
        revision = MessageRevision(message=locked, replaced_at=now)
        revision.body = locked.body
        revision.save(force_insert=True)
        locked.body = text
        locked.edited_at = now
        if screening.flagged:
            locked.safety = Message.Safety.FLAGGED
            locked.safety_categories = sorted(
                set(locked.safety_categories) | set(screening.categories)
            )
        locked.save(update_fields=["body", "edited_at", "safety", "safety_categories"])
        nudges.record_edited_flagged(message=locked, text=text, screening=screening)
        record_event(
            action=actions.MESSAGING_MESSAGE_EDITED,
            actor=editor,
            target=locked,
            detail={"conversation": str(conversation.pk), "seq": locked.seq},
        )
        emit(events.MessageChanged(conversation_id=str(conversation.pk), seq=locked.seq))
        live.changed_message_on_commit(conversation.pk, locked.seq)
    return locked


def delete_message(*, message: Message, person: User) -> Message:
    """Hide a message from everyone, leaving a tombstone in its place.

    The text is kept sealed as a revision, with any attachments, for safety reviews: a deleted
    threat can still be reported. Attachments of a deleted message are no longer served.
    """
    _check_own_message(message, person)
    conversation = message.conversation
    now = timezone.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.conversation = conversation
        if locked.is_deleted:
            return locked
        revision = MessageRevision(message=locked, replaced_at=now)
        revision.body = locked.body
        revision.save(force_insert=True)
        locked.body = ""
        locked.deleted_at = now
        locked.save(update_fields=["body", "deleted_at"])
        record_event(
            action=actions.MESSAGING_MESSAGE_DELETED,
            actor=person,
            target=locked,
            detail={"conversation": str(conversation.pk), "seq": locked.seq},
        )
        emit(events.MessageChanged(conversation_id=str(conversation.pk), seq=locked.seq))
        live.changed_message_on_commit(conversation.pk, locked.seq)
    return locked


def mark_read(*, conversation: Conversation, person: User, up_to: int | None = None) -> int:
    """Move ``person``'s read position forward (never back) and tell the other side."""
    last = (
        Conversation.objects.filter(pk=conversation.pk).values_list("last_seq", flat=True).first()
    )
    if last is None:
        return 0
    target = last if up_to is None else max(0, min(int(up_to), last))
    now = timezone.now()
    with transaction.atomic():
        moved = Participant.objects.filter(
            conversation=conversation, person=person, last_read_seq__lt=target
        ).update(last_read_seq=target, last_seen_at=now)
        if moved:
            emit(
                events.ConversationRead(
                    conversation_id=str(conversation.pk), person_id=person.pk, seq=target
                )
            )
            live.read_on_commit(conversation.pk, person.pk, target)
    if not moved:
        Participant.objects.filter(conversation=conversation, person=person).update(
            last_seen_at=now
        )
    return target


def touch_presence(*, conversation_id: uuid.UUID | str, person: User) -> None:
    """``person`` has this conversation open right now (no new-message email meanwhile)."""
    Participant.objects.filter(conversation_id=conversation_id, person=person).update(
        last_seen_at=timezone.now()
    )
