"""Spam in public writing: links to other sites, as people write them."""

import pytest

from casework.safety.checks.spam import is_spam, outside_links


@pytest.mark.parametrize(
    "text",
    [
        "Cheap loans in 5 minutes: https://fast-cash-now.example/apply",
        "Buy followers at www.boost-your-page.example, best prices!!!",
        "Earn $5000 a week from home, click here: bit.ly/xyz123",
        "Gana dinero desde casa, visita https://ganar-dinero.example ahora.",
        "CASINO BONUS http://casino.example",
    ],
)
def test_a_link_to_another_site_is_spam(text: str) -> None:
    assert is_spam(text)


@pytest.mark.parametrize(
    "text",
    [
        "The NHS page helped: https://www.nhs.uk/mental-health/ (worth a read).",
        "Childline's site, childline.org.uk/get-support, has a chat.",
        "I ended the session. Then I wrote it up.",
        "Payday loans and the casino were the story of her year.",
        "Llamé al 024 y me escucharon.",
    ],
)
def test_words_and_public_services_links_are_not(text: str) -> None:
    assert outside_links(text) == []
    assert not is_spam(text)


def test_the_same_words_again_are_spam_whatever_they_say() -> None:
    assert is_spam("Thank you for this.", repeated=True)
