"""/transparency/: the moderation figures per month, public, and the same as CSV."""

import csv

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casework.safety import transparency
from casework.safety.models import ActionKind, Appeal, ReportCategory
from casework.shell.outages import over_reading_limit

READS_PER_ADDRESS = "120/m"


def _too_many(request: HttpRequest) -> bool:
    return over_reading_limit(request, group="safety.transparency", rate=READS_PER_ADDRESS)


def _slow_down() -> HttpResponse:
    """The limit's answer: why, and when to come back (a page and a CSV reader alike)."""
    response = HttpResponse(
        _("Too many requests: try again in a minute."),
        content_type="text/plain; charset=utf-8",
        status=429,
    )
    response["Retry-After"] = "60"
    return response


@login_not_required
@require_safe
def transparency_page(request: HttpRequest) -> HttpResponse:
    if _too_many(request):
        return _slow_down()
    return TemplateResponse(
        request,
        "safety/transparency.html",
        {
            "months": transparency.monthly_figures(),
            "categories": ReportCategory.choices,
            "kinds": ActionKind.choices,
            "outcomes": Appeal.Outcome.choices,
        },
    )


@login_not_required
@require_safe
def transparency_csv(request: HttpRequest) -> HttpResponse:
    if _too_many(request):
        return _slow_down()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="casework-moderation.csv"'
    csv.writer(response).writerows(transparency.csv_rows(transparency.monthly_figures()))
    return response
