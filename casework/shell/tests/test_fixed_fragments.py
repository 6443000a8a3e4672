"""Pieces of pages drawn once per process (``shell/templatetags/fragments.py``): each reader
still gets the piece for their language and for whether they are signed in."""

import re
from collections.abc import Iterator

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from pytest_django import Settings

from casework.shell.templatetags.fragments import forget_fixed_fragments
from casework.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db

SIGN_UP = "Ask for help: sign up with an alias"


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    forget_fixed_fragments()
    yield
    forget_fixed_fragments()


def test_a_signed_in_person_is_not_offered_to_sign_up_after_a_visitor_was(client: Client) -> None:
    assert SIGN_UP in client.get("/").content.decode()
    client.force_login(ClientFactory.create())
    page = client.get("/").content.decode()
    assert "How Casework protects you" in page
    assert SIGN_UP not in page


def test_a_spanish_reader_gets_spanish_after_an_english_one(client: Client) -> None:
    assert (
        "How Casework protects you"
        in client.get("/", headers={"accept-language": "en"}).content.decode()
    )
    page = client.get("/", headers={"accept-language": "es"}).content.decode()
    assert "Cómo te protege Casework" in page
    assert "How Casework protects you" not in page
    assert (
        "How Casework protects you"
        in client.get("/", headers={"accept-language": "en"}).content.decode()
    )


def test_each_reader_still_gets_their_own_csrf_token(client: Client) -> None:
    """The page around the piece is drawn for each request: the form tokens differ."""
    tokens = {
        re.search(r'"X-CSRFToken": "([^"]+)"', Client().get("/").content.decode()).group(1)  # type: ignore[union-attr]
        for _ in range(2)
    }
    assert len(tokens) == 2


def test_the_language_switch_names_each_language_in_itself(client: Client) -> None:
    for language in ("en", "es"):
        page = client.get("/", headers={"accept-language": language}).content.decode()
        assert '<option value="es"' in page
        assert ">Español</option>" in page
        assert ">English</option>" in page


def test_a_piece_is_drawn_afresh_while_debugging(settings: Settings) -> None:
    template = Template(
        '{% load fragments %}{% fixed_fragment "t" %}{{ n }}{% endfixed_fragment %}'
    )
    settings.DEBUG = False
    assert template.render(Context({"n": 1})) == "1"
    assert template.render(Context({"n": 2})) == "1"  # kept: the piece depends on nothing
    settings.DEBUG = True
    assert template.render(Context({"n": 3})) == "3"


def test_a_piece_without_a_quoted_name_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError, match="quoted name"):
        Template("{% load fragments %}{% fixed_fragment name %}x{% endfixed_fragment %}")
