"""/api/v1: one API object, one router per app, one OpenAPI schema at /api/v1/openapi.json."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI

from casework.directory.api import router as directory_router
from casework.messaging.api import router as messaging_router
from casework.registry.api import router as registry_router
from casework.scheduling.api import router as scheduling_router

api = NinjaAPI(
    title="Casework API",
    version="1",
    description="Check registrations, find a social worker who may practise where you are, book.",
    urls_namespace="api",
    docs_url=None,  # the interactive docs page would load assets from a CDN
    openapi_url="/openapi.json",
)
api.add_router("/", registry_router)
api.add_router("/", directory_router)
api.add_router("/", scheduling_router)
api.add_router("/", messaging_router)


def public_urls() -> list[URLPattern | URLResolver]:
    """The API authenticates per operation (and answers 401 JSON, never a sign-in redirect),
    so the site's LoginRequiredMiddleware stands aside for its routes."""
    patterns, app_name, namespace = api.urls
    wrapped = [
        URLPattern(p.pattern, login_not_required(p.callback), p.default_args, p.name)
        for p in patterns
        if isinstance(p, URLPattern)
    ]
    return [path("", include((wrapped, app_name), namespace=namespace))]
