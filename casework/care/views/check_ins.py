"""Answering a check-in: from the signed link in the reminder (no sign-in needed, this one
check-in only) or signed in as the client. One short page, large touch targets; on sending,
urgent answers show the crisis lines of where the client is, at once."""

import uuid
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from casework.accounts.models import User
from casework.care import access, links
from casework.care.forms import check_in_form_class
from casework.care.instruments import get_instrument
from casework.care.models import CheckIn, CheckInStatus
from casework.care.services.check_ins import answer_check_in
from casework.safety.crisis import crisis_resources_for


def _closed_page(request: HttpRequest, check_in: CheckIn | None, reason: str) -> HttpResponse:
    """Why the check-in cannot be answered (expired link, already answered, closed), with
    what to do instead. Statuses: 409 for a state conflict, 410 for an expired link."""
    status = 410 if reason in ("link_expired", "expired") else 409
    signed_in = request.user.is_authenticated
    login_url = ""
    if check_in is not None and not signed_in:
        path = reverse("care:check_in", kwargs={"check_in_id": check_in.pk})
        login_url = f"{reverse('account_login')}?{urlencode({'next': path})}"
    return TemplateResponse(
        request,
        "care/check_in_closed.html",
        {"reason": reason, "login_url": login_url, "signed_in": signed_in},
        status=status,
    )


def _find(request: HttpRequest, check_in_id: uuid.UUID, token: str) -> CheckIn | HttpResponse:
    user = request.user if isinstance(request.user, User) else None
    if not token:
        if user is None:
            path = reverse("care:check_in", kwargs={"check_in_id": check_in_id})
            return redirect(f"{reverse('account_login')}?{urlencode({'next': path})}")
        found = access.find_check_in_for_client(user, check_in_id)
        if found is None:
            raise Http404
        return found
    found = access.find_check_in(check_in_id)
    if found is None:
        raise Http404
    if user is not None and user.pk != found.case.client_id:
        raise Http404
    problem = links.check_token(token, found)
    if problem == links.LinkProblem.INVALID:
        raise Http404
    if problem == links.LinkProblem.EXPIRED and user is None:
        return _closed_page(request, found, "link_expired")
    return found


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def check_in(request: HttpRequest, check_in_id: uuid.UUID) -> HttpResponse:
    token = request.POST.get("t") or request.GET.get("t") or ""
    found = _find(request, check_in_id, token)
    if isinstance(found, HttpResponse):
        return found
    instrument = get_instrument(found.instrument)
    if found.status == CheckInStatus.ANSWERED:
        return _closed_page(request, found, "answered")
    if found.status == CheckInStatus.CANCELLED or not found.case.is_open:
        return _closed_page(request, found, "cancelled")
    now = timezone.now()
    if found.status == CheckInStatus.MISSED or found.expires_at <= now:
        return _closed_page(request, found, "expired")
    if found.due_at > now:
        return _closed_page(request, found, "not_yet")
    form_class = check_in_form_class(instrument)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            answered = answer_check_in(
                check_in=found, client=found.case.client, answers=form.cleaned_data
            )
        except ValidationError as error:
            if error.code == "already_answered":
                return _closed_page(request, found, "answered")
            form.add_error(None, error)
        else:
            case = answered.check_in.case
            return TemplateResponse(
                request,
                "care/check_in_done.html",
                {
                    "urgent": answered.scored.urgent,
                    "crisis": crisis_resources_for(case.client_location_id),
                    "practitioner": case.practitioner.display_name,
                },
            )
    return TemplateResponse(
        request,
        "care/check_in.html",
        {"check_in": found, "instrument": instrument, "form": form, "token": token},
        status=400 if form.is_bound and form.errors else 200,
    )
