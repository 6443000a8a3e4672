"""Break-glass: a client's emergency details, outside the normal path, with a written reason
the client reads. Moderators and administrators find the client by email; a supervisor comes
from their supervision page."""

import uuid

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.care import access
from casework.care.forms import BreakGlassForm, EmergencyLookupForm
from casework.care.services.emergency import break_glass
from casework.care.views import person_of
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.safety.crisis import crisis_resources_for


@role_required(Role.MODERATOR, Role.ADMIN)
@require_safe
def emergency_lookup(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    form = EmergencyLookupForm(request.GET or None)
    cases = None
    if form.is_bound and form.is_valid():
        client = User.objects.filter(
            email__iexact=form.cleaned_data["email"], role=Role.CLIENT
        ).first()
        cases = list(access.open_cases_for_lookup(person, client)) if client else []
        record_event(
            action=actions.CARE_EMERGENCY_LOOKUP,
            actor=person,
            subject_id=client.pk if client else None,
            detail={"found": len(cases)},
        )
    return TemplateResponse(request, "care/emergency_lookup.html", {"form": form, "cases": cases})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def open_emergency_details(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Asks for the reason first; shows the details only in the answer to that request, so
    every sight of them has its own reason and audit event."""
    person = person_of(request)
    case = access.get_case_for_break_glass(person, case_id)
    form = BreakGlassForm(request.POST or None)
    opened = False
    if request.method == "POST" and form.is_valid():
        try:
            break_glass(case=case, person=person, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            opened = True
    return TemplateResponse(
        request,
        "care/break_glass.html",
        {
            "case": case,
            "form": form,
            "opened": opened,
            "crisis": crisis_resources_for(case.client_location_id) if opened else None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
