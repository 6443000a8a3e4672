"""Video sessions on the case timeline: each start and end, one query, bounded by the span."""

from django.urls import reverse
from django.utils.translation import gettext as _

from casework.care.models import Case
from casework.care.timeline import Entry, Span, register_source
from casework.video.models import Outcome, VideoSession


@register_source
def video_entries(case: Case, span: Span) -> list[Entry]:
    rows = (
        VideoSession.objects.filter(span.bounds("created_at"), case=case)
        .order_by("-created_at")
        .values_list("appointment_id", "admitted_at", "ended_at", "outcome", "client_place__name")[
            : span.limit
        ]
    )
    entries = []
    for appointment_id, admitted_at, ended_at, outcome, place in rows:
        link = reverse("video:join", kwargs={"appointment_id": appointment_id})
        if admitted_at:
            detail = _("The client was in %(place)s.") % {"place": place} if place else ""
            entries.append(Entry(admitted_at, "video", _("Video session started"), detail, link))
        if ended_at:
            label = str(Outcome(outcome).label) if outcome in Outcome.values else outcome
            entries.append(Entry(ended_at, "video", _("Video session ended"), label, link))
    return entries
