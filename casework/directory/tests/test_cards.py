"""The search's result cards are rendered once and kept, and never show what is no longer so:
who is listed is read afresh on every search, a profile edit shows at once, a regulator's
order shows once its event is delivered, and each language and place has its own cards."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from unittest.mock import patch

import pytest
import time_machine
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.directory import cards
from casework.directory.models import PractitionerProfile
from casework.directory.services import save_profile
from casework.registry.models import RegisterEntry
from casework.registry.restrictions import set_conditions, suspend_listing
from casework.scheduling.models import PractitionerSchedule
from casework.shell.page_cache import renew_public_pages
from casework.testing import oversight, scheduling
from casework.testing.directory import profile_details

pytestmark = pytest.mark.django_db

CONDITIONS = "with conditions: see the profile"


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=False):
        yield


@pytest.fixture
def listed() -> tuple[User, PractitionerProfile, RegisterEntry]:
    return oversight.listed_with_entry()


def order_conditions(entry: RegisterEntry) -> None:
    set_conditions(
        entry=entry,
        officer=oversight.officer_of("social-work-england"),
        conditions="Supervised practice only.",
        reason="Order of the fitness to practise panel.",
    )


def search(query: str = "", language: str = "en") -> str:
    response = Client().get(f"/find/?{query}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_suspended_practitioner_leaves_the_results_at_once_though_their_card_is_kept(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    _practitioner, profile, entry = listed
    assert f'href="/practitioners/{profile.slug}/' in search()
    officer = oversight.officer_of("social-work-england")
    # No event is delivered (its commit never comes in this test): the search alone hides them.
    suspend_listing(entry=entry, officer=officer, reason="Interim order pending a hearing.")
    page = search()
    assert f'href="/practitioners/{profile.slug}/' not in page
    assert "0 social workers" in page


def test_conditions_set_on_the_platform_show_on_a_kept_card_once_announced(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _practitioner, _profile, entry = listed
    assert CONDITIONS not in search()
    with django_capture_on_commit_callbacks(execute=True):
        order_conditions(entry)
    assert CONDITIONS in search()


def test_the_announcement_reaches_the_pages_from_a_task_worker_with_a_cache_of_its_own(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Without Redis every process has its own cache, and events are relayed by the task
    worker: the card version lives in the database, so the worker's count reaches the pages."""
    _practitioner, _profile, entry = listed
    assert CONDITIONS not in search()
    workers_cache = LocMemCache("task-worker", {})
    with (
        patch.object(cards, "cache", workers_cache),
        django_capture_on_commit_callbacks(execute=True),
    ):
        order_conditions(entry)
    assert CONDITIONS in search()


def test_a_profile_edit_shows_on_the_next_search(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, _profile, _entry = listed
    assert "Welsh" not in search()
    # A card is kept under the profile's time of change (``updated_at``): the edit comes later.
    with time_machine.travel(scheduling.NOW + timedelta(seconds=1), tick=False):
        save_profile(
            practitioner=practitioner,
            details=profile_details(display_name="Amara Okafor", languages=["en", "cy"]),
        )
    assert "Welsh" in search()


def test_a_new_free_slot_shows_on_the_next_search(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, _profile, _entry = listed
    schedule = PractitionerSchedule.objects.get(practitioner=practitioner)
    soon = scheduling.NOW + timedelta(days=2)
    schedule_at(schedule, soon)
    assert f'datetime="{soon.isoformat()}"' in search()
    later = scheduling.NOW + timedelta(days=9)
    schedule_at(schedule, later)
    page = search()
    assert f'datetime="{soon.isoformat()}"' not in page
    assert f'datetime="{later.isoformat()}"' in page


def schedule_at(schedule: PractitionerSchedule, when: datetime) -> None:
    PractitionerSchedule.objects.filter(pk=schedule.pk).update(next_free_at=when)
    renew_public_pages()  # as ``refresh_next_free`` does when the next free slot moves


def test_each_language_and_place_has_its_own_cards(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    english = search()
    assert "Languages" in english
    spanish = search(language="es")
    assert "Idiomas" in spanish
    assert "Languages" not in spanish
    assert "?where=GB-ENG" not in english
    assert "/?where=GB-ENG" in search("where=GB-ENG")
