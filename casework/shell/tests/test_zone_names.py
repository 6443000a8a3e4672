"""Pages that name the reader's time zone name it as people do, in the reader's language:
"Spain" or "España", never the IANA id "Europe/Madrid" (a ``<time datetime>`` attribute may
still carry machine values; only the text people read is checked)."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User

ZONE_IDS = ("Europe/Madrid", "Europe/London")


class _VisibleText(HTMLParser):
    """The text of a page as read, without tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _living_in(person: User, *, zone: str, language: str) -> User:
    person.time_zone = zone
    person.language = language
    person.save(update_fields=["time_zone", "language"])
    return person


CASES = [
    # (language, zone, expected name in the text)
    ("en", "Europe/Madrid", "Spain"),
    ("es", "Europe/Madrid", "España"),
    ("en", "Europe/London", "United Kingdom"),
    ("es", "Europe/London", "Reino Unido"),
]


@pytest.mark.parametrize(("language", "zone", "name"), CASES)
@pytest.mark.parametrize("url_name", ["shell:dashboard", "scheduling:my_appointments"])
def test_the_client_reads_her_zone_by_name(
    client: Client, client_person: User, url_name: str, language: str, zone: str, name: str
) -> None:
    client.force_login(_living_in(client_person, zone=zone, language=language))

    page = client.get(reverse(url_name), HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert name in text
    assert not [zone_id for zone_id in ZONE_IDS if zone_id in text]


@pytest.mark.parametrize(("language", "zone", "name"), CASES)
@pytest.mark.parametrize(
    "url_name",
    ["shell:dashboard", "scheduling:practitioner_appointments", "messaging:office_hours"],
)
def test_the_practitioner_reads_her_zone_by_name(
    client: Client, practitioner: User, url_name: str, language: str, zone: str, name: str
) -> None:
    client.force_login(_living_in(practitioner, zone=zone, language=language))

    page = client.get(reverse(url_name), HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert name in text
    assert not [zone_id for zone_id in ZONE_IDS if zone_id in text]
