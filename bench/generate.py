"""Realistic volume for the benchmarks, written in bulk into the database DATABASE_URL names.

    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m bench.generate --scale small

Migrates, loads the reference data, then writes, in batches of bulk inserts:
- listed practitioners with a register entry, a verified claim, a published profile with its
  search document, languages, specialties, modalities and (three in four) a next free slot;
- one practitioner set up through the real services (weekly hours, a session type, a verified
  registration, a published profile): the profile and verification pages the page benchmark
  requests, with a booking panel that has real free times;
- that practitioner's caseload: clients with open cases and eight weeks of weekly PHQ-9
  check-ins each;
- conversations and their messages, sealed under each conversation's own data key as the
  services seal them: one case conversation between the showcase practitioner and each client
  of the caseload (their inbox), then enquiries between those clients and the generated
  practitioners, about twenty messages each (1 to 39), over the last sixty days.

Prints one JSON line: the showcase practitioner's profile slug and registration, and what was
written.
"""

import argparse
import dataclasses
import json
import os
import random
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casework.accounts.models import User


@dataclass(frozen=True)
class Scale:
    practitioners: int
    clients: int
    messages: int


SCALES = {
    "small": Scale(practitioners=2_000, clients=500, messages=20_000),
    "medium": Scale(practitioners=100_000, clients=5_000, messages=1_000_000),
    "large": Scale(practitioners=1_000_000, clients=100_000, messages=10_000_000),
}
BATCH = 2_000
# Messages a conversation holds on average (each one 1 to 2 x this - 1).
PER_CONVERSATION = 20
# Conversations written per transaction: about BATCH messages.
CONVERSATIONS_AT_ONCE = BATCH // PER_CONVERSATION
MESSAGE_DAYS = 60

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
MESSAGES = (
    "Thank you for getting back to me so quickly.",
    "Could we move Thursday's session to the afternoon? Mornings are hard with the school run.",
    "I have attached the letter from the housing office, as we discussed.",
    "How have the last few days been since we spoke?",
    "Things are a bit better. I managed to get out for a walk twice this week.",
    "I have put together the list of local carers' groups I mentioned.",
    "I am not sure I can make it next week, my shifts have changed.",
    "That is fine. Let me know which days suit you and we will find a time.",
    "The benefits assessment is on the 14th. Would you be able to write a short note for it?",
    "Yes, I can do that. I will send it to you by Friday.",
    "I found the breathing exercise useful when I could not sleep.",
    "Just checking in before our session tomorrow. Is there anything you would like to start with?",
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


def showcase(clients: int) -> tuple[dict[str, Any], "User", list["User"]]:
    """One practitioner set up through the real services, with ``clients`` clients: what the
    benchmarks ask for, the practitioner, and the clients."""
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
        cases = bulk_caseload(person, clients, now=timezone.now())
    made = {
        "slug": profile.slug,
        "regulator": claim.regulator.slug,
        "number": claim.registration_number,
        "email": person.email,
    }
    return made, person, [case.client for case in cases]


def conversations(
    messages: int, practitioner: "User", clients: list["User"], *, seed: int = 11
) -> int:
    """About ``messages`` messages, in conversations of about ``PER_CONVERSATION``: the first
    ``len(clients)`` conversations between ``practitioner`` and each client (case
    conversations), the rest enquiries from those clients to the generated practitioners,
    never two between one pair. Each conversation has its own data key, and every body is
    sealed under it by the field, as the services store them. Returns how many conversations."""
    from django.db import transaction
    from django.utils import timezone

    from casework.accounts.models import Role, User
    from casework.messaging.models import Conversation, Message, Participant
    from casework.vault.crypto import remember_data_key
    from casework.vault.key_service import get_key_service
    from casework.vault.models import DataKey

    pick = random.Random(seed)
    others = list(
        User.objects.filter(role=Role.PRACTITIONER, email__endswith="@bench.invalid")
        .exclude(pk=practitioner.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not clients or (not others and messages > len(clients) * PER_CONVERSATION):
        raise ValueError("conversations need clients, and practitioners beyond the first")
    key_service = get_key_service()
    now = timezone.now()
    window = timedelta(days=MESSAGE_DAYS)
    written = made = 0
    while written < messages:
        with transaction.atomic():
            keys: list[DataKey] = []
            threads: list[Conversation] = []
            # Each conversation's client, practitioner and number of messages.
            shapes: list[tuple[int, int, int]] = []
            for _ in range(CONVERSATIONS_AT_ONCE):
                if written >= messages:
                    break
                count = min(pick.randint(1, 2 * PER_CONVERSATION - 1), messages - written)
                written += count
                n, client = made + len(threads), clients[(made + len(threads)) % len(clients)]
                if n < len(clients):
                    kind, other = Conversation.Kind.CASE, practitioner.pk
                else:
                    # A client's k-th enquiry: 7,919 is prime, so their enquiries go to as many
                    # different practitioners (the pair's open enquiry is unique).
                    k = n // len(clients) - 1
                    other = others[(k * 7_919 + n % len(clients)) % len(others)]
                    kind = Conversation.Kind.ENQUIRY
                conversation_id = uuid.uuid4()
                dek = os.urandom(32)
                key_id = uuid.uuid4()
                kek_id, wrapped = key_service.wrap(dek, data_key_id=key_id)
                key = DataKey(
                    id=key_id,
                    owner=f"conversation:{conversation_id}",
                    wrapped_key=wrapped,
                    kek_id=kek_id,
                )
                remember_data_key(key, dek)
                keys.append(key)
                threads.append(
                    Conversation(
                        id=conversation_id,
                        kind=kind,
                        data_key=key,
                        client=client,
                        practitioner_id=other,
                        started_by=client,
                        last_seq=count,
                    )
                )
                shapes.append((client.pk, other, count))
            DataKey.objects.bulk_create(keys)
            letters: list[Message] = []
            for conversation, (client_pk, other_pk, count) in zip(threads, shapes, strict=True):
                started = (
                    now
                    - window
                    + timedelta(seconds=pick.randrange(int(window.total_seconds()) // 2))
                )
                step = (now - started) / (count + 1)
                for seq in range(1, count + 1):
                    letters.append(
                        Message(
                            conversation=conversation,
                            sender_id=client_pk if seq % 2 else other_pk,
                            seq=seq,
                            body=pick.choice(MESSAGES),
                            created_at=started + step * seq,
                        )
                    )
                conversation.last_message_at = letters[-1].created_at
            Conversation.objects.bulk_create(threads)
            Participant.objects.bulk_create(
                Participant(
                    conversation=conversation,
                    person_id=person,
                    # The client sent the odd messages: the practitioner has not read a last one.
                    last_read_seq=count if person == client_pk else count - count % 2,
                )
                for conversation, (client_pk, other_pk, count) in zip(threads, shapes, strict=True)
                for person in (client_pk, other_pk)
            )
            Message.objects.bulk_create(letters)
            made += len(threads)
    return made


def generate(scale: Scale) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from casework.registry.reference_data import load_reference_data

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_reference_data()
    practitioners(scale.practitioners)
    made, showcase_person, clients = showcase(scale.clients)
    threads = conversations(scale.messages, showcase_person, clients)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a live database would have
    return made | {
        "practitioners": scale.practitioners,
        "clients": scale.clients,
        "messages": scale.messages,
        "conversations": threads,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--practitioners", type=int, help="instead of the preset's number")
    parser.add_argument("--messages", type=int, help="instead of the preset's number")
    options = parser.parse_args(argv)
    import django

    django.setup()
    scale = SCALES[options.scale]
    if options.practitioners is not None:
        scale = dataclasses.replace(scale, practitioners=options.practitioners)
    if options.messages is not None:
        scale = dataclasses.replace(scale, messages=options.messages)
    print(json.dumps(generate(scale)))


if __name__ == "__main__":
    main()
