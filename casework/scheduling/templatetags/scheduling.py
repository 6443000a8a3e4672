from typing import Any

from django import template

from casework.accounts.models import User
from casework.scheduling.offers import BookingPanel, booking_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def booking_panel_for(context: dict[str, Any], practitioner: User, where: Any = "") -> BookingPanel:
    """The profile's booking panel: next free times of the session chosen in ``?session=``.
    ``where`` is the client's place: a jurisdiction code, a Jurisdiction, or empty."""
    request = context.get("request")
    params = request.GET if request is not None else {}
    return booking_panel(
        practitioner=practitioner,
        viewer=getattr(request, "user", None),
        where_code=str(getattr(where, "code", where) or "")[:8],
        session_type_id=str(params.get("session", ""))[:12],
    )
