"""/api/v1: one API object, one router per app, one OpenAPI schema at /api/v1/openapi.json."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI

from casework.registry.api import router as registry_router

api = NinjaAPI(
    title="Casework API",
    version="1",
    description="Check social workers' registrations; more of Casework follows.",
    urls_namespace="api",
    docs_url=None,  # the interactive docs page would load assets from a CDN
    openapi_url="/openapi.json",
)
api.add_router("/", registry_router)


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
