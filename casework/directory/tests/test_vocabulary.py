import tomllib
from collections.abc import Iterator

import pycountry
import pytest
from django.utils import translation

from casework.directory import vocabulary


def test_every_specialty_label_in_the_data_file_is_marked_for_translation() -> None:
    with (vocabulary.DATA_DIR / "specialties.toml").open("rb") as handle:
        labels = {item["label"] for item in tomllib.load(handle)["specialty"]}
    assert labels == set(vocabulary.SPECIALTY_LABELS)


def test_specialty_keys_are_unique_and_url_safe() -> None:
    keys = list(vocabulary.specialties())
    assert len(keys) == len(set(keys)) >= 20
    assert all(key.replace("-", "").isalnum() and key == key.lower() for key in keys)


def test_languages_are_iso_639_with_sign_languages() -> None:
    codes = vocabulary.language_codes()
    assert {"en", "es", "cy", "ga", "zh", "bfi", "ase", "nzs"} <= codes
    assert vocabulary.language_label("el", "en") == "Greek"  # CLDR's name


def test_language_names_follow_the_readers_language() -> None:
    with translation.override("es"):
        labels = dict(vocabulary.language_choices())
    assert labels["de"] == "Alemán"
    assert labels["cy"] == "Galés"


def test_currencies_are_iso_4217_money_only() -> None:
    codes = vocabulary.currency_codes()
    assert {"GBP", "EUR", "USD", "NZD", "ZAR", "HKD", "CAD"} <= codes
    assert not {"XXX", "XAU", "XTS"} & codes


def test_language_names_come_from_cldr_in_the_readers_language() -> None:
    from casework.directory.vocabulary import language_label

    assert language_label("ar", "es") == "Árabe"
    assert language_label("cy", "es") == "Galés"
    assert language_label("ase", "es") == "Lengua de signos americana"
    assert language_label("el", "en") == "Greek"


def test_language_and_currency_names_leave_pycountry_s_tables_unloaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pycountry's table of 7,900 languages would stay in every web process for good."""

    class Unread:
        def __iter__(self) -> Iterator[object]:
            raise AssertionError("pycountry's table was loaded")

    monkeypatch.setattr(pycountry, "languages", Unread())
    monkeypatch.setattr(pycountry, "currencies", Unread())
    vocabulary._language_names.cache_clear()
    vocabulary._currency_names.cache_clear()
    vocabulary._language_choices.cache_clear()
    vocabulary._currency_choices.cache_clear()
    try:
        with translation.override("en"):
            assert ("cy", "Welsh") in vocabulary.language_choices()
            assert ("bfi", "British Sign Language") in vocabulary.language_choices()
            assert ("GBP", "GBP (Pound Sterling)") in vocabulary.currency_choices()
    finally:
        vocabulary._language_names.cache_clear()
        vocabulary._currency_names.cache_clear()
        vocabulary._language_choices.cache_clear()
        vocabulary._currency_choices.cache_clear()
