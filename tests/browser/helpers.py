"""What the browser tests in two languages share: signing a profile in, and the checks every
page passes (its language, a heading, axe, a 320px screen, and in Spanish no English left).
``profile_in`` (conftest) opens a profile in a language."""

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import polib
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.test import Client, RequestFactory
from playwright.sync_api import BrowserContext, Page, expect

from casework.accounts.models import User

AssertAccessible = Callable[[Page], None]
LOCALES = {"en": "en-GB", "es": "es-ES"}

SPANISH_CATALOGUE = (
    Path(__file__).resolve().parents[2] / "casework" / "locale" / "es" / "LC_MESSAGES" / "django.po"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[sd]")
# Words English sentences cannot do without and Spanish never uses: two of them in one piece
# of text give away a sentence nobody translated (or that never went through gettext at all).
ENGLISH_ONLY_WORDS = frozenset(
    [
        "the",
        "your",
        "you",
        "and",
        "with",
        "this",
        "what",
        "is",
        "are",
        "of",
        "to",
        "for",
        "from",
        "will",
    ]
)
WORD = re.compile(r"[^\W\d_]+")

# Every piece of text a reader meets: each element's own visible lines, and the texts that
# only assistive technology or a hover shows. Subtrees marked in another language (the
# language picker's "English") and code are left out.
VISIBLE_TEXTS_JS = """() => {
  const texts = [];
  const foreign = (node) => {
    const marked = node.closest('[lang]');
    return marked && !marked.lang.toLowerCase().startsWith('es');
  };
  for (const element of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT'].includes(element.tagName)) continue;
    if (foreign(element)) continue;
    // Code is machine text (an event type, a hash, an address), the same in every language.
    if (element.closest('code, pre, kbd, samp')) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      const value = element.getAttribute(name);
      if (value) texts.push(value);
    }
    if (element.matches('input[type=submit], input[type=button]') && element.value) {
      texts.push(element.value);
    }
    const style = getComputedStyle(element);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const own = [...element.childNodes]
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent).join(' ');
    if (own.trim()) texts.push(element.innerText || own);
  }
  return texts;
}"""


def assert_fits_320_pixels(page: Page) -> None:
    """WCAG 1.4.10 Reflow: at 320 CSS pixels wide nothing scrolls sideways."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a 320px screen"
    if size is not None:
        page.set_viewport_size(size)


def signed_in_as(
    profile: BrowserContext, site: str, person: User, *, reauthenticated: bool = False
) -> None:
    """Stands for a completed sign-in (the journeys in test_accounts cover the forms);
    ``reauthenticated``: one that has just confirmed the password again, as the pages that
    ask for it again (erasure) need."""
    client = Client()
    client.force_login(person)
    if reauthenticated:
        session = client.session
        confirming = RequestFactory().post("/accounts/reauthenticate/")
        confirming.session = session
        record_authentication(confirming, person, method="password", reauthenticated=True)
        session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    profile.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def check_page(page: Page, language: str, assert_accessible: AssertAccessible) -> None:
    """The page is in ``language``, has its heading, passes axe, fits a 320px screen and, in
    Spanish, shows no English."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    assert_fits_320_pixels(page)
    if language == "es":
        assert_in_spanish(page)


@cache
def _english_vocabulary() -> frozenset[str]:
    """The words of the catalogue's English sources that none of its Spanish uses ("post",
    "account", "waiting"): a line mostly made of them is English that gettext never saw."""
    english: set[str] = set()
    spanish: set[str] = set()
    for entry in polib.pofile(str(SPANISH_CATALOGUE)):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text, words in ((" ".join(sources), english), (" ".join(translations), spanish)):
            words.update(word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text)))
    return frozenset(word for word in english - spanish if len(word) > 2)


def _mostly_english(line: str) -> bool:
    """Three words or more of the English vocabulary, and at least half the line's words (so a
    name such as "Social Work England" in a Spanish sentence is no leftover)."""
    words = [word.lower() for word in WORD.findall(line)]
    english = [word for word in words if word in _english_vocabulary()]
    return len(english) >= 3 and 2 * len(english) >= len(words)


@cache
def _english_of_the_catalogue() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Two patterns built from the Spanish catalogue's English sources whose Spanish differs:
    one for a text that is a whole source (a button's "Confirm"), one for a source of three
    words or more anywhere in a text. Placeholders match anything."""
    whole, phrases = [], []
    for entry in polib.pofile(str(SPANISH_CATALOGUE)):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for source in sources:
            source = " ".join(source.split())
            if not source or "<" in source or source in translations:
                continue
            literal = PLACEHOLDER.sub(" ", source)
            if not any(len(word) > 2 for word in WORD.findall(literal)):
                continue
            pattern = r".+?".join(re.escape(part) for part in PLACEHOLDER.split(source))
            whole.append(pattern)
            if len(literal.split()) >= 3:
                phrases.append(pattern)
    return (
        re.compile("(?:" + "|".join(whole) + ")"),
        re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)"),
    )


def english_leftovers(page: Page) -> list[str]:
    """The texts of ``page`` that are still English: a source text of the catalogue shown
    untranslated, or a sentence made of English words that never went through gettext (two of
    the words Spanish never uses, or mostly words only the English sources use)."""
    whole, phrase = _english_of_the_catalogue()
    found: list[str] = []
    for text in page.evaluate(VISIBLE_TEXTS_JS):
        for line in str(text).splitlines():
            line = " ".join(line.split())
            if not line or line in found:
                continue
            english_words = ENGLISH_ONLY_WORDS & {word.lower() for word in WORD.findall(line)}
            if (
                whole.fullmatch(line)
                or phrase.search(line)
                or len(english_words) >= 2
                or _mostly_english(line)
            ):
                found.append(line)
    return found


def assert_in_spanish(page: Page) -> None:
    """The page speaks Spanish, and no English is left on it (see ``english_leftovers``)."""
    expect(page.locator("html")).to_have_attribute("lang", "es")
    leftovers = english_leftovers(page)
    assert not leftovers, f"English left on {page.url}:\n" + "\n".join(leftovers)
