"""Where the issuer's public resources live: every address a credential, the DID document or
the wallet metadata names is ``SITE_URL`` followed by the route's path inside the site.

``reverse`` prefixes the script name when the site is served under one (``SCRIPT_NAME``), and
``SITE_URL`` already ends with that path, so the prefix is taken off before joining: the same
credential names the same addresses whether it was issued in a request, a task or a command.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix, reverse


def site_path(viewname: str, **kwargs: Any) -> str:
    """The route's path inside the site, starting with "/" (no script prefix)."""
    path = reverse(viewname, kwargs=kwargs or None)
    prefix = get_script_prefix()
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    return path


def public_url(viewname: str, **kwargs: Any) -> str:
    return f"{settings.SITE_URL}{site_path(viewname, **kwargs)}"


def site_has_path() -> bool:
    """Whether the site is served below a path of its host (https://example.org/casework)."""
    return urlsplit(settings.SITE_URL).path.strip("/") != ""
