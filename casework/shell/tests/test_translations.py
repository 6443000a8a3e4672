"""The Spanish catalogue: complete, faithful to its placeholders, compiled, and in use.

Refresh it after changing any translatable string (from the repository root):

    cd casework && ../.venv/bin/python ../manage.py makemessages -l es --no-obsolete \\
        --ignore 'static/*' --ignore 'testing/*' --ignore '*/tests/*'
    cd casework && ../.venv/bin/python ../manage.py makemessages -d djangojs -l es \\
        --ignore '*.min.js'
    # translate the new or changed entries in casework/locale/es/LC_MESSAGES/*.po, then:
    cd casework && ../.venv/bin/python ../manage.py compilemessages -l es
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils.html import escape

CASEWORK_DIR = Path(__file__).resolve().parents[2]
MESSAGES_DIR = CASEWORK_DIR / "locale" / "es" / "LC_MESSAGES"
DJANGO_PO = MESSAGES_DIR / "django.po"
DJANGO_MO = MESSAGES_DIR / "django.mo"
DJANGOJS_PO = MESSAGES_DIR / "djangojs.po"

# The makemessages options the catalogue is built with, per domain (see the module docstring).
EXTRACTION_OPTIONS = {
    "django": ["--ignore", "static/*", "--ignore", "testing/*", "--ignore", "*/tests/*"],
    "djangojs": ["--ignore", "*.min.js"],
}

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")

HOME_TEMPLATE = "shell/templates/shell/home.html"

EntryKey = tuple[str | None, str, str]


def _catalogues() -> list[Path]:
    return [DJANGO_PO, *([DJANGOJS_PO] if DJANGOJS_PO.exists() else [])]


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _source_texts(entry: polib.POEntry) -> list[str]:
    return [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]


def _key(entry: polib.POEntry | polib.MOEntry) -> EntryKey:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def test_the_spanish_catalogue_exists_and_uses_two_plural_forms() -> None:
    catalogue = polib.pofile(str(DJANGO_PO))
    assert len(catalogue) > 0
    assert catalogue.metadata["Language"] == "es"
    assert catalogue.metadata["Project-Id-Version"] == "Casework"
    assert "charset=UTF-8" in catalogue.metadata["Content-Type"]
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert not catalogue.metadata_is_fuzzy


@pytest.mark.parametrize("po_path", _catalogues(), ids=lambda path: path.name)
def test_every_entry_is_translated_and_none_is_fuzzy(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    untranslated = [
        entry.msgid
        for entry in catalogue
        if not all(text.strip() for text in _translations(entry))
        or (entry.msgid_plural and len(entry.msgstr_plural) != 2)
    ]
    obsolete = [entry.msgid for entry in catalogue.obsolete_entries()]
    assert fuzzy == [], f"fuzzy entries in {po_path.name}"
    assert untranslated == [], f"untranslated entries in {po_path.name}"
    assert obsolete == [], f"obsolete entries in {po_path.name}: refresh with --no-obsolete"


@pytest.mark.parametrize("po_path", _catalogues(), ids=lambda path: path.name)
def test_translations_keep_the_placeholders_and_markup_of_their_source(po_path: Path) -> None:
    problems = []
    for entry in polib.pofile(str(po_path)):
        wanted_placeholders = {
            name for text in _source_texts(entry) for name in PLACEHOLDER.findall(text)
        }
        wanted_tags = sorted(HTML_TAG.findall(entry.msgid))
        translations = _translations(entry)
        for position, translation in enumerate(translations):
            found = set(PLACEHOLDER.findall(translation))
            # As in English ("Urgent flag" / "%(count)d urgent flags"), a singular form may
            # leave the count out; the plural form carries every placeholder.
            singular = entry.msgid_plural and position < len(translations) - 1
            if not found <= wanted_placeholders or (not singular and found != wanted_placeholders):
                problems.append(f"placeholders differ: {entry.msgid!r} -> {translation!r}")
            if sorted(HTML_TAG.findall(translation)) != wanted_tags:
                problems.append(f"HTML tags differ: {entry.msgid!r} -> {translation!r}")
            python_format = "python-format" in entry.flags
            if python_format and "%" in PLACEHOLDER.sub("", translation.replace("%%", "")):
                problems.append(f"stray % (write %%): {entry.msgid!r} -> {translation!r}")
    assert problems == []


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    assert DJANGO_MO.exists(), "run compilemessages -l es"
    source = polib.pofile(str(DJANGO_PO))
    compiled = polib.mofile(str(DJANGO_MO))
    expected: dict[EntryKey, list[str]] = {
        _key(entry): _translations(entry) for entry in source.translated_entries()
    }
    actual: dict[EntryKey, list[str]] = {}
    for mo_entry in compiled:
        if mo_entry.msgid_plural:
            forms = [mo_entry.msgstr_plural[index] for index in sorted(mo_entry.msgstr_plural)]
        else:
            forms = [mo_entry.msgstr]
        actual[_key(mo_entry)] = forms
    assert actual == expected, "django.mo is stale: run compilemessages -l es"
    assert compiled.metadata.get("Plural-Forms") == source.metadata["Plural-Forms"]


def _extract(domain: str, workdir: Path) -> set[EntryKey]:
    """Run makemessages, as the module docstring does, on a copy of the code and read what it
    finds. The copy has its own empty locale directory and no settings, so the committed
    catalogue is never touched."""
    copy = workdir / "casework"
    shutil.copytree(
        CASEWORK_DIR, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc")
    )
    (copy / "locale").mkdir()
    environment = {
        key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"
    }
    command = [sys.executable, "-m", "django", "makemessages", "-d", domain, "-l", "es"]
    subprocess.run(  # noqa: S603  (fixed arguments, our own interpreter)
        [*command, "--no-obsolete", *EXTRACTION_OPTIONS[domain]],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    extracted = copy / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po"
    if not extracted.exists():
        return set()
    return {_key(entry) for entry in polib.pofile(str(extracted))}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("domain", sorted(EXTRACTION_OPTIONS))
def test_the_catalogue_holds_every_translatable_string_of_the_code(
    domain: str, tmp_path: Path
) -> None:
    extracted = _extract(domain, tmp_path)
    po_path = MESSAGES_DIR / f"{domain}.po"
    committed = {_key(entry) for entry in polib.pofile(str(po_path))} if po_path.exists() else set()
    missing = sorted(msgid for _, msgid, _ in extracted - committed)
    stale = sorted(msgid for _, msgid, _ in committed - extracted)
    advice = "refresh the catalogue as the module docstring says"
    assert missing == [], f"strings not in {domain}.po yet: {advice}"
    assert stale == [], f"strings no longer in the code but still in {domain}.po: {advice}"


@pytest.mark.django_db
def test_the_home_page_is_all_spanish_for_a_spanish_browser(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "es"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "How Casework protects you" not in page
    assert "Cómo te protege Casework" in page
    home_entries = [
        entry
        for entry in polib.pofile(str(DJANGO_PO))
        if any(path == HOME_TEMPLATE for path, _ in entry.occurrences)
    ]
    assert home_entries, f"no catalogue entry comes from {HOME_TEMPLATE}"
    for entry in home_entries:
        assert escape(entry.msgid) not in page, entry.msgid
        assert escape(entry.msgstr) in page, entry.msgstr


@pytest.mark.django_db
def test_an_english_browser_still_gets_english(client: Client) -> None:
    page = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="en">' in page
    assert "How Casework protects you" in page
