"""/privacy/: the privacy page, public, in plain words, built from the rules in force."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from casework.privacy import notice


@login_not_required
@require_safe
def privacy_page(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "privacy/privacy.html",
        {
            "kept": notice.kept_data(),
            "processing": notice.processing(),
            "hold_placers": notice.hold_placers(),
        },
    )
