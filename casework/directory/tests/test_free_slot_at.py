"""The next free slot stored on each profile for the search's order (``free_slot_at``, kept by
the triggers of migration 0007) is the one the practitioner's schedule keeps, after every kind
of write that changes it, in that write's own transaction; and the search's soonest-first
pages, read from it in order, are the order worked out afresh from the schedules."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction

from casework.accounts.models import User
from casework.directory import paging
from casework.directory.models import PractitionerProfile
from casework.directory.paging import CappedPaginator, SoonestFirst
from casework.directory.queries import SearchCriteria, Sort, find_practitioners
from casework.directory.services import save_profile
from casework.scheduling.models import AvailabilityWindow, PractitionerSchedule
from casework.scheduling.services import availability
from casework.testing import scheduling
from casework.testing.directory import listed_practitioner, profile_details, registered_practitioner

pytestmark = pytest.mark.usefixtures("reference")

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def stored_slot(profile: PractitionerProfile) -> datetime | None:
    """``profile``'s stored slot, checked against the schedules for every profile there is."""
    schedules = dict(PractitionerSchedule.objects.values_list("practitioner_id", "next_free_at"))
    stored = dict(PractitionerProfile.objects.values_list("practitioner_id", "free_slot_at"))
    assert stored == {practitioner: schedules.get(practitioner) for practitioner in stored}
    return stored[profile.practitioner_id]


def free_at(practitioner: User, when: datetime | None) -> None:
    PractitionerSchedule.objects.update_or_create(
        practitioner=practitioner, defaults={"next_free_at": when}
    )


def test_a_schedule_created_refreshed_and_cleared_is_followed() -> None:
    profile = listed_practitioner()
    assert stored_slot(profile) is None
    free_at(profile.practitioner, NOW)
    assert stored_slot(profile) == NOW
    PractitionerSchedule.objects.filter(practitioner=profile.practitioner).update(
        next_free_at=NOW + timedelta(days=2)
    )
    assert stored_slot(profile) == NOW + timedelta(days=2)
    free_at(profile.practitioner, None)
    assert stored_slot(profile) is None


def test_a_refresh_that_changes_only_when_to_look_again_leaves_it() -> None:
    profile = listed_practitioner()
    free_at(profile.practitioner, NOW)
    PractitionerSchedule.objects.update(refresh_due_at=NOW + timedelta(hours=1))
    assert stored_slot(profile) == NOW


def test_the_services_that_change_availability_keep_it() -> None:
    profile = listed_practitioner()
    with time_machine.travel(scheduling.NOW, tick=False):
        scheduling.bookable_practitioner(practitioner=profile.practitioner)
        assert stored_slot(profile) == scheduling.THURSDAY_9
        for window in AvailabilityWindow.objects.filter(practitioner=profile.practitioner):
            availability.remove_availability_window(
                practitioner=profile.practitioner, window=window
            )
        assert stored_slot(profile) is None


def test_a_deleted_schedule_leaves_no_slot() -> None:
    profile = listed_practitioner()
    free_at(profile.practitioner, NOW)
    PractitionerSchedule.objects.filter(practitioner=profile.practitioner).delete()
    assert stored_slot(profile) is None


def test_a_profile_written_after_its_schedule_takes_its_slot() -> None:
    person = registered_practitioner()
    free_at(person, NOW)
    profile = save_profile(practitioner=person, details=profile_details())
    assert stored_slot(profile) == NOW


def test_saving_a_profile_read_before_a_refresh_keeps_the_new_slot() -> None:
    profile = listed_practitioner()
    free_at(profile.practitioner, NOW)
    stale = PractitionerProfile.objects.get(pk=profile.pk)
    free_at(profile.practitioner, NOW + timedelta(hours=3))
    stale.save()  # writes the slot as it was read: recomputed all the same
    assert stored_slot(profile) == NOW + timedelta(hours=3)


def test_a_schedule_handed_to_another_practitioner_moves_with_it() -> None:
    first = listed_practitioner(legal_name="Amara Okafor")
    second = listed_practitioner(legal_name="Ewan MacLeod")
    free_at(first.practitioner, NOW)
    PractitionerSchedule.objects.filter(practitioner=first.practitioner).update(
        practitioner=second.practitioner
    )
    assert stored_slot(first) is None
    assert stored_slot(second) == NOW


def test_a_write_rolled_back_leaves_the_stored_slot_as_it_was() -> None:
    profile = listed_practitioner()
    free_at(profile.practitioner, NOW)
    with transaction.atomic():
        free_at(profile.practitioner, NOW + timedelta(days=1))
        assert stored_slot(profile) == NOW + timedelta(days=1)
        transaction.set_rollback(True)
    assert stored_slot(profile) == NOW


# The search's order, read from the stored slot


def _worked_out_afresh(profiles: list[PractitionerProfile], *, within: int | None) -> list[int]:
    """Soonest free slot first (one already past reads as none), then by name and id: the
    order of the search without words, from the schedules."""
    slots = dict(PractitionerSchedule.objects.values_list("practitioner_id", "next_free_at"))
    keyed = []
    for profile in profiles:
        slot = slots.get(profile.practitioner_id)
        slot = slot if slot is not None and slot > NOW else None
        if within is not None and (slot is None or slot > NOW + timedelta(days=within)):
            continue
        keyed.append((slot is None, slot or NOW, profile.display_name, profile.pk))
    return [pk for (*_order, pk) in sorted(keyed)]


@pytest.mark.parametrize("read", ["in order", "sorted", "counted to a cap"])
@pytest.mark.parametrize("within", [None, 7])
@pytest.mark.parametrize("sort", [Sort.RELEVANCE, Sort.NEXT_FREE])
def test_every_page_of_the_soonest_first_order_is_the_order_worked_out_afresh(
    read: str, within: int | None, sort: Sort, monkeypatch: pytest.MonkeyPatch
) -> None:
    if read == "in order":
        monkeypatch.setattr(paging, "DENSE_ENOUGH", 0)
    elif read == "sorted":
        monkeypatch.setattr(paging, "DENSE_ENOUGH", 10**6)
    slots: list[Any] = [
        NOW + timedelta(hours=3),
        NOW + timedelta(hours=3),  # the same slot: by name
        NOW + timedelta(days=2),
        NOW + timedelta(days=10),
        NOW - timedelta(hours=1),  # already past: as if none
        NOW,  # not after now: as if none
        None,
        "no schedule",
    ]
    profiles = []
    for number, slot in enumerate(slots):
        profile = listed_practitioner(legal_name=f"Person {'HCFBGADE'[number]}")
        if slot != "no schedule":
            free_at(profile.practitioner, slot)
        profiles.append(profile)
    expected = _worked_out_afresh(profiles, within=within)
    result = find_practitioners(
        SearchCriteria(available_within_days=within, sort=sort), now=NOW, details=False
    )
    assert isinstance(result.profiles, SoonestFirst)
    assert [profile.pk for profile in result.profiles] == expected
    for per_page in (1, 2, 3, 5):
        # Counted to a cap of 5 (of 8), the count cannot say where the free slots end.
        cap = 5 if read == "counted to a cap" else None
        paginator = CappedPaginator(result.profiles, per_page, cap=cap)
        read_in_pages = []
        for number in paginator.page_range:
            read_in_pages += [profile.pk for profile in paginator.page(number)]
        assert read_in_pages == expected[: len(read_in_pages)]
        assert len(read_in_pages) == min(len(expected), paginator.cap)
