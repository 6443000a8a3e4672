"""The search's result cards, each rendered once and kept in the cache.

Rendering a card (its profile summarised, then the template) cost more than the search query
itself. A card is kept under a key made of everything it shows, so that a changed fact makes
a new key rather than a stale card:

- the profile's own row: ``updated_at`` (every edit goes through ``services.save_profile``,
  which saves the row with its languages, specialties and ways of meeting) and the names a
  review changes without touching ``updated_at``;
- the next free slot, read by the search query itself;
- the reader's language and time zone, and the place asked for (the card's links carry it);
- the directory's card version (``CardsVersion``, in the database: the reactions run in the
  task worker, whose cache is not the web process's without Redis), which the reactions to
  registry and oversight events count up (``refresh_cards``: a registration verified or
  withdrawn, a register status read, a regulator's suspension or conditions on this platform).

Who is listed is never cached: the search reads it stored on each profile
(``listed_in_search``), which database triggers recompute in the very write that changes a
registration, a status, an order or a restriction, so a suspended practitioner leaves the
results at once, before any event is delivered; the version only refreshes what a listed
card says. Cards also expire after ``CARD_SECONDS``, so that what no event announces (a
regulator's name in the reference data, a name changed on a register) shows within minutes.
Without a cache every card is rendered.
"""

import hashlib
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from casework.directory.models import CardsVersion, PractitionerProfile
from casework.directory.queries import add_profile_details
from casework.directory.summaries import summarise
from casework.registry.models import Jurisdiction
from casework.shell.outages import cache_outages
from casework.shell.page_cache import renew_public_pages

CARD_SECONDS = 300


@dataclass(frozen=True)
class Card:
    profile_id: int
    # The name the card shows (``display_names.name_to_show``), for tests and logs of pages.
    display_name: str
    html: SafeString


def cards_version() -> str:
    """The current version (``CardsVersion``: one indexed read)."""
    number = CardsVersion.objects.filter(pk=1).values_list("number", flat=True).first()
    return str(number or 0)


def refresh_cards() -> None:
    """Every card kept so far is rendered again on its next search: the version counts up in
    the caller's transaction (a reaction's), so it moves exactly when the change is kept."""
    if not CardsVersion.objects.filter(pk=1).update(number=F("number") + 1):
        CardsVersion.objects.get_or_create(pk=1, defaults={"number": 1})
    # A page kept for visitors since the event (renewed when it was emitted) may hold the
    # cards as they were before this reaction: it is rendered again too.
    renew_public_pages()


def _key(version: str, profile: PractitionerProfile, where: Jurisdiction | None) -> str:
    shown = (
        version,
        profile.updated_at.isoformat(),
        profile.display_name,
        profile.approved_display_name,
        getattr(profile, "next_free_at", None),
        get_language(),
        timezone.get_current_timezone_name(),
        where.code if where is not None else "",
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"directory:card:{profile.pk}:{digest}"


def _render(profile: PractitionerProfile, where: Jurisdiction | None) -> Card:
    summary = summarise(profile)
    html = render_to_string("directory/card.html", {"s": summary, "where": where})
    return Card(profile.pk, summary.display_name, SafeString(html))


def cards_for(profiles: Sequence[PractitionerProfile], *, where: Jurisdiction | None) -> list[Card]:
    """The cards of a page of ``find_practitioners(..., details=False)``, in its order:
    those kept are read in one cache call; the rest fetch their details (one query per kind
    for all of them), are rendered and kept."""
    if not profiles:
        return []
    # The version is read before anything is rendered: a card rendered from data older than
    # a bump is then kept under the old version, never the new one.
    version = cards_version()
    keys = {profile.pk: _key(version, profile, where) for profile in profiles}
    kept: dict[str, Card] = {}
    with suppress(*cache_outages()):
        kept = cache.get_many(list(keys.values()))
    missing = [profile for profile in profiles if keys[profile.pk] not in kept]
    add_profile_details(missing)
    rendered = {profile.pk: _render(profile, where) for profile in missing}
    if rendered:
        with suppress(*cache_outages()):
            cache.set_many({keys[pk]: card for pk, card in rendered.items()}, CARD_SECONDS)
    return [
        rendered[profile.pk] if profile.pk in rendered else kept[keys[profile.pk]]
        for profile in profiles
    ]
