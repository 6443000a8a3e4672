"""Reporting: from a profile, a message, an attachment, a person, an appointment, a claim
under review, a community comment or article, in one form, then a reference. Visitors report
what is public: profiles, comments and articles."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from casework.accounts.models import User
from casework.safety import access
from casework.safety.access import Target
from casework.safety.flooding import reporting_too_often
from casework.safety.forms import ReportForm, TrackReportForm
from casework.safety.models import Report
from casework.safety.reports import VISITOR_REFERENCES, file_report
from casework.shell.outages import cache_outages

GET_AND_POST = ["GET", "HEAD", "POST"]
# Looking references up: enough for someone following their reports, too few to guess one.
LOOKUPS_PER_ADDRESS = "30/h"
SESSION_REFERENCES = "safety.visitor_reports"


def _person(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):
        raise Http404
    return person


def _report(request: HttpRequest, target: Target, back: str) -> HttpResponse:
    reporter = request.user if isinstance(request.user, User) else None
    form = ReportForm(
        request.POST if request.method == "POST" else None, choices=target.evidence_choices
    )
    context = {"form": form, "target": target, "back": back, "too_many": False}
    if reporter is not None and target.reported is not None and target.reported.pk == reporter.pk:
        context["yourself"] = True
        return TemplateResponse(request, "safety/report.html", context, status=400)
    if request.method == "POST":
        # Only a report that would be filed counts towards the limits.
        if form.is_valid() and reporting_too_often(request):
            context["too_many"] = True
            return TemplateResponse(request, "safety/report.html", context, status=429)
        if form.is_valid():
            try:
                filed = file_report(
                    reporter=reporter,
                    target=target,
                    category=form.cleaned_data["category"],
                    details=form.cleaned_data["details"],
                    evidence=form.chosen_messages(),
                    consented=bool(form.cleaned_data.get("consent")),
                    visitor_references=request.session.get(SESSION_REFERENCES, []),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _filed(request, filed.report, merged=filed.merged)
        return TemplateResponse(request, "safety/report.html", context, status=400)
    return TemplateResponse(request, "safety/report.html", context)


def _filed(request: HttpRequest, report: Report, *, merged: bool) -> HttpResponse:
    if isinstance(request.user, User):
        url = reverse("safety:my_report", kwargs={"report_id": report.pk})
        return redirect(f"{url}?{'merged=1' if merged else 'filed=1'}")
    # A visitor is shown the reference once, on this response (also kept in their session, so
    # reloading the page does not lose it, and a second report of the same thing joins this).
    earlier = [
        reference
        for reference in request.session.get(SESSION_REFERENCES, [])
        if reference != report.reference
    ]
    request.session[SESSION_REFERENCES] = [report.reference, *earlier][:VISITOR_REFERENCES]
    return TemplateResponse(
        request, "safety/report_filed.html", {"report": report, "merged": merged}
    )


def _signed_in_report(
    finder: Callable[[User, int | str], Target], back: Callable[[Target], str]
) -> Callable[[HttpRequest, int | str], HttpResponse]:
    @require_http_methods(GET_AND_POST)
    def view(request: HttpRequest, object_id: int | str) -> HttpResponse:
        target = finder(_person(request), object_id)
        return _report(request, target, back(target))

    return view


def _conversation_of(target: Target) -> str:
    assert target.message is not None  # noqa: S101  (message and attachment targets have one)
    return (
        reverse(
            "messaging:conversation", kwargs={"conversation_id": target.message.conversation_id}
        )
        + f"#message-{target.message.seq}"
    )


report_message = _signed_in_report(access.target_for_message, _conversation_of)
report_attachment = _signed_in_report(access.target_for_attachment, _conversation_of)
report_person = _signed_in_report(
    lambda person, pk: access.target_for_person(person, int(pk)),
    lambda target: reverse("messaging:inbox"),
)
report_appointment = _signed_in_report(
    lambda person, pk: access.target_for_appointment(person, int(pk)),
    lambda target: reverse(
        "scheduling:appointment", kwargs={"appointment_id": target.appointment_id}
    ),
)
report_claim = _signed_in_report(
    lambda person, pk: access.target_for_claim(person, int(pk)),
    lambda target: reverse("registry:review_queue"),
)


@login_not_required
@require_http_methods(GET_AND_POST)
def report_profile(request: HttpRequest, slug: str) -> HttpResponse:
    target = access.target_for_profile(request.user, slug)
    return _report(request, target, reverse("directory:profile", kwargs={"slug": slug}))


@login_not_required
@require_http_methods(GET_AND_POST)
def report_comment(request: HttpRequest, object_id: int) -> HttpResponse:
    target = access.target_for_comment(request.user, object_id)
    return _report(request, target, target.shown_at)


@login_not_required
@require_http_methods(GET_AND_POST)
def report_article(request: HttpRequest, slug: str) -> HttpResponse:
    target = access.target_for_article(request.user, slug)
    return _report(request, target, target.shown_at)


@require_safe
def my_reports(request: HttpRequest) -> HttpResponse:
    reports = access.reports_of(_person(request)).order_by("-created_at")
    return TemplateResponse(request, "safety/my_reports.html", {"reports": reports})


@require_safe
def my_report(request: HttpRequest, report_id: str) -> HttpResponse:
    report = access.get_report_for_reporter(_person(request), report_id)
    return TemplateResponse(
        request,
        "safety/my_report.html",
        {
            "report": report,
            "filed": request.GET.get("filed") == "1",
            "merged": request.GET.get("merged") == "1",
        },
    )


@login_not_required
@require_safe
def track_report(request: HttpRequest) -> HttpResponse:
    """Anyone with a reference sees its status and outcome (what a visitor has)."""
    form = TrackReportForm(request.GET or None)
    report, status = None, 200
    if form.is_bound and form.is_valid():
        try:
            limited = is_ratelimited(
                request,
                group="safety.track",
                key="ip",
                rate=LOOKUPS_PER_ADDRESS,
                increment=True,
            )
        except cache_outages():
            limited = False
        if limited:
            return TemplateResponse(
                request, "safety/track.html", {"form": form, "too_many": True}, status=429
            )
        report = access.find_report_by_reference(form.cleaned_data["reference"])
        if report is None:
            form.add_error("reference", _("No report has this reference. Check it and try again."))
            status = 404
    return TemplateResponse(
        request,
        "safety/track.html",
        {"form": form, "report": report, "remembered": request.session.get(SESSION_REFERENCES)},
        status=status,
    )
