"""Report floods: how many reports one person, and one address, may file in an hour. The
report pages and the API count against the same limits."""

from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from casework.shell.outages import cache_outages

# Per person, and per address (visitors, and several accounts on one address).
REPORTS_PER_PERSON = "10/h"
REPORTS_PER_ADDRESS = "30/h"


def reporting_too_often(request: HttpRequest) -> bool:
    """Over a report limit (counting this report). A cache outage lets reports through: being
    able to report harm matters more than a flood, which moderators merge anyway."""
    try:
        if request.user.is_authenticated and is_ratelimited(
            request, group="safety.report", key="user", rate=REPORTS_PER_PERSON, increment=True
        ):
            return True
        limited: bool = is_ratelimited(
            request,
            group="safety.report_address",
            key="ip",
            rate=REPORTS_PER_ADDRESS,
            increment=True,
        )
    except cache_outages():
        return False
    return limited
