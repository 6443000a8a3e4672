"""The OpenAPI links of /api/v1: where one operation's answer names what the next one takes
(a booked appointment, then its cancellation; a conversation, then its messages; a complaint,
then its tracking by the secret it answered).

A client reads them to follow the API without guessing addresses; the fuzzing gate follows them
to chain real calls (tests/test_api_stateful.py). They are declared here, in one table, and
added to the schema ninja builds (``CaseworkAPI.get_openapi_schema``), rather than beside each
operation: the operations stay as they are, and one test (tests/test_api_links.py) holds every
link to real operations, parameters and fields, so none rots when an operation changes.

Expressions are OpenAPI runtime expressions: ``$response.body#/<JSON pointer>`` into the
answer, ``$request.path.<name>`` and ``$request.body#/<pointer>`` into the request. A pointer
into a list names its first item (``/results/0/id``): an empty list gives nothing to follow.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    """After ``source`` answers ``status``, ``target`` may be called with ``parameters``
    (``"path.<name>"``, ``"query.<name>"`` or ``"header.<name>"`` to an expression) and a
    request body whose fields are given by ``body`` (expressions or plain values)."""

    source: str
    status: int
    name: str
    target: str
    description: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None


def _op(app: str, function: str) -> str:
    """ninja's operationId of ``casework/<app>/api.py``'s ``function``."""
    return f"casework_{app}_api_{function}"


# The operations, by the name each has in its router.
VERIFY = _op("registry", "verify")
PRACTITIONERS = _op("directory", "practitioners")
PROFILE = _op("directory", "practitioner_profile")
SLOTS = _op("scheduling", "free_slots")
APPOINTMENTS = _op("scheduling", "my_appointments")
BOOK = _op("scheduling", "book")
CANCEL = _op("scheduling", "cancel")
RESCHEDULE = _op("scheduling", "reschedule")
CONVERSATIONS = _op("messaging", "list_conversations")
START = _op("messaging", "start")
MESSAGES = _op("messaging", "list_messages")
SEND = _op("messaging", "send")
SEND_FILE = _op("messaging", "send_with_file")
ATTACHMENTS = _op("messaging", "list_attachments")
DOWNLOAD = _op("messaging", "download_attachment")
CHECK_INS = _op("care", "my_check_ins")
CHECK_IN = _op("care", "check_in")
ANSWER = _op("care", "answer")
CASELOAD = _op("care", "caseload")
PLANS = _op("care", "case_plans")
ASSIGN_PLAN = _op("care", "assign_plan")
CASE_CHECK_INS = _op("care", "case_check_ins")
CASE_ANSWERS = _op("care", "case_check_in_answers")
ARTICLES = _op("community", "list_articles")
WRITE_ARTICLE = _op("community", "write_article")
ARTICLE = _op("community", "read_article")
EDIT_ARTICLE = _op("community", "edit_article")
COMMENT = _op("community", "comment")
EXPORTS = _op("privacy", "list_exports")
REQUEST_EXPORT = _op("privacy", "request_export")
EXPORT = _op("privacy", "read_export")
ARCHIVE = _op("privacy", "download_export")
REPORT = _op("safety", "report")
REPORTS = _op("safety", "my_reports")
MY_REPORT = _op("safety", "my_report")
BLOCKS = _op("safety", "my_blocks")
BLOCK = _op("safety", "block")
UNBLOCK = _op("safety", "unblock")
COMPLAIN = _op("complaints", "file")
COMPLAINTS = _op("complaints", "my_complaints")
TRACK = _op("complaints", "track")
REGULATORS = _op("oversight", "my_regulators")
REGISTRANTS = _op("oversight", "registrants")
ROUTED = _op("oversight", "routed_complaints")


def _each(
    sources: tuple[tuple[str, int], ...],
    name: str,
    target: str,
    description: str,
    parameters: Mapping[str, str] | None = None,
    body: Mapping[str, Any] | None = None,
) -> list[Link]:
    """One link from each (operation, status) that answers the same thing."""
    return [
        Link(source, status, name, target, description, parameters or {}, body)
        for source, status in sources
    ]


FIRST_PRACTITIONER = "$response.body#/results/0/id"
THIS_CONVERSATION = "$request.path.conversation_id"
FILED_REPORT = ((REPORT, 201), (REPORT, 200))
FILED_COMPLAINT = ((COMPLAIN, 201), (COMPLAIN, 200))
BLOCKED = ((BLOCK, 201), (BLOCK, 200))

LINKS: tuple[Link, ...] = (
    # Registry: a registration found, then a complaint about the social worker who holds it.
    Link(
        VERIFY,
        200,
        "complain",
        COMPLAIN,
        "Complain about the first registration found",
        body={
            "regulator": "$response.body#/0/regulator/slug",
            "number": "$response.body#/0/registration_number",
        },
    ),
    # Directory and scheduling: a practitioner found, their profile and free slots, a booking,
    # then moving or cancelling it.
    Link(
        PRACTITIONERS,
        200,
        "profile",
        PROFILE,
        "The first practitioner's profile",
        {"path.practitioner_id": FIRST_PRACTITIONER},
    ),
    Link(
        PRACTITIONERS,
        200,
        "slots",
        SLOTS,
        "The first practitioner's free slots",
        {"path.practitioner_id": FIRST_PRACTITIONER},
    ),
    Link(
        PROFILE,
        200,
        "slots",
        SLOTS,
        "This practitioner's free slots",
        {"path.practitioner_id": "$response.body#/id"},
    ),
    Link(
        PROFILE,
        200,
        "write",
        START,
        "Write to this practitioner for the first time",
        body={"to": "$response.body#/id", "body": "Could you help me?", "where": "GB-ENG"},
    ),
    Link(
        PROFILE,
        200,
        "complain",
        COMPLAIN,
        "Complain about this practitioner",
        body={"profile": "$response.body#/slug"},
    ),
    Link(
        PROFILE,
        200,
        "report",
        REPORT,
        "Report this profile",
        body={"about": "profile", "id": "$response.body#/slug"},
    ),
    Link(
        SLOTS,
        200,
        "book",
        BOOK,
        "Book the first free slot",
        body={
            "session_type": "$response.body#/slots/0/session_type",
            "slot_id": "$response.body#/slots/0/slot_id",
        },
    ),
    Link(
        BOOK,
        409,
        "book_next_free",
        BOOK,
        "The slot was taken: book the next free one it names",
        body={
            "session_type": "$request.body#/session_type",
            "slot_id": "$response.body#/error/next_free_slot_id",
            "where": "$request.body#/where",
        },
    ),
    *_each(
        ((BOOK, 201), (RESCHEDULE, 200)),
        "cancel",
        CANCEL,
        "Cancel this appointment",
        {"path.appointment_id": "$response.body#/id"},
    ),
    Link(
        BOOK,
        201,
        "reschedule",
        RESCHEDULE,
        "Move this appointment",
        {"path.appointment_id": "$response.body#/id"},
    ),
    Link(
        APPOINTMENTS,
        200,
        "cancel",
        CANCEL,
        "Cancel the first appointment",
        {"path.appointment_id": "$response.body#/0/id"},
    ),
    Link(
        APPOINTMENTS,
        200,
        "reschedule",
        RESCHEDULE,
        "Move the first appointment",
        {"path.appointment_id": "$response.body#/0/id"},
    ),
    # Messaging: a conversation, its messages, a reply; a message's attachments, one of them.
    *(
        Link(
            CONVERSATIONS,
            200,
            name,
            target,
            description,
            {"path.conversation_id": "$response.body#/0/id"},
        )
        for name, target, description in (
            ("messages", MESSAGES, "The first conversation's messages"),
            ("send", SEND, "Write in the first conversation"),
            ("send_with_file", SEND_FILE, "Send a file in the first conversation"),
        )
    ),
    *(
        Link(
            START,
            201,
            name,
            target,
            description,
            {"path.conversation_id": "$response.body#/conversation/id"},
        )
        for name, target, description in (
            ("messages", MESSAGES, "The new conversation's messages"),
            ("send", SEND, "Write again in the new conversation"),
        )
    ),
    *_each(
        ((MESSAGES, 200), (SEND, 201), (SEND_FILE, 201)),
        "messages",
        MESSAGES,
        "This conversation's messages",
        {"path.conversation_id": THIS_CONVERSATION},
    ),
    Link(
        MESSAGES,
        200,
        "send",
        SEND,
        "Reply in this conversation",
        {"path.conversation_id": THIS_CONVERSATION},
    ),
    Link(
        SEND,
        409,
        "send_anyway",
        SEND,
        "The safety check flagged the draft: send it anyway, as the same send",
        {"path.conversation_id": THIS_CONVERSATION},
        body={
            "body": "$request.body#/body",
            "idempotency_key": "$response.body#/error/idempotency_key",
            "send_anyway": True,
        },
    ),
    Link(
        MESSAGES,
        200,
        "attachments",
        ATTACHMENTS,
        "The first message's attachments",
        {
            "path.conversation_id": THIS_CONVERSATION,
            "path.message_id": "$response.body#/0/id",
        },
    ),
    *_each(
        ((SEND, 201), (SEND_FILE, 201)),
        "attachments",
        ATTACHMENTS,
        "This message's attachments",
        {"path.conversation_id": THIS_CONVERSATION, "path.message_id": "$response.body#/id"},
    ),
    Link(
        SEND_FILE,
        201,
        "download",
        DOWNLOAD,
        "Download the file just sent",
        {
            "path.conversation_id": THIS_CONVERSATION,
            "path.attachment_id": "$response.body#/attachments/0/id",
        },
    ),
    Link(
        ATTACHMENTS,
        200,
        "download",
        DOWNLOAD,
        "Download the first attachment",
        {
            "path.conversation_id": THIS_CONVERSATION,
            "path.attachment_id": "$response.body#/0/id",
        },
    ),
    Link(
        MESSAGES,
        200,
        "report",
        REPORT,
        "Report the first message",
        body={"about": "message", "id": "$response.body#/0/id"},
    ),
    Link(
        ATTACHMENTS,
        200,
        "report",
        REPORT,
        "Report the first attachment",
        body={"about": "attachment", "id": "$response.body#/0/id"},
    ),
    Link(
        MESSAGES,
        200,
        "block",
        BLOCK,
        "Block the sender of the first message",
        body={"person_id": "$response.body#/0/sender/id"},
    ),
    # Care: a client's check-in, its questions, her answers; a practitioner's caseload, a
    # case's plans and results, a result's answers.
    Link(
        CHECK_INS,
        200,
        "check_in",
        CHECK_IN,
        "The first check-in's questions",
        {"path.check_in_id": "$response.body#/results/0/id"},
    ),
    Link(
        CHECK_INS,
        200,
        "answer",
        ANSWER,
        "Answer the first check-in",
        {"path.check_in_id": "$response.body#/results/0/id"},
    ),
    Link(
        CHECK_IN,
        200,
        "answer",
        ANSWER,
        "Answer this check-in",
        {"path.check_in_id": "$response.body#/id"},
    ),
    Link(
        ANSWER,
        200,
        "check_in",
        CHECK_IN,
        "The check-in just answered",
        {"path.check_in_id": "$response.body#/check_in/id"},
    ),
    *(
        Link(
            CASELOAD,
            200,
            name,
            target,
            description,
            {"path.case_id": "$response.body#/results/0/case_id"},
        )
        for name, target, description in (
            ("plans", PLANS, "The first case's check-in plans"),
            ("assign_plan", ASSIGN_PLAN, "Give the first case a check-in plan"),
            ("check_ins", CASE_CHECK_INS, "The first case's check-in results"),
        )
    ),
    *_each(
        ((ASSIGN_PLAN, 201), (PLANS, 200)),
        "check_ins",
        CASE_CHECK_INS,
        "This case's check-in results",
        {"path.case_id": "$request.path.case_id"},
    ),
    Link(
        CASE_CHECK_INS,
        200,
        "answers",
        CASE_ANSWERS,
        "The first result's answers",
        {
            "path.case_id": "$request.path.case_id",
            "path.check_in_id": "$response.body#/results/0/id",
        },
    ),
    # Community: an article, its comments, a reply; a guarded text confirmed.
    *(
        Link(
            ARTICLES,
            200,
            name,
            target,
            description,
            {"path.slug": "$response.body#/results/0/slug"},
        )
        for name, target, description in (
            ("article", ARTICLE, "The first article"),
            ("edit", EDIT_ARTICLE, "Change the first article"),
            ("comment", COMMENT, "Comment on the first article"),
        )
    ),
    # From an article read, not one just written or changed: that may be a draft, which takes
    # no comments (404), and schemathesis would read the refusal as the new article lost.
    Link(
        ARTICLE,
        200,
        "comment",
        COMMENT,
        "Comment on this article",
        {"path.slug": "$response.body#/slug"},
    ),
    *_each(
        ((WRITE_ARTICLE, 201), (ARTICLE, 200)),
        "edit",
        EDIT_ARTICLE,
        "Change this article",
        {"path.slug": "$response.body#/slug"},
    ),
    Link(
        ARTICLE,
        200,
        "report",
        REPORT,
        "Report this article",
        body={"about": "article", "id": "$response.body#/slug"},
    ),
    Link(
        COMMENT,
        201,
        "reply",
        COMMENT,
        "Reply to this comment",
        {"path.slug": "$request.path.slug"},
        body={"reply_to": "$response.body#/id"},
    ),
    Link(
        COMMENT,
        422,
        "confirm",
        COMMENT,
        "The guard found identifiers: post the same comment, confirming them",
        {"path.slug": "$request.path.slug"},
        body={"body": "$request.body#/body", "confirm_kinds": "$response.body#/error/kinds"},
    ),
    *(
        Link(
            source,
            422,
            "confirm",
            source,
            "The guard found identifiers: send the same article, confirming them",
            parameters,
            body={
                "title": "$request.body#/title",
                "summary": "$request.body#/summary",
                "body": "$request.body#/body",
                "confirm_kinds": "$response.body#/error/kinds",
            },
        )
        for source, parameters in (
            (WRITE_ARTICLE, {}),
            (EDIT_ARTICLE, {"path.slug": "$request.path.slug"}),
        )
    ),
    # Privacy: one's data export, its progress, its archive.
    *_each(
        ((REQUEST_EXPORT, 202), (EXPORT, 200)),
        "archive",
        ARCHIVE,
        "Download this export once it is ready",
        {"path.export_id": "$response.body#/id"},
    ),
    Link(
        REQUEST_EXPORT,
        202,
        "export",
        EXPORT,
        "This export's progress",
        {"path.export_id": "$response.body#/id"},
    ),
    Link(
        EXPORTS,
        200,
        "export",
        EXPORT,
        "The first export's progress",
        {"path.export_id": "$response.body#/0/id"},
    ),
    Link(
        EXPORTS,
        200,
        "archive",
        ARCHIVE,
        "Download the first export",
        {"path.export_id": "$response.body#/0/id"},
    ),
    # Safety: a report and its status; a block and its lifting.
    *_each(
        FILED_REPORT,
        "report",
        MY_REPORT,
        "This report's status",
        {"path.report_id": "$response.body#/id"},
    ),
    Link(
        REPORTS,
        200,
        "report",
        MY_REPORT,
        "The first report's status",
        {"path.report_id": "$response.body#/results/0/id"},
    ),
    Link(
        PRACTITIONERS,
        200,
        "block",
        BLOCK,
        "Block the first practitioner",
        body={"person_id": FIRST_PRACTITIONER},
    ),
    *_each(
        BLOCKED,
        "unblock",
        UNBLOCK,
        "Lift this block",
        {"path.person_id": "$response.body#/person_id"},
    ),
    Link(
        BLOCKS,
        200,
        "unblock",
        UNBLOCK,
        "Lift the first block",
        {"path.person_id": "$response.body#/0/person_id"},
    ),
    Link(
        UNBLOCK,
        204,
        "block",
        BLOCK,
        "Block this person again",
        body={"person_id": "$request.path.person_id"},
    ),
    # Complaints: a complaint filed, then followed by its reference (and secret).
    *_each(
        FILED_COMPLAINT,
        "track",
        TRACK,
        "This complaint (when filed under your name)",
        {"path.reference": "$response.body#/reference"},
    ),
    # Not to POST /complaints/{reference}/track with the secret: schemathesis's check that
    # what was just made is found weighs the address only, and a step that keeps a made-up
    # secret (as it does one time in seven) would be taken for a complaint lost.
    Link(
        COMPLAINTS,
        200,
        "track",
        TRACK,
        "The first complaint",
        {"path.reference": "$response.body#/results/0/reference"},
    ),
    # Oversight: an officer's regulator, its registrants and the complaints routed to it.
    Link(
        REGULATORS,
        200,
        "registrants",
        REGISTRANTS,
        "The first regulator's registrants",
        {"path.regulator": "$response.body#/0/slug"},
    ),
    Link(
        REGULATORS,
        200,
        "complaints",
        ROUTED,
        "The complaints routed to the first regulator",
        {"path.regulator": "$response.body#/0/slug"},
    ),
)


def _operations(schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for item in schema.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def declare(schema: dict[str, Any], links: tuple[Link, ...] = LINKS) -> None:
    """Add ``links`` to the answers of ``schema``'s operations. A link whose operation or
    answer the schema lacks is left out, so the schema stays valid (the test of the links
    fails on it)."""
    operations = _operations(schema)
    for link in links:
        source = operations.get(link.source)
        response = (source or {}).get("responses", {}).get(str(link.status))
        if response is None or link.target not in operations:
            continue
        declared: dict[str, Any] = {
            "operationId": link.target,
            "description": link.description,
        }
        if link.parameters:
            declared["parameters"] = dict(link.parameters)
        if link.body is not None:
            declared["requestBody"] = dict(link.body)
        response.setdefault("links", {})[link.name] = declared
