"""/api/v1 operations of messaging: the same services and participant checks as the pages."""

import hashlib
import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from casework.accounts import idempotency
from casework.accounts.idempotency import IdempotencyKeyHeader
from casework.accounts.models import User
from casework.accounts.tokens import person_auth
from casework.messaging import access, nudges, openings, queries, rendering, services
from casework.messaging.attachments import allowed_extensions_text
from casework.messaging.forms import EnquiryForm, MessageForm
from casework.messaging.models import Conversation, Message
from casework.problems import Error as Problem
from casework.problems import ErrorDetail, form_fields, problem
from casework.shell.converters import RowId, WholeNumber

router = Router(tags=["messaging"])


MAX_LIMIT = 200


class ConversationSchema(Schema):
    id: uuid.UUID
    kind: str = Field(description="enquiry, case, consultation or moderation")
    title: str
    open: bool
    unread: int
    last_seq: int = Field(description="The newest message's sequence number (0: none yet)")
    last_message_at: datetime | None
    url: str


class SenderSchema(Schema):
    id: int
    name: str


class AttachmentSchema(Schema):
    id: uuid.UUID
    name: str
    size: int
    content_type: str = Field(description="Read from the file's content, not its name")
    url: str


class MessageSchema(Schema):
    id: uuid.UUID
    seq: int = Field(description="1, 2, 3... within the conversation: the cursor")
    kind: str = Field(description="message or auto_reply")
    sender: SenderSchema
    mine: bool
    body: str = Field(description="Plain text; empty once deleted or hidden")
    deleted: bool
    hidden: bool = Field(
        description="A moderator hid it: its text and attachments are withheld from everyone"
    )
    edited: bool
    read: bool = Field(description="Your own message, read by the other side")
    sent_at: datetime
    attachments: list[AttachmentSchema]


class MessagesQuery(Schema):
    after: WholeNumber = Field(0, ge=0, description="Return messages with a larger `seq` than this")
    limit: WholeNumber = Field(100, ge=1, le=MAX_LIMIT)


class NewMessage(Schema):
    body: str = Field(description="Plain text, at most 10,000 characters")
    idempotency_key: uuid.UUID | None = Field(
        None,
        description="A new UUID for each message you mean to send: sending again with the same "
        "key (after a lost response) returns the message the first send stored",
    )
    send_anyway: bool = Field(
        False,
        description="Send a message the safety check flagged (answered 409 `flagged` without "
        "it): send the same body again with `send_anyway: true` and the `idempotency_key` the "
        "409 returned, after showing the sender its `reasons` and `safer_ways`",
    )


class FlaggedDraftDetail(ErrorDetail):
    categories: list[str] = Field(description="What was found, e.g. `off_platform_payment`")
    reasons: list[str] = Field(description="Why it was flagged, to show the sender")
    safer_ways: list[str] = Field(description="What to do instead, to show the sender")
    seen_by_moderators: bool = Field(
        description="A practitioner's draft that crosses a professional boundary reaches "
        "moderators whether or not it is sent"
    )
    idempotency_key: uuid.UUID = Field(
        description="Send again with this key (yours, or one chosen for you) and `send_anyway`"
    )


class FlaggedDraftProblem(Schema):
    """The one error shape, with code `flagged` and what the sender should see."""

    error: FlaggedDraftDetail


def _person(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):  # django_auth ran; this only narrows the type
        raise Http404
    return person


@router.get(
    "/conversations",
    response={200: list[ConversationSchema], 401: Problem},
    summary="Your conversations, newest first, with unread counts",
    auth=person_auth("messaging", "read"),
    url_name="messaging_conversations",
)
def list_conversations(request: HttpRequest) -> Status[object]:
    person = _person(request)
    return Status(
        200,
        [
            {
                "id": row.conversation.pk,
                "kind": row.conversation.kind,
                "title": rendering.title_for(row.conversation, row.others, person),
                "open": row.conversation.is_open,
                "unread": row.unread,
                "last_seq": row.conversation.last_seq,
                "last_message_at": row.conversation.last_message_at,
                "url": _messages_url(request, row.conversation),
            }
            for row in queries.inbox(person)
        ],
    )


class NewConversation(Schema):
    to: RowId = Field(
        description="Whom to write to: a practitioner's `id` from the directory (a client's "
        "enquiry, or a practitioner's consultation with a colleague)"
    )
    body: str = Field(description="The first message: plain text, at most 10,000 characters")
    where: str | None = Field(
        None,
        description="Where you are now, as a place code (e.g. `GB-ENG`): a client's enquiry "
        "needs it, so that the practitioner knows whether they may work with you there",
    )
    idempotency_key: uuid.UUID | None = Field(
        None, description="As for sending a message: a replay returns what the first stored"
    )
    send_anyway: bool = Field(
        False, description="Start with a message the safety check flagged, as for a send"
    )


class StartedSchema(Schema):
    conversation: ConversationSchema
    message: MessageSchema


class ConversationExistsDetail(ErrorDetail):
    conversation_id: uuid.UUID = Field(description="The open conversation: write there")
    url: str = Field(description="Its messages, where the message can be sent instead")


class ConversationExistsProblem(Schema):
    """The one error shape, with code `conversation_exists`: nothing was sent."""

    error: ConversationExistsDetail


def _messages_url(request: HttpRequest, conversation: Conversation) -> str:
    return request.build_absolute_uri(f"/api/v1/conversations/{conversation.pk}/messages")


def _started(request: HttpRequest, person: User, other: User, message: Message) -> Status[object]:
    conversation = message.conversation
    view = rendering.views_for([message], person, 0)[0]
    return Status(
        201,
        {
            "conversation": {
                "id": conversation.pk,
                "kind": conversation.kind,
                "title": rendering.title_for(conversation, [other], person),
                "open": conversation.is_open,
                "unread": 0,
                "last_seq": conversation.last_seq,
                "last_message_at": conversation.last_message_at,
                "url": _messages_url(request, conversation),
            },
            "message": rendering.payload(view),
        },
    )


@router.post(
    "/conversations",
    response={
        201: StartedSchema,
        400: Problem,
        401: Problem,
        404: Problem,
        409: ConversationExistsProblem | FlaggedDraftProblem,
        422: Problem,
        429: Problem,
    },
    summary="Write to someone for the first time",
    description="Starts an enquiry (a client to a practitioner who takes enquiries), a "
    "consultation (between practitioners) or a moderator's conversation, with its first "
    "message, under the same limits and safety checks as the page. One conversation of a kind "
    "is open between two people: when one is, nothing is sent and the answer is 409 "
    "`conversation_exists` naming it. Anyone else, or nobody, is 404.",
    auth=person_auth("messaging", "write"),
    url_name="messaging_start",
)
def start(
    request: HttpRequest,
    payload: NewConversation,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status[object]:
    person = _person(request)
    other = User.objects.filter(pk=payload.to).first()
    kind = access.kind_to_start(person, other) if other is not None else None
    if other is None or kind is None:
        return problem(404, _("There is nobody here you can write to."))
    operation = "conversations.start"
    sent = {"to": payload.to, "body": payload.body, "where": payload.where}
    refused = idempotency.refusal_if_reused(
        person=person, operation=operation, key=idempotency_key, request=sent
    )
    if refused is not None:
        return refused
    key = (
        idempotency.service_key(person, operation, idempotency_key)
        if idempotency_key is not None
        else payload.idempotency_key or uuid.uuid4()
    )
    # The page's form: the same rules for the text and the place.
    form_class = EnquiryForm if kind == Conversation.Kind.ENQUIRY else MessageForm
    form = form_class({"body": payload.body, "where": payload.where or "", "idempotency_key": key})
    if not form.is_valid():
        return problem(400, _form_refusal(form), fields=form_fields(form.errors))
    try:
        conversation = _start(kind, person, other, form, key, nudge=not payload.send_anyway)
    except services.ConversationExists as exists:
        replayed = queries.sent_with_key(exists.conversation, person, key)
        if replayed is not None:
            return _started(request, person, other, replayed)
        return problem(
            409,
            _("You already have an open conversation with this person: write there."),
            code="conversation_exists",
            conversation_id=exists.conversation.pk,
            url=_messages_url(request, exists.conversation),
        )
    except nudges.FlaggedDraft as draft:
        return _flagged(draft, key)
    except ValidationError as error:
        return _refused(error)
    if idempotency_key is not None:
        idempotency.remember(
            person=person,
            operation=operation,
            key=idempotency_key,
            request=sent,
            now=timezone.now(),
        )
    first = queries.messages_after(conversation.pk, 0, limit=1)
    return _started(request, person, other, first[0])


def _start(
    kind: str, person: User, other: User, form: MessageForm, key: uuid.UUID, *, nudge: bool
) -> Conversation:
    body = form.cleaned_data["body"]
    if kind == Conversation.Kind.ENQUIRY:
        return services.start_enquiry(
            client=person,
            practitioner=other,
            client_jurisdiction=form.cleaned_data["where"],
            body=body,
            nudge=nudge,
            idempotency_key=key,
        )
    if kind == Conversation.Kind.CONSULTATION:
        return services.start_consultation(
            practitioner=person, colleague=other, body=body, nudge=nudge, idempotency_key=key
        )
    return services.start_moderator_conversation(moderator=person, person=other, body=body)


def _form_refusal(form: MessageForm) -> str:
    return " ".join(str(m) for messages in form.errors.values() for m in messages)


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: list[MessageSchema], 401: Problem, 404: Problem},
    summary="Messages after a cursor, oldest first",
    description="Page with `after`: pass the last `seq` you hold to get what came since.",
    auth=person_auth("messaging", "read"),
    url_name="messaging_messages",
)
def list_messages(
    request: HttpRequest, conversation_id: str, query: Query[MessagesQuery]
) -> Status[object]:
    person = _person(request)
    conversation = access.find_conversation_for_person(person, conversation_id)
    if conversation is None:
        return problem(404, _("No such conversation."))
    found = queries.messages_after(conversation.pk, query.after, limit=query.limit)
    openings.record_opening(conversation=conversation, person=person, way="api")
    read = queries.read_by_others(conversation.pk, person)
    return Status(
        200, [rendering.payload(view) for view in rendering.views_for(found, person, read)]
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    response={
        201: MessageSchema,
        400: Problem,
        401: Problem,
        404: Problem,
        409: FlaggedDraftProblem,
        422: Problem,
        429: Problem,
    },
    summary="Send a message",
    description="A message the safety check flags (payment outside Casework, a personal "
    "channel, harassment...) is not sent at first: the answer is 409 with the reasons and the "
    "safer way for the sender, who may change it or send it anyway (`send_anyway`). A card "
    "number is refused outright (400).",
    auth=person_auth("messaging", "write"),
    url_name="messaging_send",
)
def send(
    request: HttpRequest,
    conversation_id: str,
    payload: NewMessage,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status[object]:
    person = _person(request)
    conversation = access.find_conversation_for_person(person, conversation_id)
    if conversation is None:
        return problem(404, _("No such conversation."))
    sent = {"conversation": str(conversation.pk), "body": payload.body}
    refused = idempotency.refusal_if_reused(
        person=person, operation="messages.send", key=idempotency_key, request=sent
    )
    if refused is not None:
        return refused
    # The nudge and the send anyway that follows are one send: without a key of the caller's,
    # this one is chosen for both and returned with the 409.
    key = (
        idempotency.service_key(person, "messages.send", idempotency_key)
        if idempotency_key is not None
        else payload.idempotency_key or uuid.uuid4()
    )
    try:
        message, just_sent = _send_keeping_key(
            person,
            "messages.send",
            idempotency_key,
            sent,
            conversation=conversation,
            body=payload.body,
            idempotency_key=key,
            nudge=not payload.send_anyway,
        )
    except nudges.FlaggedDraft as draft:
        return _flagged(draft, key)
    except ValidationError as error:
        return _refused(error)
    view = rendering.views_for([message], person, 0, just_sent=just_sent)[0]
    return Status(201, rendering.payload(view))


def _send_keeping_key(
    person: User, operation: str, header_key: str | None, sent: object, **send: Any
) -> tuple[Message, bool]:
    """``services.send_message`` by ``person``, with the request's ``Idempotency-Key`` kept in
    the send's own transaction: the key and the message commit together, or neither does. The
    message, and whether this request stored it (False: a replay, returned from before)."""
    stored: list[Message] = []

    def keep(message: Message) -> None:
        if header_key is not None:
            idempotency.keep(
                person=person, operation=operation, key=header_key, request=sent, now=timezone.now()
            )
        stored.append(message)

    message = services.send_message(sender=person, on_stored=keep, **send)
    if header_key is not None and not stored:
        # A replay. Its key was kept with the first send; this keeps one whose first send
        # committed before keys were kept with it (it does nothing when the key is there).
        idempotency.remember(
            person=person, operation=operation, key=header_key, request=sent, now=timezone.now()
        )
    return message, bool(stored)


class ListedAttachmentSchema(AttachmentSchema):
    download_url: str = Field(description="Where to download it here, with your token")


def _listed(request: HttpRequest, conversation_id: uuid.UUID, item: dict[str, Any]) -> Any:
    return {
        **item,
        "url": request.build_absolute_uri(item["url"]),
        "download_url": request.build_absolute_uri(
            reverse(
                "api:messaging_attachment",
                kwargs={"conversation_id": conversation_id, "attachment_id": item["id"]},
            )
        ),
    }


@router.get(
    "/conversations/{conversation_id}/messages/{message_id}/attachments",
    response={200: list[ListedAttachmentSchema], 401: Problem, 404: Problem},
    summary="A message's attachments",
    description="As the conversation page shows them: none for a message deleted by its "
    "sender or hidden by a moderator (their files are withheld with their text).",
    auth=person_auth("messaging", "read"),
    url_name="messaging_message_attachments",
)
def list_attachments(request: HttpRequest, conversation_id: str, message_id: str) -> Status[object]:
    person = _person(request)
    try:
        conversation = access.get_conversation_for_person(person, conversation_id)
        message = access.get_message_for_person(person, conversation, message_id)
    except Http404:
        return problem(404, _("No such message."))
    # The attachments' names are sealed with the conversation: reading them is an opening.
    openings.record_opening(conversation=conversation, person=person, way="api")
    view = rendering.views_for([message], person, 0)[0]
    attachments = rendering.payload(view)["attachments"]
    return Status(200, [_listed(request, conversation.pk, item) for item in attachments])


@router.get(
    "/conversations/{conversation_id}/attachments/{attachment_id}",
    response={200: None, 401: Problem, 404: Problem},
    summary="Download an attachment",
    description="The file as it was sent, for the people in the conversation only; each "
    "opening is recorded in the access log. A file of a deleted or hidden message answers 404.",
    auth=person_auth("messaging", "read"),
    url_name="messaging_attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, with the type read from its content when it was sent",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(
    request: HttpRequest, conversation_id: str, attachment_id: uuid.UUID
) -> HttpResponse | Status[object]:
    person = _person(request)
    try:
        conversation = access.get_conversation_for_person(person, conversation_id)
        attached = access.get_attachment_for_person(person, conversation, attachment_id)
    except Http404:
        return problem(404, _("No such attachment."))
    content = services.open_attachment(attachment=attached, person=person)
    response = HttpResponse(content, content_type=attached.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attached.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.post(
    "/conversations/{conversation_id}/messages/with-file",
    response={
        201: MessageSchema,
        400: Problem,
        401: Problem,
        404: Problem,
        409: FlaggedDraftProblem,
        422: Problem,
        429: Problem,
    },
    summary="Send a message with a file",
    description="A `multipart/form-data` request, as the conversation page sends: one file "
    f"({allowed_extensions_text()}, as read from its content, not its name; at most the size "
    "the conversation page states) with an optional text. The same checks as the page: a "
    "file refused answers 400 with the reason under `fields.file`; the safety check's 409 "
    "`flagged` as for a message without a file (send again with `send_anyway` and the same "
    "`Idempotency-Key` header, or the `idempotency_key` the 409 returned). The "
    "`Idempotency-Key` header works as for every send: a replay returns the first message, "
    "the same key with another text or file is refused (422). The form field "
    "`idempotency_key` (a UUID) is still taken, as the JSON send's body field is; the header "
    "wins when both are sent.",
    auth=person_auth("messaging", "write"),
    url_name="messaging_send_file",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "example": {"body": "Here is the letter from the school.", "file": "(binary)"}
                }
            }
        }
    },
)
def send_with_file(
    request: HttpRequest,
    conversation_id: str,
    file: File[UploadedFile | None] = None,
    body: Form[str] = "",
    idempotency_key: Form[uuid.UUID | None] = None,
    send_anyway: Form[bool] = False,
    header_key: IdempotencyKeyHeader = None,
) -> Status[object]:
    person = _person(request)
    conversation = access.find_conversation_for_person(person, conversation_id)
    if conversation is None:
        return problem(404, _("No such conversation."))
    if file is None:
        # Checked here rather than by the schema, so that a conversation that is not the
        # caller's answers 404 whatever the request holds.
        refusal = _("Attach a file (the `file` part), or send the message without one as JSON.")
        return problem(400, refusal, fields={"file": [refusal]})
    operation = "messages.send_file"
    key = (
        idempotency.service_key(person, operation, header_key)
        if header_key is not None
        else idempotency_key or uuid.uuid4()
    )
    form = MessageForm({"body": body, "idempotency_key": str(key)}, {"attachment": file})
    if not form.is_valid():
        fields = {
            {"attachment": "file", "__all__": "__all__"}.get(name, name): [str(m) for m in errors]
            for name, errors in form.errors.items()
        }
        return problem(
            400, " ".join(m for messages in fields.values() for m in messages), fields=fields
        )
    sent = {
        "conversation": str(conversation.pk),
        "body": body,
        "file": _digest(file),
        "name": file.name or "",
    }
    refused = idempotency.refusal_if_reused(
        person=person, operation=operation, key=header_key, request=sent
    )
    if refused is not None:
        return refused
    try:
        message, just_sent = _send_keeping_key(
            person,
            operation,
            header_key,
            sent,
            conversation=conversation,
            body=form.cleaned_data["body"],
            files=form.files_to_send(),
            idempotency_key=key,
            nudge=not send_anyway,
        )
    except nudges.FlaggedDraft as draft:
        return _flagged(draft, key)
    except ValidationError as error:
        return _refused(error)
    view = rendering.views_for([message], person, 0, just_sent=just_sent)[0]
    return Status(201, rendering.payload(view))


def _digest(upload: UploadedFile) -> str:
    """The file's SHA-256: what tells a replay of this send from another file under its key."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _flagged(draft: nudges.FlaggedDraft, key: uuid.UUID) -> Status[object]:
    """409 with the safety check's reasons and the key that sends the same draft anyway."""
    return problem(
        409,
        " ".join(draft.messages),
        code="flagged",
        categories=draft.categories,
        reasons=draft.reasons,
        safer_ways=draft.safer_ways,
        seen_by_moderators=draft.seen_by_moderators,
        idempotency_key=key,
    )


def _refused(error: ValidationError) -> Status[object]:
    status = 429 if getattr(error, "code", None) == "rate_limited" else 400
    return problem(status, " ".join(error.messages))
