import functools
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.accounts.zones import TimeZoneField
from casework.directory.bio import BIO_MAX_CHARS
from casework.directory.models import Modality, PractitionerProfile
from casework.directory.photos import prepare_photo
from casework.directory.queries import SearchCriteria, Sort, offered_vocabulary
from casework.directory.services import FEE_MAX, ProfileDetails, check_profile
from casework.directory.vocabulary import (
    currency_choices,
    language_choices,
    specialty_choices,
)
from casework.registry.forms import JurisdictionField

AVAILABLE_WITHIN_MAX_DAYS = 90

_rendered_selects: dict[tuple[Any, ...], str] = {}


class RememberedSelect(forms.Select):
    """A select of a fixed vocabulary (languages, currencies...), rendered once per selection,
    attributes and language: rendering hundreds of options through the widget templates
    costs more than the whole search otherwise."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = (
            self.choices.pairs
            if isinstance(self.choices, FixedChoices)
            else tuple((str(key), str(label)) for key, label in self.choices)
        )
        if value not in (None, "") and str(value) not in {key for key, _label in choices}:
            # A value from the query string that is no choice: render it, never keep it, so
            # that made-up values cannot grow the cache.
            return super().render(name, value, attrs, renderer)
        key = (name, str(value), tuple(sorted((attrs or {}).items())), get_language(), choices)
        if key not in _rendered_selects:
            _rendered_selects[key] = super().render(name, value, attrs, renderer)
        return mark_safe(_rendered_selects[key])  # noqa: S308  (the widget's own output)


class FixedChoices(BaseChoiceIterator):
    """Choices already in Django's normal form, (value, label) pairs of strings, which a field
    or widget takes as they are: a plain list is normalized again on every assignment, pair by
    pair, and the list of languages has hundreds."""

    def __init__(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        self.pairs = tuple((str(key), str(label)) for key, label in pairs)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


def _vocabulary(name: str) -> list[tuple[Any, Any]]:
    if name == "language":
        return [("", _("Any language")), *language_choices()]
    if name == "specialty":
        return [("", _("Any specialty")), *specialty_choices()]
    if name == "modality":
        return [("", _("Any way")), *Modality.choices]
    return [("", _("Any currency")), *currency_choices()]


_VOCABULARIES = ("language", "specialty", "modality", "currency")


@functools.cache
def _all_choices(name: str, language: str) -> FixedChoices:
    """Every choice of a vocabulary, with its labels in ``language`` (the active one)."""
    return FixedChoices(_vocabulary(name))


@functools.lru_cache(maxsize=64)
def _offered_choices(name: str, language: str, offered: frozenset[str]) -> FixedChoices:
    return FixedChoices(
        (key, label) for key, label in _all_choices(name, language) if not key or key in offered
    )


class DirectorySearchForm(forms.Form):
    """The search's state, read from the query string: the address of a search is shareable
    and nothing about it is kept anywhere else."""

    q = forms.CharField(
        label=_("Name, specialty or words from a profile"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    where = JurisdictionField(
        label=_("Where the client is"),
        help_text=_(
            "Type your country. We show only social workers who may work with clients there."
        ),
        allow_country=True,
    )
    language = forms.ChoiceField(label=_("Language"), required=False, widget=RememberedSelect)
    specialty = forms.ChoiceField(label=_("Specialty"), required=False, widget=RememberedSelect)
    modality = forms.ChoiceField(label=_("How to meet"), required=False, widget=RememberedSelect)
    available_within = forms.IntegerField(
        label=_("Free within"),
        required=False,
        min_value=1,
        max_value=AVAILABLE_WITHIN_MAX_DAYS,
        widget=RememberedSelect(
            choices=[
                ("", _("Any time")),
                (1, _("1 day")),
                (3, _("3 days")),
                (7, _("a week")),
                (14, _("2 weeks")),
                (30, _("a month")),
            ]
        ),
    )
    fee_min = forms.DecimalField(
        label=_("Fee from"),
        required=False,
        min_value=Decimal(0),
        max_value=FEE_MAX,
        decimal_places=2,
        error_messages={"min_value": _("A fee cannot be negative.")},
    )
    fee_max = forms.DecimalField(
        label=_("Fee up to"),
        required=False,
        min_value=Decimal(0),
        max_value=FEE_MAX,
        decimal_places=2,
        error_messages={"min_value": _("A fee cannot be negative.")},
    )
    currency = forms.ChoiceField(
        label=_("Currency of the fee"),
        required=False,
        widget=RememberedSelect,
        error_messages={"invalid_choice": _("%(value)s is not a currency we know (ISO 4217).")},
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(Sort.RELEVANCE, _("Best match")), (Sort.NEXT_FREE, _("Next free slot"))],
        widget=RememberedSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or ""
        for name in _VOCABULARIES:
            self.fields[name].choices = _all_choices(name, language)  # type: ignore[attr-defined]
        # Every language and currency is a valid filter (a shared address keeps working), but
        # the selects offer those of listed profiles, and the one asked for.
        languages, currencies = offered_vocabulary()
        for name, offered in (("language", languages), ("currency", currencies)):
            asked = str(self.data.get(name, "")) if self.is_bound else ""
            everything = _all_choices(name, language)
            if asked and asked not in offered:
                # Not kept: the query string may name anything.
                shown = FixedChoices(
                    (key, label)
                    for key, label in everything
                    if not key or key in offered or key == asked
                )
            else:
                shown = _offered_choices(name, language, offered)
            self.fields[name].widget.choices = shown
        for name in ("language", "specialty", "modality"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "%(value)s is not one of the choices."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        fee_min, fee_max = data.get("fee_min"), data.get("fee_max")
        fee_given = fee_min is not None or fee_max is not None
        if fee_given and not data.get("currency") and "currency" not in self.errors:
            self.add_error("currency", _("Choose the currency of the fee range."))
        if fee_min is not None and fee_max is not None and fee_min > fee_max:
            self.add_error("fee_max", _("The highest fee is below the lowest."))
        return data

    def criteria(self) -> SearchCriteria:
        """The search this valid form asks for."""
        data = self.cleaned_data
        return SearchCriteria(
            text=data.get("q") or "",
            where=data.get("where"),
            language=data.get("language") or "",
            specialty=data.get("specialty") or "",
            modality=data.get("modality") or "",
            available_within_days=data.get("available_within"),
            fee_min=data.get("fee_min"),
            fee_max=data.get("fee_max"),
            currency=data.get("currency") or "",
            sort=Sort(data.get("sort") or Sort.RELEVANCE),
        )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=120,
        help_text=_("The name clients see. Your registrations show your name as registered."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_(
            "A JPEG, PNG, WebP or GIF image of at most 5 MB. We crop it to a square and remove "
            "its hidden data, such as where it was taken."
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages you work in"),
        help_text=_("Hold Ctrl (or Cmd) to choose more than one."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    specialties = forms.MultipleChoiceField(
        label=_("Specialties"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    modalities = forms.MultipleChoiceField(
        label=_("How you work with clients"),
        choices=Modality.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    in_person_place = forms.CharField(
        label=_("Where you see clients in person"),
        max_length=200,
        required=False,
        help_text=_("A town or area. Your address is given to clients only when they book."),
    )
    funded = forms.BooleanField(
        label=_("Clients pay nothing (funded or free)"),
        required=False,
    )
    fee = forms.DecimalField(
        label=_("Fee per session"),
        required=False,
        max_digits=8,
        decimal_places=2,
        min_value=Decimal(0),
        error_messages={"min_value": _("A fee cannot be negative.")},
    )
    fee_currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "%(value)s is not a currency we know (ISO 4217): choose one from the list."
            )
        },
    )
    time_zone = TimeZoneField(label=_("Your time zone"))
    bio_source = forms.CharField(
        label=_("About you"),
        required=False,
        max_length=BIO_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "At most 3000 characters. You may use Markdown: *emphasis*, **strong**, lists, "
            "quotes and links."
        ),
    )
    published = forms.BooleanField(
        label=_("Show my profile in the directory"),
        required=False,
        help_text=_(
            "It is shown only while a register lists you as practising: a suspension hides it."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = language_choices()  # type: ignore[attr-defined]
        self.fields["time_zone"].offer(str(self.initial.get("time_zone") or ""))  # type: ignore[attr-defined]
        self.fields["specialties"].choices = specialty_choices()  # type: ignore[attr-defined]
        self.fields["fee_currency"].choices = [("", _("Choose a currency")), *currency_choices()]  # type: ignore[attr-defined]
        self.fields["languages"].error_messages["invalid_choice"] = _(
            "%(value)s is not a language we know (ISO 639)."
        )
        self.fields["specialties"].error_messages["invalid_choice"] = _(
            "%(value)s is not one of the specialties in the list."
        )

    def clean_photo(self) -> UploadedFile[bytes] | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        # Checked and shrunk here, so that a bad photo is reported with every other mistake.
        return SimpleUploadedFile("photo.jpg", prepare_photo(upload), "image/jpeg")

    def clean(self) -> dict[str, Any]:
        """The profile's own rules (services.check_profile), so that every mistake is shown
        at once; a field that already has an error keeps only that one."""
        data = super().clean() or {}
        try:
            check_profile(self._details(data))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in self.fields and field not in self.errors:
                    for message in messages:
                        self.add_error(field, message)
        return data

    def details(self) -> ProfileDetails:
        return self._details(self.cleaned_data)

    @staticmethod
    def _details(data: dict[str, Any]) -> ProfileDetails:
        return ProfileDetails(
            display_name=data.get("display_name") or "",
            languages=data.get("languages") or [],
            specialties=data.get("specialties") or [],
            modalities=data.get("modalities") or [],
            in_person_place=data.get("in_person_place") or "",
            funded=bool(data.get("funded")),
            fee=data.get("fee"),
            fee_currency=data.get("fee_currency") or "",
            time_zone=data.get("time_zone") or "UTC",
            bio_source=data.get("bio_source") or "",
            published=bool(data.get("published")),
        )


def initial_for(profile: PractitionerProfile | None, *, time_zone: str) -> dict[str, Any]:
    """The editor's starting values: the saved profile, or a blank one in the person's zone."""
    if profile is None:
        return {"time_zone": time_zone}
    return {
        "display_name": profile.display_name,
        "languages": [row.code for row in profile.language_rows.all()],
        "specialties": [row.code for row in profile.specialty_rows.all()],
        "modalities": [row.modality for row in profile.modality_rows.all()],
        "in_person_place": profile.in_person_place,
        "funded": profile.funded,
        "fee": profile.fee,
        "fee_currency": profile.fee_currency,
        "time_zone": time_zone,
        "bio_source": profile.bio_source,
        "published": profile.published,
    }


class DisplayNameDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve: the practitioner may use this name beside the registered one")),
            ("refuse", _("Refuse: show the registered name alone")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (the practitioner reads it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
