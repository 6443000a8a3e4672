"""Where a registration lets its holder practise, and whether that covers a client's location.

A registration in a practising status covers its regulator's jurisdiction (a country-level
registration covers the country's subdivisions too) and the jurisdictions of every
*operational* practice agreement its jurisdiction belongs to. Where the client's jurisdiction
requires registration and none of the practitioner's registrations covers it, the answer is no.
"""

from dataclasses import dataclass
from enum import StrEnum

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


def jurisdictions_covered(entry: RegisterEntry) -> set[str]:
    if entry.status not in PRACTISING_STATUSES:
        return set()
    home = entry.regulator.jurisdiction_id
    covered = {home}
    for agreement in PracticeAgreement.objects.filter(
        operational=True, members__code=home
    ).prefetch_related("members"):
        covered |= {member.code for member in agreement.members.all()}
    return covered


def may_practise_for(entries: list[RegisterEntry], client_in: Jurisdiction) -> PracticeAnswer:
    for entry in entries:
        for code in jurisdictions_covered(entry):
            if _covers(code, client_in.code):
                return PracticeAnswer(
                    Verdict.MAY_PRACTISE,
                    _("Registered with %(regulator)s, which covers clients in %(place)s.")
                    % {"regulator": entry.regulator.name, "place": client_in.name},
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
            % {"place": client_in.name, "regulator": mandatory[0].name},
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
            % {"place": client_in.name},
        )
    return PracticeAnswer(
        Verdict.UNKNOWN,
        _("We hold no reviewed facts about the regulation of social work in %(place)s.")
        % {"place": client_in.name},
    )


def _self_and_country(place: Jurisdiction) -> list[str]:
    return [place.code, place.country_id] if place.country_id else [place.code]


def jurisdictions_covering(place: Jurisdiction) -> set[str] | None:
    """The inverse of ``may_practise_for``, for searching: the regulators' jurisdictions whose
    practising registrations let their holder work with a client in ``place`` (the place
    itself, its country, and the members of every operational agreement that includes either).

    None means a registration is not needed there (social work is unregulated in ``place`` and
    no regulator there requires one), so anyone in good standing may practise. Where we hold no
    reviewed facts about ``place`` (``Verdict.UNKNOWN``), booking refuses everyone whose
    registrations do not cover it, so the set is returned all the same, often empty: the
    directory shows exactly whom booking would accept.
    """
    if may_practise_for([], place).allowed:
        return None
    parts = place.code.split("-")
    covering_place = {"-".join(parts[:length]) for length in range(1, len(parts) + 1)}
    homes = set(covering_place)
    for agreement in PracticeAgreement.objects.filter(
        operational=True, members__code__in=sorted(covering_place)
    ).prefetch_related("members"):
        homes |= {member.code for member in agreement.members.all()}
    return set(
        Regulator.objects.filter(jurisdiction_id__in=sorted(homes)).values_list(
            "jurisdiction_id", flat=True
        )
    )
