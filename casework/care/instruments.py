"""The check-in instruments as published: their items, answer scales, scoring and severity bands.

Definitions are data: one ``Instrument`` value per instrument, its texts marked for translation
(the Spanish wording follows the instruments' published Spanish versions). Scoring never
invents a band the authors did not publish: the daily mood scale and the free-text prompt
have none.

Sources:
- PHQ-9: Kroenke, Spitzer & Williams, "The PHQ-9", J Gen Intern Med 2001;16(9):606-613.
  Items and answers as on https://www.phqscreeners.com/ (no permission needed to reproduce).
  Total 0-27; bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27
  severe. Item 9 (thoughts of death or self-harm) needs follow-up whatever the total.
- GAD-7: Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166(10):1092-1097.
  Total 0-21; bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe.
- WHO-5: WHO Regional Office for Europe, 1998; Topp, Østergaard, Søndergaard & Bech,
  Psychother Psychosom 2015;84(3):167-176. Raw 0-25, multiplied by 4 gives 0-100 (higher is
  better); 50 or below indicates poor wellbeing, 28 or below likely depression.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Text = str | Promise


class Concern(IntEnum):
    """How much a band asks of the practitioner, comparable across instruments."""

    NONE = 0
    MILD = 1
    MODERATE = 2
    HIGH = 3
    SEVERE = 4


@dataclass(frozen=True)
class Choice:
    value: int
    label: Text


@dataclass(frozen=True)
class Item:
    key: str
    text: Text


@dataclass(frozen=True)
class Band:
    """A published severity band over the instrument's reported score, bounds included."""

    lowest: int
    highest: int
    label: Text
    concern: Concern
    urgent: bool = False


@dataclass(frozen=True)
class Instrument:
    code: str
    name: Text
    stem: Text
    items: tuple[Item, ...]
    choices: tuple[Choice, ...] = ()
    bands: tuple[Band, ...] = ()
    higher_is_better: bool = False
    # The reported score is the sum of the answers times this (WHO-5 reports a percentage).
    multiplier: int = 1
    # item key -> the lowest answer that raises an urgent flag on its own.
    urgent_answers: Mapping[str, int] = field(default_factory=dict)
    free_text: bool = False
    max_text_length: int = 2000

    @property
    def scored(self) -> bool:
        return not self.free_text

    @property
    def lowest_score(self) -> int:
        return min(c.value for c in self.choices) * len(self.items) * self.multiplier

    @property
    def highest_score(self) -> int:
        return max(c.value for c in self.choices) * len(self.items) * self.multiplier

    def band_for(self, score: int) -> Band | None:
        return next((b for b in self.bands if b.lowest <= score <= b.highest), None)

    def burden(self, score: int) -> float:
        """The score on one scale for every instrument: 0 is best, 1 is worst."""
        span = self.highest_score - self.lowest_score
        position = (score - self.lowest_score) / span
        return 1 - position if self.higher_is_better else position


@dataclass(frozen=True)
class Scored:
    score: int | None
    band: Band | None
    urgent: bool
    # Why the answers are urgent, in words the practitioner reads on the flag.
    urgent_reasons: tuple[str, ...] = ()


FREQUENCY_TWO_WEEKS = (
    Choice(0, gettext_lazy("Not at all")),
    Choice(1, gettext_lazy("Several days")),
    Choice(2, gettext_lazy("More than half the days")),
    Choice(3, gettext_lazy("Nearly every day")),
)

PHQ9 = Instrument(
    code="phq9",
    name=gettext_lazy("PHQ-9 (depression)"),
    stem=gettext_lazy(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        Item("1", gettext_lazy("Little interest or pleasure in doing things")),
        Item("2", gettext_lazy("Feeling down, depressed, or hopeless")),
        Item("3", gettext_lazy("Trouble falling or staying asleep, or sleeping too much")),
        Item("4", gettext_lazy("Feeling tired or having little energy")),
        Item("5", gettext_lazy("Poor appetite or overeating")),
        Item(
            "6",
            gettext_lazy(
                "Feeling bad about yourself, or that you are a failure or have let yourself or "
                "your family down"
            ),
        ),
        Item(
            "7",
            gettext_lazy(
                "Trouble concentrating on things, such as reading the newspaper or watching "
                "television"
            ),
        ),
        Item(
            "8",
            gettext_lazy(
                "Moving or speaking so slowly that other people could have noticed, or the "
                "opposite: being so fidgety or restless that you have been moving around a lot "
                "more than usual"
            ),
        ),
        Item(
            "9",
            gettext_lazy(
                "Thoughts that you would be better off dead, or of hurting yourself in some way"
            ),
        ),
    ),
    choices=FREQUENCY_TWO_WEEKS,
    bands=(
        Band(0, 4, gettext_lazy("Minimal"), Concern.NONE),
        Band(5, 9, gettext_lazy("Mild"), Concern.MILD),
        Band(10, 14, gettext_lazy("Moderate"), Concern.MODERATE),
        Band(15, 19, gettext_lazy("Moderately severe"), Concern.HIGH),
        Band(20, 27, gettext_lazy("Severe"), Concern.SEVERE, urgent=True),
    ),
    urgent_answers={"9": 1},
)

GAD7 = Instrument(
    code="gad7",
    name=gettext_lazy("GAD-7 (anxiety)"),
    stem=gettext_lazy(
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    ),
    items=(
        Item("1", gettext_lazy("Feeling nervous, anxious, or on edge")),
        Item("2", gettext_lazy("Not being able to stop or control worrying")),
        Item("3", gettext_lazy("Worrying too much about different things")),
        Item("4", gettext_lazy("Trouble relaxing")),
        Item("5", gettext_lazy("Being so restless that it is hard to sit still")),
        Item("6", gettext_lazy("Becoming easily annoyed or irritable")),
        Item("7", gettext_lazy("Feeling afraid, as if something awful might happen")),
    ),
    choices=FREQUENCY_TWO_WEEKS,
    bands=(
        Band(0, 4, gettext_lazy("Minimal"), Concern.NONE),
        Band(5, 9, gettext_lazy("Mild"), Concern.MILD),
        Band(10, 14, gettext_lazy("Moderate"), Concern.MODERATE),
        Band(15, 21, gettext_lazy("Severe"), Concern.SEVERE, urgent=True),
    ),
)

WHO5 = Instrument(
    code="who5",
    name=gettext_lazy("WHO-5 (wellbeing)"),
    stem=gettext_lazy(
        "For each statement, choose the answer closest to how you have been feeling over the "
        "last two weeks."
    ),
    items=(
        Item("1", gettext_lazy("I have felt cheerful and in good spirits")),
        Item("2", gettext_lazy("I have felt calm and relaxed")),
        Item("3", gettext_lazy("I have felt active and vigorous")),
        Item("4", gettext_lazy("I woke up feeling fresh and rested")),
        Item("5", gettext_lazy("My daily life has been filled with things that interest me")),
    ),
    choices=(
        Choice(5, gettext_lazy("All of the time")),
        Choice(4, gettext_lazy("Most of the time")),
        Choice(3, gettext_lazy("More than half of the time")),
        Choice(2, gettext_lazy("Less than half of the time")),
        Choice(1, gettext_lazy("Some of the time")),
        Choice(0, gettext_lazy("At no time")),
    ),
    multiplier=4,
    higher_is_better=True,
    bands=(
        Band(0, 28, gettext_lazy("Likely depression"), Concern.HIGH),
        Band(29, 50, gettext_lazy("Poor wellbeing"), Concern.MODERATE),
        Band(51, 100, gettext_lazy("No sign of poor wellbeing"), Concern.NONE),
    ),
)

MOOD = Instrument(
    code="mood",
    name=gettext_lazy("Daily mood"),
    stem=gettext_lazy("How has your mood been today?"),
    items=(Item("mood", gettext_lazy("My mood today, from 0 (very low) to 10 (very good)")),),
    choices=tuple(Choice(value, str(value)) for value in range(11)),
    higher_is_better=True,
)

FREE_TEXT = Instrument(
    code="note",
    name=gettext_lazy("A few words"),
    stem=gettext_lazy("Is there anything you would like your social worker to know?"),
    items=(Item("text", gettext_lazy("In your own words")),),
    free_text=True,
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (PHQ9, GAD7, WHO5, MOOD, FREE_TEXT)}


def get_instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise ValidationError(
            _("There is no check-in called “%(code)s”.") % {"code": code}
        ) from None


def score_answers(instrument: Instrument, answers: Mapping[str, object]) -> Scored:
    """Score a complete set of answers, or refuse it with the reason (a partial or out-of-range
    submission is never scored: a missing PHQ-9 item 9 must not read as a reassuring 0)."""
    if instrument.free_text:
        text = answers.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(_("Write a few words, or skip this check-in."))
        if len(text) > instrument.max_text_length:
            raise ValidationError(
                _("Please keep it under %(count)d characters.")
                % {"count": instrument.max_text_length}
            )
        return Scored(score=None, band=None, urgent=False)
    allowed = {choice.value for choice in instrument.choices}
    values: dict[str, int] = {}
    for item in instrument.items:
        raw = answers.get(item.key)
        if raw is None or raw == "":
            raise ValidationError(_("Please answer every question."))
        try:
            value = int(str(raw))
        except ValueError:
            raise ValidationError(_("One of the answers is not one of the choices.")) from None
        if value not in allowed:
            raise ValidationError(_("One of the answers is not one of the choices."))
        values[item.key] = value
    unknown = set(answers) - set(values)
    if unknown:
        raise ValidationError(_("The answers do not belong to this check-in."))
    score = sum(values.values()) * instrument.multiplier
    band = instrument.band_for(score)
    reasons = [
        _("Item %(item)s answered “%(answer)s”.")
        % {"item": key, "answer": _choice_label(instrument, values[key])}
        for key, lowest in instrument.urgent_answers.items()
        if values[key] >= lowest
    ]
    if band is not None and band.urgent:
        reasons.append(_("Score %(score)d: %(band)s.") % {"score": score, "band": band.label})
    return Scored(score=score, band=band, urgent=bool(reasons), urgent_reasons=tuple(reasons))


def _choice_label(instrument: Instrument, value: int) -> str:
    return str(next(c.label for c in instrument.choices if c.value == value))
