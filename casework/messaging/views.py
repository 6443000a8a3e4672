"""Messaging pages. Every page works without JavaScript (forms post and redirect back); the
conversation page is enhanced by htmx (sending) and a websocket (receiving)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.accounts.zones import zone_label
from casework.messaging import (
    access,
    nudges,
    office_hours,
    openings,
    queries,
    rendering,
    services,
)
from casework.messaging.forms import EditMessageForm, EnquiryForm, MessageForm, OfficeHoursForm
from casework.messaging.models import Conversation
from casework.registry import places
from casework.registry.standing import conditions_in_force
from casework.safety import blocks
from casework.safety.block_confirmation import confirm_block
from casework.shell.confirmations import Danger, ask_first

GET_AND_POST = ["GET", "HEAD", "POST"]


def _person(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):  # LoginRequiredMiddleware lets only signed-in people here
        raise Http404
    return person


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _sending_anyway(request: HttpRequest) -> bool:
    """The sender chose "Send anyway" on a flagged draft (the button's name and value)."""
    return request.POST.get("send_anyway") == "1"


def send_from_form(
    request: HttpRequest, form: MessageForm, conversation: Conversation, sender: User
) -> tuple[bool, nudges.FlaggedDraft | None]:
    """Send a posted message form into a conversation (the conversation page and the chat
    beside a call): whether it was sent, and the nudge when the draft was flagged. The form
    comes back with the draft and the same idempotency key, so "Send anyway" completes this
    send, and its detection, rather than a new one; a refusal is added to the form."""
    if not form.is_valid():
        return False, None
    try:
        services.send_message(
            conversation=conversation,
            sender=sender,
            body=form.cleaned_data["body"],
            files=form.files_to_send(),
            idempotency_key=form.cleaned_data.get("idempotency_key"),
            nudge=not _sending_anyway(request),
        )
    except nudges.FlaggedDraft as draft:
        return False, draft
    except ValidationError as error:
        form.add_error(None, error)
        return False, None
    return True, None


def _conversation_url(conversation: Conversation) -> str:
    return reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})


@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    rows = [
        {"row": row, "title": rendering.title_for(row.conversation, row.others, person)}
        for row in queries.inbox(person)
    ]
    return TemplateResponse(request, "messaging/inbox.html", {"rows": rows})


@require_http_methods(GET_AND_POST)
def start_conversation(request: HttpRequest, person_id: int) -> HttpResponse:
    """Write to someone for the first time: an enquiry (client to practitioner), a consultation
    (between practitioners) or a moderator's message."""
    person = _person(request)
    other = User.objects.filter(pk=person_id).first()
    kind = access.kind_to_start(person, other) if other is not None else None
    if other is None or kind is None:
        raise Http404
    form_class = EnquiryForm if kind == Conversation.Kind.ENQUIRY else MessageForm
    form = form_class(request.POST or None, request.FILES or None, initial=_start_initial(request))
    flagged: nudges.FlaggedDraft | None = None
    # Said up front, and again (with the typed text kept) if one opened meanwhile: a person
    # has one open conversation of a kind with another, so writing continues there.
    existing = queries.open_conversation_between(kind, person, other)
    if request.method == "POST" and form.is_valid():
        body, files = form.cleaned_data["body"], form.files_to_send()
        try:
            if kind == Conversation.Kind.ENQUIRY:
                conversation = services.start_enquiry(
                    client=person,
                    practitioner=other,
                    client_jurisdiction=form.cleaned_data["where"],
                    body=body,
                    files=files,
                    nudge=not _sending_anyway(request),
                    idempotency_key=form.cleaned_data.get("idempotency_key"),
                )
                places.remember(request, form.cleaned_data["where"])
            elif kind == Conversation.Kind.CONSULTATION:
                conversation = services.start_consultation(
                    practitioner=person,
                    colleague=other,
                    body=body,
                    files=files,
                    nudge=not _sending_anyway(request),
                    idempotency_key=form.cleaned_data.get("idempotency_key"),
                )
            else:
                conversation = services.start_moderator_conversation(
                    moderator=person, person=other, body=body, files=files
                )
        except services.ConversationExists as exists:
            # Nothing was sent: the page comes back with the text, and a button that sends
            # it in the open conversation instead.
            existing = exists.conversation
        except nudges.FlaggedDraft as draft:
            flagged = draft
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your message was sent."))
            return redirect(_conversation_url(conversation))
    return TemplateResponse(
        request,
        "messaging/start.html",
        {
            "form": form,
            "other": other,
            "kind": kind,
            "Kind": Conversation.Kind,
            "nudge": flagged,
            "had_file": bool(request.FILES),
            # Said up front rather than after writing: the service refuses it either way.
            "blocked": blocks.is_blocked_between(person, other),
            "existing": existing,
            "existing_url": _conversation_url(existing) if existing else "",
            # What a client should read before writing: the regulators' conditions.
            "conditions": (conditions_in_force(other) if kind == Conversation.Kind.ENQUIRY else []),
        },
        status=409 if flagged or (existing and request.method == "POST") else 200,
    )


def _start_initial(request: HttpRequest) -> dict[str, str]:
    """The place a client already chose in the directory (``?where=``), or earlier in the visit
    or on their account, carries over."""
    where = request.GET.get("where", "")[:10] or places.remembered(request)
    return {"where": where} if where else {}


@never_cache
@require_http_methods(GET_AND_POST)
def conversation(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    person = _person(request)
    found = access.get_conversation_for_person(person, conversation_id)
    form = MessageForm(request.POST or None, request.FILES or None)
    flagged: nudges.FlaggedDraft | None = None
    if request.method == "POST":
        sent, flagged = send_from_form(request, form, found, person)
        nudge_context = {"nudge": flagged, "had_file": bool(request.FILES)}
        if _is_htmx(request):
            # The message itself arrives over the socket; the form comes back empty (or with
            # its errors, or with the nudge).
            response = TemplateResponse(
                request,
                "messaging/conversation.html#message_form",
                {"form": MessageForm() if sent else form, "conversation": found} | nudge_context,
            )
            if sent:
                response["HX-Trigger"] = "messaging:sent"
            return response
        if sent:
            return redirect(_conversation_url(found) + "#latest")
    before = _positive_int(request.GET.get("before"))
    page = queries.page_of_messages(found, before=before)
    if before is None:
        services.mark_read(conversation=found, person=person)
        openings.record_opening(conversation=found, person=person, way="page")
    else:
        services.touch_presence(conversation_id=found.pk, person=person)
    read = queries.read_by_others(found.pk, person)
    others = [
        place.person for place in found.participants.select_related("person").exclude(person=person)
    ]
    blocked = any(blocks.is_blocked_between(person, other) for other in others)
    context = {
        "conversation": found,
        "title": rendering.title_for(found, others, person),
        "items": rendering.views_for(page, person, read),
        "others": others,
        "form": form,
        "earlier": page[0].seq if page and page[0].seq > 1 else None,
        "last_seq": page[-1].seq if page and before is None else found.last_seq,
        "live": before is None,
        "blocked": blocked,
        "can_block": len(others) == 1
        and others[0].role not in blocks.UNBLOCKABLE_ROLES
        and not blocked,
        "can_close": found.is_open and found.kind != Conversation.Kind.CASE,
        # Moderators write as the team: they are reached through an appeal, not a report.
        "reportable": [other for other in others if other.role not in blocks.UNBLOCKABLE_ROLES],
        "nudge": flagged,
        "had_file": bool(request.FILES),
    }
    status = 200 if request.method != "POST" else 409 if flagged else 400
    return TemplateResponse(request, "messaging/conversation.html", context, status=status)


def _positive_int(raw: str | None) -> int | None:
    if raw is None or not raw.isdigit() or len(raw) > 9:
        return None
    value = int(raw)
    return value if value > 0 else None


@require_http_methods(GET_AND_POST)
def edit_message(
    request: HttpRequest, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> HttpResponse:
    person = _person(request)
    found = access.get_conversation_for_person(person, conversation_id)
    message = access.get_own_message(person, found, message_id)
    if message.is_deleted:
        raise Http404
    form = EditMessageForm(
        request.POST or None,
        initial={"body": message.body},
        has_files=message.attachments.exists(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_message(message=message, editor=person, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your message was changed."))
            return redirect(_conversation_url(found) + f"#message-{message.seq}")
    return TemplateResponse(
        request,
        "messaging/edit_message.html",
        {
            "conversation": found,
            "message": message,
            "form": form,
            "editable": services.can_still_edit(message),
        },
    )


@require_POST
def delete_message(
    request: HttpRequest, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> HttpResponse:
    person = _person(request)
    found = access.get_conversation_for_person(person, conversation_id)
    message = access.get_own_message(person, found, message_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Delete your message?"),
            consequences=[
                _("Nobody in the conversation can read it any more, and its attachments go too."),
                _("A note shows that a message was deleted. You cannot bring it back."),
            ],
            confirm=_("Delete the message"),
            back_url=reverse("messaging:edit_message", args=[found.pk, message.pk]),
        ),
    )
    if asking is not None:
        return asking
    try:
        services.delete_message(message=message, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your message was deleted."))
    return redirect(_conversation_url(found) + f"#message-{message.seq}")


@require_safe
def attachment(
    request: HttpRequest, conversation_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponseBase:
    person = _person(request)
    found = access.get_conversation_for_person(person, conversation_id)
    attached = access.get_attachment_for_person(person, found, attachment_id)
    content = services.open_attachment(attachment=attached, person=person)
    response = HttpResponse(content, content_type=attached.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attached.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Even if a browser were talked into rendering it, the file runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def close_conversation(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    person = _person(request)
    found = access.get_conversation_for_person(person, conversation_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Close this conversation?"),
            consequences=[
                _("Nobody can send new messages in it. It cannot be opened again."),
                _("What was written stays here for both of you to read."),
            ],
            confirm=_("Close the conversation"),
            back_url=_conversation_url(found),
        ),
    )
    if asking is not None:
        return asking
    try:
        services.close_conversation(conversation=found, actor=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The conversation is closed."))
    return redirect(_conversation_url(found))


@require_http_methods(GET_AND_POST)
def block_in_conversation(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """Block the other person of a conversation, after a page that says what will happen."""
    person = _person(request)
    found = access.get_conversation_for_person(person, conversation_id)
    others = list(found.participants.exclude(person=person).select_related("person"))
    if len(others) != 1:
        raise Http404
    return confirm_block(
        request, blocker=person, other=others[0].person, back_url=_conversation_url(found)
    )


@require_safe
def blocked_people(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    return TemplateResponse(
        request, "messaging/blocked_people.html", {"blocks": blocks.blocked_by(person)}
    )


@require_POST
def unblock(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person(request)
    if blocks.unblock_person(blocker=person, blocked_id=person_id):
        messages.success(request, _("The block is lifted."))
    else:
        messages.info(request, _("You had not blocked that person."))
    return redirect("messaging:blocked_people")


@role_required(Role.PRACTITIONER)
@require_http_methods(GET_AND_POST)
def office_hours_page(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = OfficeHoursForm(request.POST or None, windows=office_hours.windows_of(person))
    if request.method == "POST" and form.is_valid():
        try:
            office_hours.set_office_hours(practitioner=person, windows=form.windows())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your office hours are saved."))
            return redirect("messaging:office_hours")
    return TemplateResponse(
        request,
        "messaging/office_hours.html",
        {"form": form, "time_zone": zone_label(person.time_zone)},
    )
