"""Load the shipped, reviewed reference data: jurisdictions (from pycountry), regulators,
unregulated jurisdictions and practice agreements (from ``data/*.toml``).

Idempotent: running it again updates rows in place and changes nothing when the data has not
changed. Called by ``manage.py load_registry_data`` (and ``seed_demo``).
"""

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
from django.db import transaction
from django.utils.translation import override

from casework.registry.models import Jurisdiction, PracticeAgreement, Regulator
from casework.registry.places import forget_places
from casework.registry.region_names import REGION_NAMES

DATA_DIR = Path(__file__).resolve().parent / "data"
# Countries whose subdivisions matter for where a social worker may practise (states and
# provinces regulate separately there, or the nations of the United Kingdom do).
COUNTRIES_WITH_SUBDIVISIONS = ("GB", "US", "CA", "AU")
UK_NATIONS = ("GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR")


@dataclass(frozen=True)
class LoadReport:
    jurisdictions: int
    regulators: int
    agreements: int


def _read(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


def _load_jurisdictions() -> int:
    rows = _jurisdiction_rows()
    # One statement: a region's country is earlier in the same list, and the foreign key is
    # checked at commit.
    Jurisdiction.objects.bulk_create(
        [Jurisdiction(code=code, name=name, country_id=country) for code, name, country in rows],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "country"],
    )
    return len(rows)


@functools.cache
def _jurisdiction_rows() -> tuple[tuple[str, str, str | None], ...]:
    """``(code, English name, country code)`` of every country, then of every region that
    regulates on its own: fixed for the life of the process (pycountry's data and our names
    ship with the code), so worked out once."""
    rows: list[tuple[str, str, str | None]] = [
        (country.alpha_2, _country_name(country), None) for country in pycountry.countries
    ]
    for alpha_2 in COUNTRIES_WITH_SUBDIVISIONS:
        for sub in pycountry.subdivisions.get(country_code=alpha_2) or []:  # type: ignore[no-untyped-call]
            if alpha_2 == "GB" and sub.code not in UK_NATIONS:
                continue  # the four nations regulate; counties and boroughs do not
            # Our English name ("Wales", where ISO 3166-2 says "Wales [Cymru GB-CYM]").
            with override("en"):
                name = str(REGION_NAMES.get(sub.code, sub.name))
            rows.append((sub.code, name, alpha_2))
    return tuple(rows)


def _country_name(country: Any) -> str:
    return str(getattr(country, "common_name", None) or country.name)


def _load_regulators(data: dict[str, Any]) -> int:
    items = data.get("regulator", [])
    places = {code for code, _name, _country in _jurisdiction_rows()}
    for item in items:
        if item["jurisdiction"] not in places:
            raise ReferenceDataError(
                f"Regulator {item['slug']}: no jurisdiction {item['jurisdiction']!r}."
            )
    Regulator.objects.bulk_create(
        [
            Regulator(
                slug=item["slug"],
                name=item["name"],
                short_name=item.get("short_name") or item["name"],
                jurisdiction_id=item["jurisdiction"],
                website=item["website"],
                register_url=item["register_url"],
                registration_mandatory=item["registration_mandatory"],
                protected_titles=item.get("protected_titles", []),
                register_fields=item.get("register_fields", []),
                status_words=item.get("status_words", {}),
                sources=item.get("sources", {}),
                unconfirmed=item.get("unconfirmed", []),
            )
            for item in items
        ],
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=[
            "name",
            "short_name",
            "jurisdiction",
            "website",
            "register_url",
            "registration_mandatory",
            "protected_titles",
            "register_fields",
            "status_words",
            "sources",
            "unconfirmed",
        ],
    )
    Jurisdiction.objects.filter(code__in=[item["jurisdiction"] for item in items]).exclude(
        social_work_regulated=True
    ).update(social_work_regulated=True)
    for item in data.get("unregulated", []):
        Jurisdiction.objects.filter(code=item["jurisdiction"]).update(
            social_work_regulated=False,
            regulation_note=item.get("note", ""),
            regulation_source=item.get("source", ""),
            regulation_confirmed=bool(item.get("confirmed", False)),
        )
    _label_regulators()
    return len(items)


def regulator_labels(regulators: list[tuple[str, str, str]]) -> dict[str, str]:
    """``{slug: label}`` for ``(slug, name, place)`` triples: a regulator's name, followed by
    the place it regulates when another regulator's name is the same as, or contains, its own
    (so New Zealand's and Hong Kong's "Social Workers Registration Board", and Ireland's
    "CORU - Social Workers Registration Board", are told apart wherever they are named)."""
    folded = {slug: " ".join(name.casefold().split()) for slug, name, _place in regulators}
    labels = {}
    for slug, name, place in regulators:
        mine = folded[slug]
        clash = any(
            other != slug and (mine in theirs or theirs in mine) for other, theirs in folded.items()
        )
        labels[slug] = f"{name} ({place})" if clash else name
    return labels


def _label_regulators() -> None:
    regulators = list(Regulator.objects.select_related("jurisdiction"))
    labels = regulator_labels([(r.slug, r.name, r.jurisdiction.name) for r in regulators])
    relabelled = [
        regulator for regulator in regulators if regulator.label != labels[regulator.slug]
    ]
    for regulator in relabelled:
        regulator.label = labels[regulator.slug]
    Regulator.objects.bulk_update(relabelled, ["label"])


class ReferenceDataError(ValueError):
    """The shipped data contradicts itself; loading stops before anything is written."""


_DIRECTIONS = {
    "mutual": PracticeAgreement.Direction.MUTUAL,
    "one-way": PracticeAgreement.Direction.ONE_WAY,
    "none": PracticeAgreement.Direction.NONE,
}


def agreement_sides(item: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """The direction of an agreement in the data file, and who may practise where under it:
    (direction, registrants_of, practise_in). Refuses an entry whose direction is missing or
    does not fit its members, so that an agreement never applies both ways by default."""
    slug, members = item.get("slug", "?"), list(item.get("members", []))
    direction = _DIRECTIONS.get(item.get("direction", ""))
    if direction is None:
        raise ReferenceDataError(
            f"Agreement {slug}: direction must be one of {sorted(_DIRECTIONS)}."
        )
    registrants_of = list(item.get("registrants_of", []))
    practise_in = list(item.get("practise_in", []))
    if direction == PracticeAgreement.Direction.MUTUAL:
        if registrants_of or practise_in:
            raise ReferenceDataError(
                f"Agreement {slug}: a mutual agreement lists its members only."
            )
        return direction, members, members
    if direction == PracticeAgreement.Direction.NONE:
        if registrants_of or practise_in or item.get("operational"):
            raise ReferenceDataError(
                f"Agreement {slug}: an agreement that lets no one practise elsewhere has no "
                "sides and is not operational."
            )
        return direction, [], []
    if not registrants_of or not practise_in:
        raise ReferenceDataError(
            f"Agreement {slug}: a one-way agreement names registrants_of and practise_in."
        )
    if not set(registrants_of + practise_in) <= set(members):
        raise ReferenceDataError(f"Agreement {slug}: both sides must be among its members.")
    return direction, registrants_of, practise_in


def _load_agreements(data: dict[str, Any]) -> int:
    items = data.get("agreement", [])
    # Every entry is checked before anything of the agreements is written.
    sides = {item["slug"]: agreement_sides(item) for item in items}
    PracticeAgreement.objects.bulk_create(
        [
            PracticeAgreement(
                slug=item["slug"],
                name=item["name"],
                kind=item["kind"],
                direction=sides[item["slug"]][0],
                operational=item["operational"],
                operational_note=item.get("operational_note", ""),
                source=item["source"],
                confirmed=bool(item.get("confirmed", False)),
            )
            for item in items
        ],
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=[
            "name",
            "kind",
            "direction",
            "operational",
            "operational_note",
            "source",
            "confirmed",
        ],
    )
    ids = dict(PracticeAgreement.objects.filter(slug__in=sides).values_list("slug", "id"))
    members = {item["slug"]: item.get("members", []) for item in items}
    # Asked once for the three sides: both sides are among the members (checked above).
    named = {code for codes in members.values() for code in codes}
    known = set(Jurisdiction.objects.filter(code__in=named).values_list("code", flat=True))
    registrants_of = {slug: side[1] for slug, side in sides.items()}
    practise_in = {slug: side[2] for slug, side in sides.items()}
    _set_jurisdictions(ids, "members", members, known)
    _set_jurisdictions(ids, "registrants_of", registrants_of, known)
    _set_jurisdictions(ids, "practise_in", practise_in, known)
    return len(items)


def _set_jurisdictions(
    ids: dict[str, int], field_name: str, wanted: dict[str, list[str]], known: set[str]
) -> None:
    """Make the agreements' ``field_name`` hold exactly the jurisdictions of ``wanted``
    (slug -> codes; a code not in ``known``, naming no jurisdiction, is left out), in a few
    statements for all of them rather than three per agreement."""
    sides = getattr(PracticeAgreement, field_name)
    field, through = sides.field, sides.through
    agreement, place = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    want = {
        (ids[slug], code)
        for slug, wanted_codes in wanted.items()
        for code in wanted_codes
        if code in known
    }
    have = {
        (agreement_id, code): row_id
        for row_id, agreement_id, code in through.objects.filter(
            **{f"{agreement}__in": ids.values()}
        ).values_list("id", agreement, place)
    }
    stale = [row_id for pair, row_id in have.items() if pair not in want]
    if stale:
        through.objects.filter(id__in=stale).delete()
    through.objects.bulk_create(
        [through(**{agreement: a, place: code}) for a, code in sorted(want - have.keys())]
    )


def load_reference_data() -> LoadReport:
    with transaction.atomic():
        jurisdictions = _load_jurisdictions()
        regulators = _load_regulators(_read("regulators.toml"))
        agreements = _load_agreements(_read("practice_agreements.toml"))
    forget_places()
    return LoadReport(jurisdictions, regulators, agreements)
