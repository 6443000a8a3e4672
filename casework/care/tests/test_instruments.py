"""The scoring of each instrument, pinned against its published bands."""

import pytest
from django.core.exceptions import ValidationError

from casework.care.instruments import (
    FREE_TEXT,
    GAD7,
    INSTRUMENTS,
    MOOD,
    PHQ9,
    WHO5,
    Concern,
    Instrument,
    get_instrument,
    score_answers,
)


def answers_summing_to(instrument: Instrument, total: int, **fixed: int) -> dict[str, int]:
    """Answers for every item whose sum is ``total`` (the fixed items keep their value)."""
    top = max(c.value for c in instrument.choices)
    answers = dict(fixed)
    remaining = total - sum(fixed.values())
    for item in instrument.items:
        if item.key in answers:
            continue
        answers[item.key] = min(top, remaining)
        remaining -= answers[item.key]
    assert remaining == 0, "total out of reach"
    return answers


@pytest.mark.parametrize(
    ("total", "band", "concern"),
    [
        (0, "Minimal", Concern.NONE),
        (4, "Minimal", Concern.NONE),
        (5, "Mild", Concern.MILD),
        (9, "Mild", Concern.MILD),
        (10, "Moderate", Concern.MODERATE),
        (14, "Moderate", Concern.MODERATE),
        (15, "Moderately severe", Concern.HIGH),
        (19, "Moderately severe", Concern.HIGH),
        (20, "Severe", Concern.SEVERE),
        (27, "Severe", Concern.SEVERE),
    ],
)
def test_phq9_bands_follow_kroenke_2001(total: int, band: str, concern: Concern) -> None:
    # Item 9 stays at 0 where the total allows it, so that only the band is under test.
    scored = score_answers(PHQ9, answers_summing_to(PHQ9, total, **{"9": max(0, total - 24)}))
    assert scored.score == total
    assert scored.band is not None
    assert str(scored.band.label) == band
    assert scored.band.concern == concern


def test_phq9_item_9_above_zero_is_urgent_whatever_the_total() -> None:
    scored = score_answers(PHQ9, answers_summing_to(PHQ9, 1, **{"9": 1}))
    assert scored.score == 1
    assert str(scored.band.label) == "Minimal"  # type: ignore[union-attr]
    assert scored.urgent
    assert "Item 9" in scored.urgent_reasons[0]


def test_phq9_severe_band_is_urgent_and_moderately_severe_is_not() -> None:
    assert score_answers(PHQ9, answers_summing_to(PHQ9, 20, **{"9": 0})).urgent
    assert not score_answers(PHQ9, answers_summing_to(PHQ9, 19, **{"9": 0})).urgent


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Severe"),
        (21, "Severe"),
    ],
)
def test_gad7_bands_follow_spitzer_2006(total: int, band: str) -> None:
    scored = score_answers(GAD7, answers_summing_to(GAD7, total))
    assert scored.score == total
    assert str(scored.band.label) == band  # type: ignore[union-attr]
    assert scored.urgent == (band == "Severe")


@pytest.mark.parametrize(
    ("raw", "percentage", "band"),
    [
        (0, 0, "Likely depression"),
        (7, 28, "Likely depression"),
        (8, 32, "Poor wellbeing"),
        (12, 48, "Poor wellbeing"),
        (13, 52, "No sign of poor wellbeing"),
        (25, 100, "No sign of poor wellbeing"),
    ],
)
def test_who5_reports_a_percentage_with_the_published_cut_offs(
    raw: int, percentage: int, band: str
) -> None:
    scored = score_answers(WHO5, answers_summing_to(WHO5, raw))
    assert scored.score == percentage
    assert str(scored.band.label) == band  # type: ignore[union-attr]
    assert not scored.urgent


def test_burden_puts_every_instrument_on_one_scale_where_higher_is_worse() -> None:
    assert PHQ9.burden(0) == 0
    assert PHQ9.burden(27) == 1
    assert WHO5.burden(100) == 0
    assert WHO5.burden(0) == 1
    assert MOOD.burden(10) == 0
    assert MOOD.burden(0) == 1


def test_the_mood_scale_has_no_invented_bands() -> None:
    scored = score_answers(MOOD, {"mood": "7"})
    assert scored.score == 7
    assert scored.band is None


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"1": 1}, "Please answer every question."),
        ({**{str(i): 0 for i in range(1, 10)}, "9": 4}, "not one of the choices"),
        ({**{str(i): 0 for i in range(1, 10)}, "9": -1}, "not one of the choices"),
        ({**{str(i): 0 for i in range(1, 10)}, "9": "two"}, "not one of the choices"),
        ({**{str(i): 0 for i in range(1, 10)}, "10": 1}, "do not belong"),
        ({**{str(i): 0 for i in range(1, 9)}, "9": ""}, "Please answer every question."),
    ],
)
def test_it_refuses_partial_and_out_of_range_answers(
    answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        score_answers(PHQ9, answers)


def test_the_free_text_prompt_needs_words_and_has_a_limit() -> None:
    assert score_answers(FREE_TEXT, {"text": "Slept better."}).score is None
    with pytest.raises(ValidationError):
        score_answers(FREE_TEXT, {"text": "   "})
    with pytest.raises(ValidationError):
        score_answers(FREE_TEXT, {"text": "x" * 2001})


def test_unknown_instruments_are_refused_with_their_name() -> None:
    with pytest.raises(ValidationError, match="phq99"):
        get_instrument("phq99")


def test_every_instrument_has_items_and_published_answer_values() -> None:
    for instrument in INSTRUMENTS.values():
        assert instrument.items
        if instrument.scored:
            values = sorted(c.value for c in instrument.choices)
            assert values == list(range(values[0], values[-1] + 1))
            for band in instrument.bands:
                assert instrument.lowest_score <= band.lowest <= band.highest
                assert band.highest <= instrument.highest_score
