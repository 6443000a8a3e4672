"""The verification search finds names as the directory does, whatever their accents, case,
hyphens, apostrophes and order, and says plainly when nothing matched, without implying
anything about the person."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from casework.accounts.models import User
from casework.registry import register_import
from casework.registry.models import RegisterEntry, Regulator
from casework.registry.names import name_search_key, name_search_words
from casework.registry.verification import find_entries

pytestmark = pytest.mark.django_db


def found(query: str, client: Client | None = None) -> list[str]:
    """Names on the /verify/ page for a name search; the API must find the same."""
    response = (client or Client()).get("/verify/", {"name": query})
    assert response.status_code == 200
    page = [entry.name for entry in response.context["entries"]]
    api = Client().get("/api/v1/verify", {"name": query})
    assert api.status_code == 200, api.content
    assert [item["name"] for item in api.json()] == page
    return page


@pytest.fixture
def register(england: Regulator) -> None:
    for number, name, previous in [
        ("SW1", "Siobhán Gallagher", []),
        ("SW2", "Seán O'Neill", []),
        ("SW3", "Mary-Kate Smith-Jones", []),
        ("SW4", "Ana Costa", ["Ana Silva"]),
        ("SW5", "María de la Cruz", []),
        ("SW6", "Hannah Okafor", []),
    ]:
        RegisterEntry.objects.create(
            regulator=england,
            registration_number=number,
            name=name,
            previous_names=previous,
            status="registered",
        )


@pytest.mark.parametrize(
    "query",
    [
        "Siobhan",
        "siobhan gallagher",
        "gallagher siobhan",
        "GALLAGHER, Siobhán",
        "Siobha\u0301n",  # the accent as a combining mark
        "siob",  # the start of a word is enough
        "Gallagher  -  Siobhan",
    ],
)
def test_a_name_is_found_whatever_its_accents_case_and_order(register: None, query: str) -> None:
    assert found(query) == ["Siobhán Gallagher"]


@pytest.mark.parametrize(
    "query", ["Sean O'Neill", "sean oneill", "Seán O\u2019Neill", "O Neill Sean", "neill"]
)
def test_apostrophes_are_forgiven(register: None, query: str) -> None:
    assert found(query) == ["Seán O'Neill"]


@pytest.mark.parametrize("query", ["mary kate jones", "Smith Jones", "marykate"])
def test_hyphens_are_forgiven(register: None, query: str) -> None:
    if query == "marykate":
        # Hyphenated parts are separate words, as in the directory.
        assert found(query) == []
    else:
        assert found(query) == ["Mary-Kate Smith-Jones"]


@pytest.mark.parametrize("query", ["maria de la cruz", "Cruz Maria", "delacruz"])
def test_particles_are_forgiven(register: None, query: str) -> None:
    assert found(query) == ["María de la Cruz"]


def test_a_previous_name_on_the_register_finds_the_entry(register: None) -> None:
    assert found("Ana Silva") == ["Ana Costa"]


@pytest.mark.parametrize("query", ["Siobhan Smith", "han", "obhan", "Gallagherr"])
def test_other_names_and_the_middle_of_a_word_do_not_match(register: None, query: str) -> None:
    assert "Siobhán Gallagher" not in found(query)


def test_nothing_matched_is_said_without_implying_anything_about_the_person(
    register: None,
) -> None:
    response = Client().get("/verify/", {"name": "Nobody Here"})
    page = response.content.decode()
    assert response.context["entries"] == []
    assert "No entry matched this search" in page
    assert "says nothing about the" in page
    assert "may not be allowed" not in page
    assert "not allowed" not in page
    # How to check the regulators' own registers, every one of them.
    for regulator in Regulator.objects.all():
        assert f'href="{regulator.register_url}"' in page


def test_nothing_matched_with_one_regulator_points_to_its_register(register: None) -> None:
    page = Client().get("/verify/", {"name": "Nobody Here", "regulator": "sssc"}).content.decode()
    sssc = Regulator.objects.get(slug="sssc")
    england = Regulator.objects.get(slug="social-work-england")
    assert f'href="{sssc.register_url}"' in page
    assert f'href="{england.register_url}"' not in page


def test_the_key_follows_every_way_an_entry_is_written(england: Regulator) -> None:
    entry = RegisterEntry.objects.create(
        regulator=england, registration_number="K1", name="Zoë Brontë", status="registered"
    )
    RegisterEntry.objects.bulk_create(
        [
            RegisterEntry(
                regulator=england,
                registration_number="K2",
                name="Łucja Wójcik",
                status="registered",
            )
        ]
    )
    assert found("zoe bronte") == ["Zoë Brontë"]
    assert found("lucja") == ["Łucja Wójcik"]
    entry.name = "Zoë Ashby"
    entry.save()
    assert found("bronte") == []
    assert found("ashby zoe") == ["Zoë Ashby"]


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


def test_a_name_changed_by_a_register_reading_is_found_by_its_new_spelling(
    england: Regulator,
    officer: User,
    media: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    header = "registration_number,name,previous_names,status,conditions,valid_from,valid_until\n"
    for text in [
        header + "SW9001,Siobhan Gallagher,,registered,,,\n",
        header + "SW9001,Siobhán Ní Bhriain,Siobhan Gallagher,registered,,,\n",
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            received = register_import.receive_register_file(
                regulator=england,
                uploaded_file=SimpleUploadedFile("export.csv", text.encode()),
                file_format="generic-csv",
                uploaded_by=officer,
            )
        applied = register_import.apply_register_import(
            register_import_id=received.pk, applied_by=officer
        )
        assert applied.state == applied.State.APPLIED, applied.failure
    assert found("siobhan bhriain") == ["Siobhán Ní Bhriain"]
    assert found("ni bhriain") == ["Siobhán Ní Bhriain"]
    assert found("gallagher") == ["Siobhán Ní Bhriain"]  # the previous name


def test_the_search_key_holds_each_word_once_after_a_space() -> None:
    assert name_search_key("José-María O'Neil") == " jose maria oneil o neil"
    assert name_search_words("O'Neil, JOSÉ") == ["jose", "oneil"]


def test_a_name_search_costs_one_query_however_many_words(
    register: None, england: Regulator
) -> None:
    with CaptureQueriesContext(connection) as queries:
        list(find_entries(regulator=None, number="", name="Siobhan"))
    one_word = len(queries)
    with CaptureQueriesContext(connection) as queries:
        list(find_entries(regulator=england, number="", name="gallagher siobhan ni x y z a b c d"))
    # The entries with their regulator and whether someone on Casework holds them: one query.
    assert one_word == len(queries) == 1
