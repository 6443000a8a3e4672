"""The search's language and currency selects offer what listed profiles have, not every
language and currency there is; any of them is still a valid filter in the address."""

import pytest
from django.test import Client

from casework.testing.directory import listed_practitioner

pytestmark = pytest.mark.usefixtures("reference")


def test_the_selects_offer_the_languages_and_currencies_of_listed_profiles() -> None:
    listed_practitioner(legal_name="Amara Okafor", languages=["en", "yo"])
    page = Client().get("/find/").content.decode()
    assert '<option value="yo">Yoruba</option>' in page
    assert '<option value="cy">' not in page
    assert page.count("<option") < 100
    # A language nobody listed speaks, asked for in the address: offered, and no one found.
    asked = Client().get("/find/?language=cy")
    assert asked.status_code == 200
    assert '<option value="cy" selected>' in asked.content.decode()
    assert asked.context["cards"] == []
