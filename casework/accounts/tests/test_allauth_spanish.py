"""django-allauth's pages and emails in Casework's Spanish: "tú", complete, compiled, in use.

The override catalogue and how to refresh it: casework/accounts/allauth_catalogue.py.
"""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from casework.accounts import allauth_catalogue
from casework.accounts.models import User
from casework.shell.tests.test_translations import EXTRACTION_OPTIONS

CASEWORK_DIR = Path(__file__).resolve().parents[2]
MAIN_PO = CASEWORK_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"

# %(name)s, %d and allauth's {name}: what a translation must carry over unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[ds]|\{\w+\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")

Capture = Callable[..., Any]

# How Spanish addresses a reader as "usted": the pronoun, "su"/"sus" (ours never need the
# third person's), formal imperatives and the third-person questions and offers allauth's
# catalogue is full of ("¿Ha olvidado...?", "Le hemos enviado...", "¿Está seguro?").
FORMAL_ADDRESS = re.compile(
    r"\b(?:usted(?:es)?|ud|vd|su|sus|"
    r"introduzca|introdúzcalo|ingrese|haga|confirme|utilice|escanee|verifique|compruebe|"
    r"vuelva|escriba|siga|póngase|contáctenos|solicite|inténtelo|elija|seleccione|guarde|"
    r"regístrese|inicie|cambie|pulse|descargue|tenga|espere|revise|añada|elimine|desactive|"
    r"cree|recuerde|asegúrese|consulte|indique|use|"
    r"emita|desea|recibirá|podrá|debe|no puede|ya ha|aún no ha|que ha indicado|"
    r"le (?:hemos|enviaremos|pedimos|permite))\b"
    r"|¿(?:ha|está|tiene|quiere|olvidó)\b",
    re.IGNORECASE,
)


def _formal_words(text: str) -> list[str]:
    # "%(link)sregístrese": a placeholder is no part of the word after it.
    return [match.group(0) for match in FORMAL_ADDRESS.finditer(PLACEHOLDER.sub(" ", text))]


def _forms(entry: polib.POEntry | polib.MOEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _overrides() -> list[polib.POEntry]:
    return list(polib.pofile(str(allauth_catalogue.OVERRIDES_PO)))


def test_the_word_list_catches_what_allauth_says() -> None:
    assert _formal_words("¿Ha olvidado su contraseña?") == ["¿Ha", "su"]
    assert _formal_words("Introduzca su dirección") == ["Introduzca", "su"]
    assert _formal_words("Usted está recibiendo este correo") == ["Usted"]
    assert _formal_words("%(link)sregístrese%(end_link)s") == ["regístrese"]
    assert _formal_words("¿Has olvidado tu contraseña? Escríbela aquí.") == []
    assert _formal_words("No se puede confirmar: ya la ha confirmado otra cuenta.") == []
    # allauth's own Spanish trips it on about a quarter of the messages in scope.
    theirs = allauth_catalogue.allauth_entries().values()
    assert sum(1 for entry in theirs if any(_formal_words(f) for f in _forms(entry))) > 60


def test_every_allauth_message_casework_shows_has_a_spanish_override() -> None:
    comparison = allauth_catalogue.compare(allauth_catalogue.overrides())
    advice = "run manage.py allauth_catalogue --update and translate"
    assert [entry.msgid for entry in comparison.missing] == [], advice
    assert [entry.msgid for entry in comparison.stale] == [], advice
    assert len(allauth_catalogue.allauth_entries()) > 200  # the scope matches something


def test_after_an_allauth_upgrade_the_refresh_drafts_new_messages_and_drops_gone_ones() -> None:
    catalogue = allauth_catalogue.overrides()
    plural = next(entry for entry in catalogue if entry.msgid_plural)
    catalogue.remove(plural)  # as if allauth had just added it
    catalogue.append(polib.POEntry(msgid="A message allauth no longer has", msgstr="Ya no"))
    comparison = allauth_catalogue.update(catalogue)
    assert [entry.msgid for entry in comparison.missing] == [plural.msgid]
    assert [entry.msgid for entry in comparison.stale] == ["A message allauth no longer has"]
    [draft] = [entry for entry in catalogue if entry.msgid == plural.msgid]
    assert "fuzzy" in draft.flags  # allauth's wording, to be rewritten before the tests pass
    assert sorted(draft.msgstr_plural) == [0, 1]
    assert "A message allauth no longer has" not in {entry.msgid for entry in catalogue}


def test_every_override_is_translated_with_two_plural_forms_and_none_is_fuzzy() -> None:
    catalogue = polib.pofile(str(allauth_catalogue.OVERRIDES_PO))
    assert catalogue.metadata["Language"] == "es"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert [entry.msgid for entry in catalogue if "fuzzy" in entry.flags] == []
    assert [entry.msgid for entry in catalogue.obsolete_entries()] == []
    unfinished = [
        entry.msgid
        for entry in catalogue
        if not all(form.strip() for form in _forms(entry))
        or (entry.msgid_plural and len(entry.msgstr_plural) != 2)
    ]
    assert unfinished == []


def test_no_override_addresses_the_reader_as_usted() -> None:
    formal = {form: _formal_words(form) for entry in _overrides() for form in _forms(entry)}
    assert {form: words for form, words in formal.items() if words} == {}


def test_overrides_keep_the_placeholders_and_markup_of_their_source() -> None:
    problems = []
    for entry in _overrides():
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        wanted = sorted(PLACEHOLDER.findall(sources[-1]))
        for form in _forms(entry):
            if sorted(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {form!r}")
            if sorted(HTML_TAG.findall(form)) != sorted(HTML_TAG.findall(entry.msgid)):
                problems.append(f"HTML tags differ: {entry.msgid!r} -> {form!r}")
    assert problems == []


def test_where_our_own_catalogue_translates_the_same_message_both_agree() -> None:
    # casework/locale comes first in LOCALE_PATHS and wins; a different override would be a
    # translation nobody sees, and one word for one thing on two pages.
    ours = {(entry.msgctxt, entry.msgid): entry for entry in polib.pofile(str(MAIN_PO))}
    disagreements = {
        entry.msgid: (_forms(entry), _forms(ours[key]))
        for entry in _overrides()
        if (key := (entry.msgctxt, entry.msgid)) in ours
        and ours[key].translated()
        and _forms(ours[key]) != _forms(entry)
    }
    assert disagreements == {}


def test_the_compiled_overrides_match_the_po_file() -> None:
    assert allauth_catalogue.OVERRIDES_MO.exists(), "run make messages (compilemessages -l es)"
    source = polib.pofile(str(allauth_catalogue.OVERRIDES_PO))
    compiled = polib.mofile(str(allauth_catalogue.OVERRIDES_MO))
    expected = {
        (entry.msgctxt, entry.msgid): _forms(entry) for entry in source.translated_entries()
    }
    actual = {(entry.msgctxt, entry.msgid): _forms(entry) for entry in compiled}
    assert actual == expected, "the .mo is stale: run make messages (compilemessages -l es)"


def test_django_answers_every_allauth_message_with_the_override() -> None:
    wrong = {}
    with translation.override("es"):
        for entry in _overrides():
            if entry.msgid_plural:
                answers = [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt
                    else translation.ngettext(entry.msgid, entry.msgid_plural, n)
                    for n in (1, 2)
                ]
            elif entry.msgctxt:
                answers = [translation.pgettext(entry.msgctxt, entry.msgid)]
            else:
                answers = [translation.gettext(entry.msgid)]
            if answers != _forms(entry):
                wrong[entry.msgid] = answers
    assert wrong == {}


@pytest.mark.django_db
def test_the_sign_in_page_speaks_tu_in_spanish(client: Client) -> None:
    page = client.get(reverse("account_login"), headers={"accept-language": "es"})
    text = page.content.decode()
    assert '<html lang="es">' in text
    assert re.search(r"<h1>\s*Iniciar sesión\s*</h1>", text)
    assert "¿Has olvidado tu contraseña?" in text
    assert "Si aún no tienes una cuenta, primero <a" in text
    assert '<label for="id_remember">Recordarme</label>' in text
    # None of allauth's own wording of the page's messages is left.
    theirs = polib.pofile(str(allauth_catalogue.ALLAUTH_SPANISH_PO))
    ours = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in _overrides()}
    for entry in theirs:
        used_here = any(path == "templates/account/login.html" for path, _ in entry.occurrences)
        if used_here and entry.msgstr != ours[(entry.msgctxt, entry.msgid)]:
            assert escape(entry.msgstr) not in text, entry.msgstr
    assert _formal_words(re.sub(r"<[^>]+>", " ", text)) == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_make_messages_leaves_the_overrides_alone(tmp_path: Path) -> None:
    """``make messages`` runs makemessages from casework/ with the settings: on a copy of the
    code, it must neither fill the override catalogue with our strings nor empty it."""
    copy = tmp_path / "casework"
    shutil.copytree(CASEWORK_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    before = (copy / allauth_catalogue.OVERRIDES_PO.relative_to(CASEWORK_DIR)).read_bytes()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casework.settings",
        "PYTHONPATH": str(tmp_path),  # the copy's settings, so its own LOCALE_PATHS
    }
    subprocess.run(  # noqa: S603  (fixed arguments, our own interpreter)
        [
            *(sys.executable, "-m", "django", "makemessages", "-l", "es", "--no-obsolete"),
            *EXTRACTION_OPTIONS["django"],
        ],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
        timeout=180,
    )
    after = (copy / allauth_catalogue.OVERRIDES_PO.relative_to(CASEWORK_DIR)).read_bytes()
    assert after == before
    # ...and the strings of casework/accounts went where they belong.
    extracted = polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    assert any(path.startswith("accounts/") for entry in extracted for path, _ in entry.occurrences)


def _password_reset_email(client_person: User, language: str, capture: Capture) -> str:
    # The email leaves after the commit (AccountAdapter.send_mail).
    with capture(execute=True):
        response = Client().post(
            reverse("account_reset_password"),
            {"email": client_person.email},
            headers={"accept-language": language},
        )
    assert response.status_code == 302
    [message] = [m for m in mail.outbox if m.to == [client_person.email]]
    return str(message.body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "greeting", "sign_off"),
    [
        ("en", "Hello from Casework!", "Thank you for using Casework!"),
        ("es", "¡Hola desde Casework!", "¡Gracias por usar Casework!"),
    ],
)
def test_a_password_reset_email_names_casework_and_its_address(
    client_person: User,
    django_capture_on_commit_callbacks: Capture,
    language: str,
    greeting: str,
    sign_off: str,
) -> None:
    body = _password_reset_email(client_person, language, django_capture_on_commit_callbacks)
    lines = body.splitlines()
    assert lines[0] == greeting
    assert lines[-2:] == [sign_off, settings.SITE_URL]
    assert "/accounts/password/reset/key/" in body
    assert _formal_words(body) == []
    if language == "es":
        assert "Recibes este correo porque alguien, quizá tú," in body


@pytest.mark.django_db
def test_the_sign_up_confirmation_names_the_sites_address(
    client: Client,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    password = "a long and unusual passphrase"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "alias": "River",
                "email": "river@example.org",
                "password1": password,
                "password2": password,
            },
            headers={"accept-language": "es"},
        )
    assert response.status_code == 302
    [message] = mail.outbox
    domain = settings.SITE_URL.split("://", 1)[1]
    assert f"para crear una cuenta en {domain}." in str(message.body)
    assert _formal_words(str(message.body)) == []
