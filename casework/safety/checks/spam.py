"""Spam in public writing (community comments): what a moderator looks at before it is shown.

Comment spam is there for its link: an advertisement, a loan, a casino, "my blog". A comment
on an article is plain text about practice, where a link to another site is rare and cheap to
check, so any link to a site other than Casework or a public service (the domains safety
already treats as never personal: the NHS, gov.uk, crisis lines) sends the comment to the
moderators, who publish the honest ones. The same words posted again by the same person are
the other sign, and the caller, who keeps the comments, says whether they are.

Pure: reads the text and safety's data, stores and logs nothing.
"""

import re
import tomllib
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from casework.safety.detection import DATA

SPAM = "spam"
# The moderators' queue names the category; the msgid is the report category's.
LABEL = _("Spam")

# A link as people write one: with its scheme, from "www.", or a bare domain with a path
# ("bit.ly/x1y2"); a bare "name.tld" without a path is too often a sentence's full stop.
_LINK = re.compile(
    r"(?i:\bhttps?://[^\s<>\"']+"
    r"|\bwww\.[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s<>\"']*"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,12}/[^\s<>\"']*)"
)


@cache
def _trusted_domains() -> frozenset[str]:
    with (DATA / "service_numbers.toml").open("rb") as handle:
        services: dict[str, Any] = tomllib.load(handle)
    own = urlsplit(settings.SITE_URL).hostname or ""
    return frozenset({*(d.lower() for d in services["email_domains"]), own.lower()} - {""})


def _domain(link: str) -> str:
    with_scheme = link if "://" in link else "http://" + link
    try:
        return (urlsplit(with_scheme).hostname or "").lower().removeprefix("www.")
    except ValueError:  # a malformed address (an odd port, brackets): treat it as unknown
        return ""


def outside_links(text: str) -> list[str]:
    """The links in ``text`` to sites other than Casework and public services."""
    trusted = _trusted_domains()
    found = []
    for match in _LINK.finditer(text):
        domain = _domain(match.group().rstrip(".,;:!?)"))
        if domain in trusted or any(domain.endswith("." + t) for t in trusted):
            continue
        found.append(match.group())
    return found


def is_spam(text: str, *, repeated: bool = False) -> bool:
    """Whether ``text`` waits for a moderator as spam: it links to another site, or
    ``repeated`` (its author posted the same words just before)."""
    return repeated or bool(outside_links(text))
