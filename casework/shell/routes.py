"""How a request is named in logs and metrics: by its route, never its path (a path may hold an
id, a token or a search, and every distinct one would be a new label)."""

from django.urls import Resolver404, resolve

UNMATCHED_ROUTE = "<unmatched>"


def route_of(request: object) -> str:
    """The route's name (``care:note``), or its pattern when it has none: never the path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        path = getattr(request, "path_info", None)
        if not isinstance(path, str):
            return UNMATCHED_ROUTE
        # Answered by a middleware before the URL was resolved (/healthz, a redirect to sign
        # in): named by the route its path would have reached, if any.
        try:
            match = resolve(path)
        except Resolver404:
            return UNMATCHED_ROUTE
    return str(match.view_name or match.route or UNMATCHED_ROUTE)
