"""Where a registration lets its holder practise, and whether that covers a client's location.

The one home of the cross-border answer: the profile, the directory filter (``/find/?where=``),
the verification page and API, and booking all ask here.

A registration in a practising status covers its regulator's jurisdiction (a country-level
registration covers the country's subdivisions too) and, for every *operational* practice
agreement whose ``registrants_of`` include its regulator's jurisdiction (or that
jurisdiction's country), the agreement's ``practise_in`` jurisdictions. Agreements have a
direction: the UK's temporary-practice allowance lets Scottish, Welsh and Northern Irish
registrants practise in England, and nobody the other way. Where the client's jurisdiction
requires registration and none of the practitioner's registrations covers it, the answer is no.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.utils.translation import gettext as _

from casework.registry.models import (
    PRACTISING_STATUSES,
    Jurisdiction,
    PracticeAgreement,
    RegisterEntry,
    Regulator,
)


class Verdict(StrEnum):
    MAY_PRACTISE = "may_practise"
    MAY_NOT_PRACTISE = "may_not_practise"
    UNREGULATED = "unregulated"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PracticeAnswer:
    verdict: Verdict
    reason: str

    @property
    def allowed(self) -> bool:
        return self.verdict in (Verdict.MAY_PRACTISE, Verdict.UNREGULATED)


def _covers(registered_in: str, client_in: str) -> bool:
    return client_in == registered_in or client_in.startswith(registered_in + "-")


def _self_and_parents(code: str) -> list[str]:
    """ "US-CA" -> ["US", "US-CA"]: a jurisdiction and the ones it lies within."""
    parts = code.split("-")
    return ["-".join(parts[:length]) for length in range(1, len(parts) + 1)]


def _agreements_for_registrants_of(home: str) -> list[PracticeAgreement]:
    return list(
        PracticeAgreement.objects.filter(
            operational=True, registrants_of__code__in=_self_and_parents(home)
        )
        .exclude(direction=PracticeAgreement.Direction.NONE)
        .distinct()
        .prefetch_related("practise_in")
    )


def jurisdictions_covered(entry: RegisterEntry) -> dict[str, PracticeAgreement | None]:
    """Where a registration lets its holder practise: each jurisdiction, with the agreement
    that extends the registration there (None for the regulator's own jurisdiction)."""
    if entry.status not in PRACTISING_STATUSES:
        return {}
    home = entry.regulator.jurisdiction_id
    covered: dict[str, PracticeAgreement | None] = {home: None}
    for agreement in _agreements_for_registrants_of(home):
        for place in agreement.practise_in.all():
            covered.setdefault(place.code, agreement)
    return covered


def may_practise_for(entries: list[RegisterEntry], client_in: Jurisdiction) -> PracticeAnswer:
    for entry in entries:
        for code, agreement in jurisdictions_covered(entry).items():
            if not _covers(code, client_in.code):
                continue
            if agreement is None:
                reason = _("Registered with %(regulator)s, which covers clients in %(place)s.")
            else:
                reason = _(
                    "Registered with %(regulator)s; under “%(agreement)s”, that registration "
                    "also covers clients in %(place)s."
                )
            return PracticeAnswer(
                Verdict.MAY_PRACTISE,
                reason
                % {
                    "regulator": str(entry.regulator),
                    "place": client_in.label,
                    "agreement": agreement.name if agreement else "",
                },
            )
    local = Regulator.objects.filter(jurisdiction__in=_self_and_country(client_in))
    mandatory = [regulator for regulator in local if regulator.registration_mandatory]
    if mandatory:
        return PracticeAnswer(
            Verdict.MAY_NOT_PRACTISE,
            _(
                "To work with clients in %(place)s, registration with %(regulator)s is required, "
                "and this person holds none that is valid there."
            )
            % {"place": client_in.label, "regulator": str(mandatory[0])},
        )
    regulation = client_in.social_work_regulated
    if regulation is None and client_in.country_id:
        regulation = client_in.country.social_work_regulated if client_in.country else None
    if regulation is False:
        return PracticeAnswer(
            Verdict.UNREGULATED,
            _(
                "Social work is not regulated as a profession in %(place)s; no registration "
                "there is required or possible."
            )
            % {"place": client_in.label},
        )
    return PracticeAnswer(
        Verdict.UNKNOWN,
        _("We hold no reviewed facts about the regulation of social work in %(place)s.")
        % {"place": client_in.label},
    )


def _self_and_country(place: Jurisdiction) -> list[str]:
    return [place.code, place.country_id] if place.country_id else [place.code]


def jurisdictions_covering(place: Jurisdiction) -> set[str] | None:
    """The inverse of ``may_practise_for``, for searching: the regulators' jurisdictions whose
    practising registrations let their holder work with a client in ``place``: the place
    itself, its country, and the ``registrants_of`` side (with its subdivisions) of every
    operational agreement whose ``practise_in`` side includes either.

    None means a registration is not needed there (social work is unregulated in ``place`` and
    no regulator there requires one), so anyone in good standing may practise. Where we hold no
    reviewed facts about ``place`` (``Verdict.UNKNOWN``), booking refuses everyone whose
    registrations do not cover it, so the set is returned all the same, often empty: the
    directory shows exactly whom booking would accept.
    """
    if may_practise_for([], place).allowed:
        return None
    covering_place = _self_and_parents(place.code)
    # Regulators of exactly these jurisdictions, or (agreements' registrants_of) of these or
    # of their subdivisions: "CA" in registrants_of stands for every Canadian regulator.
    homes, agreed = set(covering_place), set()
    for agreement in (
        PracticeAgreement.objects.filter(operational=True, practise_in__code__in=covering_place)
        .exclude(direction=PracticeAgreement.Direction.NONE)
        .distinct()
        .prefetch_related("registrants_of")
    ):
        agreed |= {member.code for member in agreement.registrants_of.all()}
    return set(
        Regulator.objects.filter(
            Q(jurisdiction_id__in=sorted(homes | agreed))
            | Q(jurisdiction__country_id__in=sorted(agreed))
        ).values_list("jurisdiction_id", flat=True)
    )


@dataclass(frozen=True)
class PlaceRegulation:
    """What a client in a place should know when no one listed may work with them there: who
    regulates social work there (with their public register), or that nobody does, and the
    agreements that let registrants from elsewhere practise there."""

    regulators: list[Regulator]
    unregulated: bool
    agreements: list[PracticeAgreement]


def regulation_of(place: Jurisdiction) -> PlaceRegulation:
    regulators = list(
        Regulator.objects.filter(jurisdiction__in=_self_and_country(place)).order_by("name")
    )
    regulated = place.social_work_regulated
    if regulated is None and place.country is not None:
        regulated = place.country.social_work_regulated
    agreements = list(
        PracticeAgreement.objects.filter(
            operational=True, practise_in__code__in=_self_and_parents(place.code)
        )
        .exclude(direction=PracticeAgreement.Direction.NONE)
        .distinct()
        .order_by("name")
    )
    return PlaceRegulation(
        regulators=regulators,
        unregulated=regulated is False and not regulators,
        agreements=agreements,
    )
