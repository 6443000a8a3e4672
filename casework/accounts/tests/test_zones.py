"""Time zones as people name them: a curated list in the reader's language, never raw ids."""

from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from casework.accounts.models import User
from casework.accounts.zones import curated_zones, zone_choices, zone_label


def test_the_list_names_a_country_and_its_city_and_leaves_out_raw_ids() -> None:
    with override("es"):
        labels = dict(zone_choices())
    assert labels["Europe/Madrid"] == "España \N{EN DASH} Madrid"
    assert labels["Atlantic/Canary"] == "España \N{EN DASH} Canarias"
    assert labels["Europe/London"] == "Reino Unido"
    assert "Africa/Ceuta" not in labels  # runs as Madrid does
    for raw in ("localtime", "W-SU", "US/Pacific", "Etc/GMT+5", "Europe/Kiev"):
        assert raw not in labels
    assert all("/" not in label for label in labels.values())
    assert len(curated_zones()) < 400


def test_a_zone_outside_the_list_is_still_offered_to_whoever_has_it() -> None:
    with override("en"):
        assert ("Europe/Kiev", zone_label("Europe/Kiev")) in zone_choices("Europe/Kiev")
        assert "Kyiv" in zone_label("Europe/Kiev")
        assert zone_label("America/New_York") == "United States \N{EN DASH} New York"


def test_preferences_offer_the_named_zones_and_keep_an_old_one(
    signed_in: Callable[[User | None], Client], client_person: User
) -> None:
    client_person.time_zone = "Europe/Kiev"
    client_person.save(update_fields=["time_zone"])
    page = signed_in(client_person).get(reverse("accounts:preferences")).content.decode()
    assert '<option value="Europe/Kiev" selected>' in page
    assert ">Spain \N{EN DASH} Madrid</option>" in page
    assert 'value="W-SU"' not in page
    assert 'value="localtime"' not in page
