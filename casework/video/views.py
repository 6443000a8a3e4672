"""The join page of a video session and its forms, for the appointment's two parties.

One page shows each stage: for the client, where she is, then the waiting room, then the call;
for the practitioner, who is waiting (with the jurisdiction check's answer), then the call with
the identity check of a first session; both see the emergency plan and the crisis resources for
the client's place once she has said where she is. Without JavaScript everything but the call
itself works (the page reloads itself while someone waits). Beside the call, the chat shows the
pair's case conversation and sends into it through messaging's own send. Refusals say why: 404
to anyone who is not a party, 409 to a party when the session cannot go on (too early,
cancelled, no consent), 400 with the form's errors.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.care.models import Case
from casework.messaging import openings, rendering
from casework.messaging import queries as messaging_queries
from casework.messaging import services as messaging_services
from casework.messaging.models import Conversation
from casework.messaging.nudges import FlaggedDraft
from casework.messaging.views import send_from_form
from casework.safety.crisis import crisis_resources_for
from casework.scheduling.models import Appointment
from casework.video import access, services
from casework.video.forms import ChatForm, DropPlanForm, EndForm, IdentityForm, PlaceForm
from casework.video.models import DropPlan, Outcome
from casework.video.turn import turn_service

PARTIES = (Role.CLIENT, Role.PRACTITIONER)
# The chat beside the call shows this many of the latest messages; the rest are a link away.
CHAT_MESSAGES = 20


def _person(request: HttpRequest) -> User:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    return person


def _page(
    request: HttpRequest,
    appointment: Appointment,
    *,
    forms: dict[str, Form] | None = None,
    status: int = 200,
    error: str = "",
    nudge: FlaggedDraft | None = None,
) -> TemplateResponse:
    person = _person(request)
    case = access.case_of(appointment)
    session = access.session_of(appointment)
    refused = access.refusal(appointment, person, case=case, session=session)
    stage = access.stage(person, session, refused)
    is_practitioner = person.pk == appointment.practitioner_id
    other = appointment.client if is_practitioner else appointment.practitioner
    place = session.client_place if session is not None else None
    shows_plan = stage in ("waiting", "call") and case is not None
    if shows_plan and is_practitioner and case is not None:
        services.record_emergency_plan_read(case=case, practitioner=person)
    drop_plan = DropPlan.objects.filter(case=case).first() if case is not None else None
    opens, closes = access.window(appointment)
    conversation = access.chat_of(person, appointment, case)
    context: dict[str, Any] = {
        "appointment": appointment,
        "person": person,
        "is_practitioner": is_practitioner,
        "other": other,
        "case": case,
        "session": session,
        "refused": refused,
        "stage": stage,
        "error": error,
        "opens_at": opens,
        "closes_at": closes,
        "shows_plan": shows_plan,
        "crisis": crisis_resources_for(place.code if place else None) if shows_plan else None,
        "drop_phone": drop_plan.phone if drop_plan is not None and case is not None else "",
        # The first session's identity check: asked until recorded, then shown as recorded.
        "identity_needed": (
            is_practitioner
            and session is not None
            and (session.identity_confirmed_at is not None or services.identity_needed(session))
        ),
        "conversation_url": (
            reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})
            if conversation is not None
            else ""
        ),
        "may_record_no_show": (
            is_practitioner
            and stage in ("arriving", "waiting")
            and appointment.starts_at <= timezone.now()
        ),
        "place_form": PlaceForm(initial={"where": _usual_place(case)}),
        "identity_form": IdentityForm(),
        "end_form": EndForm(),
        "drop_form": DropPlanForm(),
        "socket_path": f"/ws/video/{appointment.pk}/",
        "Outcome": Outcome,
    }
    if stage == "call" and conversation is not None:
        context.update(_chat(person, appointment, conversation))
        context["chat_nudge"] = nudge
    if stage == "call":
        context["ice_servers"] = turn_service().ice_servers(
            user_id=str(person.pk), now=timezone.now(), until=closes
        )
    context.update(forms or {})
    return TemplateResponse(request, "video/join.html", context, status=status)


def _chat(person: User, appointment: Appointment, conversation: Conversation) -> dict[str, Any]:
    """The chat beside the call: the latest messages as the conversation's page shows them (its
    own partial, the same reads), read and recorded as opened as there, and the send form."""
    latest = messaging_queries.page_of_messages(conversation, size=CHAT_MESSAGES)
    messaging_services.mark_read(conversation=conversation, person=person)
    openings.record_opening(conversation=conversation, person=person, way="page")
    read = messaging_queries.read_by_others(conversation.pk, person)
    return {
        "chat": conversation,
        "chat_items": rendering.views_for(latest, person, read),
        "chat_last_seq": latest[-1].seq if latest else conversation.last_seq,
        "chat_form": ChatForm(),
        "chat_url": reverse("video:chat", kwargs={"appointment_id": appointment.pk}),
    }


def _usual_place(case: Case | None) -> str:
    """Where the case says the client usually is: the place form's first answer."""
    place = case.client_location if case is not None else None
    return place.code if place is not None else ""


def _back(appointment: Appointment) -> HttpResponse:
    return redirect("video:join", appointment_id=appointment.pk)


def _refused_or_invalid(
    request: HttpRequest,
    appointment: Appointment,
    error: ValidationError,
    name: str = "",
    form: Form | None = None,
) -> TemplateResponse:
    """A refusal from the service: 409 when the session cannot go on, 400 for the form."""
    code = getattr(error, "code", "") or ""
    if code in {
        "not_confirmed",
        "not_video",
        "ended",
        "too_early",
        "over",
        "blocked",
        "no_case",
        "no_consent",
        "not_party",
        "not_client",
    }:
        return _page(request, appointment, status=409, error=" ".join(error.messages))
    if form is None:
        return _page(request, appointment, status=400, error=" ".join(error.messages))
    form.add_error(None, error)
    return _page(request, appointment, forms={name: form}, status=400)


@role_required(Role.PRACTITIONER)
@require_safe
def waiting_room(request: HttpRequest) -> HttpResponse:
    """The practitioner's video sessions open now, and who is waiting in each."""
    sessions = access.sessions_open_now(_person(request))
    return TemplateResponse(request, "video/waiting_room.html", {"appointments": sessions})


@role_required(*PARTIES)
@require_safe
def join(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = access.get_appointment_for_call(_person(request), appointment_id)
    return _page(request, appointment)


@role_required(Role.CLIENT)
@require_POST
def confirm_place(request: HttpRequest, appointment_id: int) -> HttpResponse:
    person = _person(request)
    appointment = access.get_appointment_for_call(person, appointment_id)
    form = PlaceForm(request.POST)
    if not form.is_valid():
        return _page(request, appointment, forms={"place_form": form}, status=400)
    try:
        services.confirm_place(
            appointment=appointment, client=person, where=form.cleaned_data["where"]
        )
    except ValidationError as error:
        return _refused_or_invalid(request, appointment, error, "place_form", form)
    return _back(appointment)


@role_required(Role.PRACTITIONER)
@require_POST
def admit(request: HttpRequest, appointment_id: int) -> HttpResponse:
    person = _person(request)
    appointment = access.get_appointment_for_call(person, appointment_id)
    try:
        services.admit_client(appointment=appointment, practitioner=person)
    except ValidationError as error:
        return _refused_or_invalid(request, appointment, error)
    return _back(appointment)


@role_required(Role.PRACTITIONER)
@require_POST
def confirm_identity(request: HttpRequest, appointment_id: int) -> HttpResponse:
    person = _person(request)
    appointment = access.get_appointment_for_call(person, appointment_id)
    form = IdentityForm(request.POST)
    if not form.is_valid():
        return _page(request, appointment, forms={"identity_form": form}, status=400)
    try:
        services.confirm_identity(
            appointment=appointment, practitioner=person, method=form.cleaned_data["method"]
        )
    except ValidationError as error:
        return _refused_or_invalid(request, appointment, error, "identity_form", form)
    return _back(appointment)


@role_required(Role.PRACTITIONER)
@require_POST
def end(request: HttpRequest, appointment_id: int) -> HttpResponse:
    person = _person(request)
    appointment = access.get_appointment_for_call(person, appointment_id)
    form = EndForm(request.POST)
    if not form.is_valid():
        return _page(request, appointment, forms={"end_form": form}, status=400)
    try:
        services.end_session(
            appointment=appointment,
            practitioner=person,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        return _refused_or_invalid(request, appointment, error, "end_form", form)
    return _back(appointment)


@role_required(Role.PRACTITIONER)
@require_POST
def drop_plan(request: HttpRequest, appointment_id: int) -> HttpResponse:
    person = _person(request)
    appointment = access.get_appointment_for_call(person, appointment_id)
    case = access.case_of(appointment)
    form = DropPlanForm(request.POST)
    if not form.is_valid():
        return _page(request, appointment, forms={"drop_form": form}, status=400)
    if case is None:
        return _page(request, appointment, status=409)
    try:
        services.save_drop_plan(case=case, practitioner=person, phone=form.cleaned_data["phone"])
    except ValidationError as error:
        return _refused_or_invalid(request, appointment, error, "drop_form", form)
    return _back(appointment)


@role_required(*PARTIES)
@require_POST
def chat(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """A message from the chat beside the call into the pair's case conversation, through
    messaging's send: its checks, its nudge and the form's idempotency key (a submit sent twice
    stores one message). With htmx only the form comes back and the message arrives over the
    conversation's socket; without, the call page comes back (404 when there is no chat)."""
    person = _person(request)
    appointment = access.get_appointment_for_call(person, appointment_id)
    conversation = access.chat_of(person, appointment, access.case_of(appointment))
    if conversation is None:
        raise Http404
    form = ChatForm(request.POST)
    sent, flagged = send_from_form(request, form, conversation, person)
    if request.headers.get("HX-Request") == "true":
        response = TemplateResponse(
            request,
            "messaging/conversation.html#message_form",
            {
                "form": ChatForm() if sent else form,
                "conversation": conversation,
                "send_url": request.path,
                "nudge": flagged,
            },
        )
        if sent:
            response["HX-Trigger"] = "messaging:sent"
        return response
    if sent:
        return redirect(
            reverse("video:join", kwargs={"appointment_id": appointment.pk}) + "#chat-latest"
        )
    return _page(
        request,
        appointment,
        forms={"chat_form": form},
        nudge=flagged,
        status=409 if flagged else 400,
    )
