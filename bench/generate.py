"""Realistic volume for the benchmarks, written in bulk into the database DATABASE_URL names.

    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m bench.generate --scale small

Migrates, loads the reference data, then writes, in batches of bulk inserts:
- listed practitioners with a register entry, a verified claim, a published profile with its
  search document, languages, specialties, modalities and (three in four) a next free slot;
- one practitioner set up through the real services (weekly hours, a session type, a verified
  registration, a published profile): the profile and verification pages the page benchmark
  requests, with a booking panel that has real free times;
- that practitioner's caseload: clients with open cases and eight weeks of weekly PHQ-9
  check-ins each.

Prints one JSON line: the showcase practitioner's profile slug and registration, and what was
written. Messages are not generated yet (the messaging benchmark writes its own).
"""

import argparse
import json
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Scale:
    practitioners: int
    clients: int


SCALES = {
    "small": Scale(practitioners=2_000, clients=500),
    "medium": Scale(practitioners=100_000, clients=5_000),
    "large": Scale(practitioners=1_000_000, clients=100_000),
}
BATCH = 2_000

GIVEN = ["Amara", "Ewan", "Fiona", "Rosa", "Kevin", "Marie", "Daniel", "Siobhan", "Aroha",
         "Thandiwe", "Wai Lun", "Chloe", "Bilal", "Ana", "Jonas", "Mei", "Tariq",
         "Isla"]  # fmt: skip
# Family names are long-tailed in real registers: a few real ones, then thousands made of
# syllables, so that a name search matches a realistic few.
REAL = ["Okafor", "MacLeod", "Lamont", "Delgado", "Park", "Tremblay", "Okonjo", "Byrne",
        "Ngata", "Dlamini", "Chan", "Gagnon", "Ahmed", "Costa", "Berg", "Zhou",
        "Reyes"]  # fmt: skip
SYLLABLES = ["ka", "ri", "mo", "len", "dor", "wick", "sson", "ba", "ter", "vel", "an", "ju",
             "ston", "mer", "ol", "fi", "ne", "gard", "us", "ch", "ow", "ley", "ra",
             "tz"]  # fmt: skip
LANGUAGES = ["en", "es", "fr", "cy", "pl", "ur", "zh", "ar", "bfi", "ase", "pa", "pt"]
CURRENCY = {"GB": "GBP", "IE": "EUR", "NZ": "NZD", "CA": "CAD", "ZA": "ZAR", "HK": "HKD"}
BIOS = (
    "I have worked with families for years, through grief, trauma and change.",
    "Practical help with housing, money and benefits, and someone on your side.",
    "I support older people and their carers to stay well at home.",
    "Young people and their families: school, friendships, and hard times.",
    "Calm, unhurried sessions for adults living with anxiety or low mood.",
    "Recovery from alcohol and drug use, one step at a time.",
)


def practitioners(size: int, *, seed: int = 7) -> None:
    """``size`` listed practitioners, in bulk inserts of ``BATCH`` rows, in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from casework.accounts.models import Role, User
    from casework.directory.bio import bio_text, render_bio
    from casework.directory.models import (
        PractitionerProfile,
        ProfileLanguage,
        ProfileModality,
        ProfileSpecialty,
    )
    from casework.directory.search import search_document
    from casework.directory.vocabulary import specialties
    from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
    from casework.scheduling.models import PractitionerSchedule

    pick = random.Random(seed)
    family = [a.capitalize() + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "e", "i")]
    keys = list(specialties())
    regulators = list(Regulator.objects.all())
    bios = [render_bio(text) for text in BIOS]
    bio_words = [bio_text(bio) for bio in bios]
    now = timezone.now()
    start = User.objects.count()
    for first in range(0, size, BATCH):
        numbers = range(start + first, start + min(first + BATCH, size))
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(
                    email=f"p{n}@bench.invalid",
                    role=Role.PRACTITIONER,
                    password="!",  # noqa: S106  (an unusable password: nobody signs in)
                    legal_name=f"{pick.choice(GIVEN)} "
                    + (REAL[n % len(REAL)] if n % 50 == 0 else pick.choice(family)),
                )
                for n in numbers
            )
            entries = RegisterEntry.objects.bulk_create(
                RegisterEntry(
                    regulator=regulators[n % len(regulators)],
                    registration_number=f"B{n:07d}",
                    name=user.legal_name,
                    status="suspended" if n % 12 == 0 else "registered",
                )
                for n, user in zip(numbers, users, strict=True)
            )
            RegistrationClaim.objects.bulk_create(
                RegistrationClaim(
                    practitioner=user,
                    regulator=entry.regulator,
                    registration_number=entry.registration_number,
                    entry=entry,
                    state="verified",
                )
                for user, entry in zip(users, entries, strict=True)
            )
            chosen: list[tuple[list[str], list[str], list[str]]] = []
            rows: list[PractitionerProfile] = []
            for n, user in zip(numbers, users, strict=True):
                spoken = ["en", *pick.sample(LANGUAGES[1:], pick.randint(0, 2))]
                spec = pick.sample(keys, pick.randint(1, 4))
                ways = ["video", *pick.sample(["chat", "phone"], pick.randint(0, 2))]
                chosen.append((spoken, spec, ways))
                funded = n % 9 == 0
                home = regulators[n % len(regulators)].jurisdiction_id.split("-")[0]
                rows.append(
                    PractitionerProfile(
                        practitioner=user,
                        slug=f"p-{n}",
                        display_name=user.legal_name,
                        funded=funded,
                        fee=None if funded else Decimal(pick.randrange(40, 200, 5)),
                        fee_currency="" if funded else CURRENCY.get(home, "USD"),
                        bio_source="",
                        bio_html=bios[n % len(bios)],
                        published=True,
                        search_document=search_document(
                            display_name=user.legal_name,
                            languages=spoken,
                            specialties=spec,
                            modalities=ways,
                            in_person_place="",
                            bio_text=bio_words[n % len(bios)],
                        ),
                    )
                )
            profiles = PractitionerProfile.objects.bulk_create(rows)
            ProfileLanguage.objects.bulk_create(
                ProfileLanguage(profile=profile, code=code)
                for profile, values in zip(profiles, chosen, strict=True)
                for code in values[0]
            )
            ProfileSpecialty.objects.bulk_create(
                ProfileSpecialty(profile=profile, code=code)
                for profile, values in zip(profiles, chosen, strict=True)
                for code in values[1]
            )
            ProfileModality.objects.bulk_create(
                ProfileModality(profile=profile, modality=way)
                for profile, values in zip(profiles, chosen, strict=True)
                for way in values[2]
            )
            PractitionerSchedule.objects.bulk_create(
                PractitionerSchedule(
                    practitioner=user,
                    next_free_at=now + timedelta(minutes=pick.randint(60, 60 * 24 * 30)),
                )
                for n, user in zip(numbers, users, strict=True)
                if n % 4
            )


def showcase(clients: int) -> dict[str, Any]:
    """One practitioner set up through the real services, with ``clients`` clients."""
    from django.db import transaction
    from django.utils import timezone

    from casework.directory.services import save_profile
    from casework.registry.models import RegistrationClaim
    from casework.testing.care import bulk_caseload
    from casework.testing.directory import profile_details
    from casework.testing.factories import PractitionerFactory
    from casework.testing.scheduling import bookable_practitioner

    person = PractitionerFactory.create(
        email="showcase@bench.invalid", legal_name="Amara Okafor", time_zone="Europe/London"
    )
    bookable_practitioner(practitioner=person)
    profile = save_profile(
        practitioner=person,
        details=profile_details(display_name="Amara Okafor", languages=["en", "es"]),
    )
    claim = RegistrationClaim.objects.select_related("regulator").get(practitioner=person)
    with transaction.atomic():
        bulk_caseload(person, clients, now=timezone.now())
    return {
        "slug": profile.slug,
        "regulator": claim.regulator.slug,
        "number": claim.registration_number,
        "email": person.email,
    }


def generate(scale: Scale) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from casework.registry.reference_data import load_reference_data

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_reference_data()
    practitioners(scale.practitioners)
    made = showcase(scale.clients)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a live database would have
    return made | {
        "practitioners": scale.practitioners,
        "clients": scale.clients,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--practitioners", type=int, help="instead of the preset's number")
    options = parser.parse_args(argv)
    import django

    django.setup()
    scale = SCALES[options.scale]
    if options.practitioners is not None:
        scale = Scale(practitioners=options.practitioners, clients=scale.clients)
    print(json.dumps(generate(scale)))


if __name__ == "__main__":
    main()
