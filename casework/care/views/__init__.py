"""Care pages: the practitioner's caseload and cases (``practitioner``, ``notes``), the
client's own view and consent (``client``), answering check-ins (``check_ins``), referrals
(``referrals``) and break-glass (``emergency``). Each page works without JavaScript."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from casework.accounts.models import User


def person_of(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):  # LoginRequiredMiddleware lets only signed-in people here
        raise Http404
    return person


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)
