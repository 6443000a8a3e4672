"""Load the shipped, reviewed reference data: jurisdictions (from pycountry), regulators,
unregulated jurisdictions and practice agreements (from ``data/*.toml``).

Idempotent: running it again updates rows in place and changes nothing when the data has not
changed. Called by ``manage.py load_registry_data`` (and ``seed_demo``).
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
from django.db import transaction

from casework.registry.models import Jurisdiction, PracticeAgreement, Regulator

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
    countries = {
        country.alpha_2: Jurisdiction(code=country.alpha_2, name=_country_name(country))
        for country in pycountry.countries
    }
    Jurisdiction.objects.bulk_create(
        countries.values(), update_conflicts=True, unique_fields=["code"], update_fields=["name"]
    )
    subdivisions = []
    for alpha_2 in COUNTRIES_WITH_SUBDIVISIONS:
        for sub in pycountry.subdivisions.get(country_code=alpha_2) or []:  # type: ignore[no-untyped-call]
            if alpha_2 == "GB" and sub.code not in UK_NATIONS:
                continue  # the four nations regulate; counties and boroughs do not
            subdivisions.append(Jurisdiction(code=sub.code, name=sub.name, country_id=alpha_2))
    Jurisdiction.objects.bulk_create(
        subdivisions,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "country"],
    )
    return len(countries) + len(subdivisions)


def _country_name(country: Any) -> str:
    return str(getattr(country, "common_name", None) or country.name)


def _load_regulators(data: dict[str, Any]) -> int:
    for item in data.get("regulator", []):
        jurisdiction = Jurisdiction.objects.get(code=item["jurisdiction"])
        Regulator.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "short_name": item.get("short_name") or item["name"],
                "jurisdiction": jurisdiction,
                "website": item["website"],
                "register_url": item["register_url"],
                "registration_mandatory": item["registration_mandatory"],
                "protected_titles": item.get("protected_titles", []),
                "register_fields": item.get("register_fields", []),
                "status_words": item.get("status_words", {}),
                "sources": item.get("sources", {}),
                "unconfirmed": item.get("unconfirmed", []),
            },
        )
        if jurisdiction.social_work_regulated is not True:
            jurisdiction.social_work_regulated = True
            jurisdiction.save(update_fields=["social_work_regulated"])
    for item in data.get("unregulated", []):
        Jurisdiction.objects.filter(code=item["jurisdiction"]).update(
            social_work_regulated=False,
            regulation_note=item.get("note", ""),
            regulation_source=item.get("source", ""),
            regulation_confirmed=bool(item.get("confirmed", False)),
        )
    return len(data.get("regulator", []))


def _load_agreements(data: dict[str, Any]) -> int:
    for item in data.get("agreement", []):
        agreement, _ = PracticeAgreement.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "kind": item["kind"],
                "operational": item["operational"],
                "operational_note": item.get("operational_note", ""),
                "source": item["source"],
                "confirmed": bool(item.get("confirmed", False)),
            },
        )
        agreement.members.set(Jurisdiction.objects.filter(code__in=item.get("members", [])))
    return len(data.get("agreement", []))


def load_reference_data() -> LoadReport:
    with transaction.atomic():
        jurisdictions = _load_jurisdictions()
        regulators = _load_regulators(_read("regulators.toml"))
        agreements = _load_agreements(_read("practice_agreements.toml"))
    from casework.registry.forms import forget_rendered_places

    forget_rendered_places()
    return LoadReport(jurisdictions, regulators, agreements)
