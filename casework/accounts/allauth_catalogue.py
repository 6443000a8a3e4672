"""Casework's Spanish for django-allauth: the sign-in, sign-up, password, email, MFA and session
pages and the account emails speak "tú", as the rest of the site does.

allauth's own Spanish catalogue addresses the reader as "usted" ("¿Ha olvidado su
contraseña?"). ``allauth_locale/es/LC_MESSAGES/django.po`` translates again every entry of it
that the account, MFA and user-session apps and templates can show (``SCOPE``; social
accounts, headless, the identity provider, OpenID and SAML are not installed). It is the second
entry of ``LOCALE_PATHS``: it wins over allauth's catalogue, which is only an installed app's,
while ``casework/locale`` still wins where both translate one msgid (the tests keep the two
alike).

The directory is not called ``locale`` on purpose: ``makemessages``, run from casework/ as
``make messages`` does, adopts every directory named ``locale`` it walks past as the catalogue
of the files around it, and would fill this one with casework/accounts' own strings and discard
allauth's as obsolete.

After upgrading django-allauth, ``manage.py allauth_catalogue`` lists the entries allauth has
and this catalogue does not translate yet, and those allauth no longer has; ``--update`` adds
the new ones with allauth's wording marked fuzzy (the tests refuse fuzzy entries, so each gets
translated) and drops the stale ones. Translate, then ``make messages`` compiles it.

Reading and writing catalogues needs polib, a development tool: so does this module.
"""

from dataclasses import dataclass
from pathlib import Path

import allauth
import polib

# Where in allauth a message comes from, as its catalogue's references name it.
SCOPE = (
    "account/",
    "mfa/",
    "usersessions/",
    "templates/account/",
    "templates/mfa/",
    "templates/usersessions/",
)

ALLAUTH_SPANISH_PO = Path(allauth.__file__).resolve().parent / "locale/es/LC_MESSAGES/django.po"
OVERRIDES_DIR = Path(__file__).resolve().parent / "allauth_locale"
OVERRIDES_PO = OVERRIDES_DIR / "es" / "LC_MESSAGES" / "django.po"
OVERRIDES_MO = OVERRIDES_PO.with_suffix(".mo")

HEADER = """\
Casework's Spanish ("tú") for the django-allauth messages Casework shows: it takes precedence
over allauth's own Spanish catalogue, which uses "usted" (see settings.LOCALE_PATHS).
Do not move it into a directory named "locale": makemessages would take it over.
After an allauth upgrade: manage.py allauth_catalogue --update, translate the fuzzy
entries (tú, the vocabulary of casework/locale), then make messages.
See casework/accounts/allauth_catalogue.py."""

METADATA = {
    "Project-Id-Version": "Casework (django-allauth overrides)",
    "Language": "es",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    # As casework/locale: one form for one, one for every other number.
    "Plural-Forms": "nplurals=2; plural=(n != 1);",
}

EntryKey = tuple[str | None, str]


def key_of(entry: polib.POEntry) -> EntryKey:
    return (entry.msgctxt, entry.msgid)


def in_scope(entry: polib.POEntry) -> bool:
    return not entry.obsolete and any(path.startswith(SCOPE) for path, _ in entry.occurrences)


def allauth_entries() -> dict[EntryKey, polib.POEntry]:
    """The entries of allauth's Spanish catalogue that Casework's pages and emails can show."""
    catalogue = polib.pofile(str(ALLAUTH_SPANISH_PO))
    return {key_of(entry): entry for entry in catalogue if in_scope(entry)}


def overrides() -> polib.POFile:
    if not OVERRIDES_PO.exists():
        catalogue = polib.POFile(wrapwidth=100)
        catalogue.header = HEADER
        catalogue.metadata = dict(METADATA)
        return catalogue
    return polib.pofile(str(OVERRIDES_PO), wrapwidth=100)


@dataclass(frozen=True)
class Comparison:
    missing: list[polib.POEntry]  # allauth's, not translated here yet
    stale: list[polib.POEntry]  # ours, for a message allauth no longer has


def compare(catalogue: polib.POFile) -> Comparison:
    theirs = allauth_entries()
    ours = {key_of(entry) for entry in catalogue if not entry.obsolete}
    return Comparison(
        missing=[entry for key, entry in theirs.items() if key not in ours],
        stale=[entry for entry in catalogue if not entry.obsolete and key_of(entry) not in theirs],
    )


def _starting_point(source: polib.POEntry) -> polib.POEntry:
    """allauth's entry as a fuzzy draft: its wording is to be rewritten, not kept."""
    entry = polib.POEntry(
        msgctxt=source.msgctxt,
        msgid=source.msgid,
        msgid_plural=source.msgid_plural,
        occurrences=list(source.occurrences),
        flags=[*(flag for flag in source.flags if flag != "fuzzy"), "fuzzy"],
    )
    if source.msgid_plural:
        # allauth's Spanish has three plural forms, ours two (as casework/locale).
        forms = [source.msgstr_plural[index] for index in sorted(source.msgstr_plural)]
        entry.msgstr_plural = {0: forms[0], 1: forms[-1]}
    else:
        entry.msgstr = source.msgstr
    return entry


def update(catalogue: polib.POFile) -> Comparison:
    """Add allauth's new entries as fuzzy drafts, drop the stale ones and refresh every
    entry's references to where allauth uses it; the caller saves."""
    comparison = compare(catalogue)
    for entry in comparison.stale:
        catalogue.remove(entry)
    theirs = allauth_entries()
    for entry in catalogue:
        if key_of(entry) in theirs:
            entry.occurrences = list(theirs[key_of(entry)].occurrences)
    for entry in comparison.missing:
        catalogue.append(_starting_point(entry))
    return comparison
