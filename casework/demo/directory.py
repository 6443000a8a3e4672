"""The demo directory: 200 fictional practitioners across the seeded regulators, each with a
register entry read through the real import path, a claim the register verifies, and a
profile saved through the profile service. Some registers show them suspended or lapsed, so
the directory hides them. Idempotent: a second run changes nothing.

The people, numbers and places are invented; the registers they sit on are the real
regulators' (as reference data), read from generated exports in the documented generic format.
"""

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.files import File
from django.db.models import QuerySet

from casework.accounts.models import Role, User
from casework.demo.registry import confirm_demo_claim
from casework.directory.models import Modality, PractitionerProfile
from casework.directory.queries import listed_profiles
from casework.directory.services import ProfileDetails, save_profile
from casework.directory.vocabulary import specialties, specialty_label
from casework.registry.claims import claim_registration
from casework.registry.models import RegisterEntry, RegisterImport, RegistrationClaim, Regulator
from casework.registry.register_import import (
    apply_register_import,
    check_register_import,
    receive_register_file,
)

PRACTITIONER_COUNT = 200
EMAIL_DOMAIN = "directory.demo.casework.localhost"
# Every 13th demo practitioner is suspended and every 17th has lapsed: hidden from the directory.
SUSPENDED_EVERY, LAPSED_EVERY = 13, 17


@dataclass(frozen=True)
class Region:
    regulator: str
    time_zone: str
    currency: str
    fee_range: tuple[int, int]
    languages: tuple[str, ...]  # everyone here works in these
    other_languages: tuple[str, ...]  # some also in one or two of these
    places: tuple[str, ...]
    given_names: tuple[str, ...]
    family_names: tuple[str, ...]


REGIONS = [
    Region(
        "social-work-england", "Europe/London", "GBP", (40, 95), ("en",),
        ("pa", "ur", "pl", "bn", "so", "ar", "bfi", "yo", "gu"),
        ("Manchester", "Leeds", "Bristol", "Norwich", "Birmingham", "Plymouth"),
        ("Amira", "Tom", "Priya", "Kwame", "Hannah", "Bilal", "Grace", "Oliver", "Zara"),
        ("Hughes", "Begum", "Patel", "Mensah", "Walsh", "Nowak", "Clarke", "Ahmed", "Reid"),
    ),
    Region(
        "sssc", "Europe/London", "GBP", (40, 90), ("en",), ("gd", "pl", "bfi", "ur"),
        ("Glasgow", "Edinburgh", "Inverness", "Dundee"),
        ("Callum", "Isla", "Morag", "Euan", "Ailsa", "Rory"),
        ("Fraser", "Mackenzie", "Robertson", "Sinclair", "Munro", "Baird"),
    ),
    Region(
        "social-care-wales", "Europe/London", "GBP", (40, 85), ("en", "cy"), ("bfi", "pl", "ar"),
        ("Cardiff", "Swansea", "Bangor", "Aberystwyth"),
        ("Rhys", "Catrin", "Gethin", "Ffion", "Dylan", "Seren"),
        ("Pritchard", "Llewellyn", "Bowen", "Prosser", "Vaughan", "Howells"),
    ),
    Region(
        "niscc", "Europe/London", "GBP", (40, 85), ("en",), ("ga", "pl", "pt", "bfi"),
        ("Belfast", "Derry", "Newry", "Enniskillen"),
        ("Ciara", "Declan", "Orla", "Ronan", "Niamh", "Conor"),
        ("McAllister", "Quinn", "Doherty", "Gallagher", "McCann", "Devlin"),
    ),
    Region(
        "coru-swrb", "Europe/Dublin", "EUR", (50, 110), ("en",), ("ga", "pl", "pt", "isg", "ro"),
        ("Dublin", "Cork", "Galway", "Limerick"),
        ("Aoife", "Cian", "Saoirse", "Eoin", "Róisín", "Darragh"),
        ("Byrne", "Ó Ceallaigh", "Kavanagh", "Ní Mhurchú", "Brennan", "Fitzgerald"),
    ),
    Region(
        "nz-swrb", "Pacific/Auckland", "NZD", (80, 160), ("en",),
        ("mi", "sm", "to", "zh", "hi", "nzs"),
        ("Auckland", "Wellington", "Christchurch", "Hamilton"),
        ("Aroha", "Tama", "Mele", "Liam", "Ana", "Wiremu"),
        ("Ngata", "Tupou", "Fa'asalele", "Harrison", "Parata", "Chen"),
    ),
    Region(
        "ca-on-ocswssw", "America/Toronto", "CAD", (90, 180), ("en",),
        ("fr", "pa", "zh", "tl", "ar", "ase"),
        ("Toronto", "Ottawa", "Hamilton", "Sudbury"),
        ("Chloé", "Arjun", "Maya", "Étienne", "Leah", "Omar"),
        ("Gagnon", "Singh", "Wong", "Bouchard", "Osei", "Haddad"),
    ),
    Region(
        "ca-bc-bccsw", "America/Vancouver", "CAD", (90, 180), ("en",),
        ("zh", "pa", "tl", "fa", "ko", "ase"),
        ("Vancouver", "Victoria", "Kelowna", "Prince George"),
        ("Jasmine", "Harjit", "Noah", "Mei", "Dariush", "Ji-woo"),
        ("Thompson", "Gill", "Leung", "Rahimi", "Park", "Jack"),
    ),
    Region(
        "za-sacssp", "Africa/Johannesburg", "ZAR", (500, 1200), ("en",),
        ("zu", "xh", "af", "st", "tn", "sfs"),
        ("Johannesburg", "Cape Town", "Durban", "Gqeberha"),
        ("Thandiwe", "Sipho", "Lerato", "Pieter", "Nomvula", "Ayanda"),
        ("Dlamini", "Nkosi", "van der Merwe", "Mokoena", "Botha", "Khumalo"),
    ),
    Region(
        "hk-swrb", "Asia/Hong_Kong", "HKD", (600, 1400), ("zh", "en"), ("tl", "id", "hi"),
        ("Kowloon", "Sha Tin", "Wan Chai", "Tsuen Wan"),
        ("Ka Yan", "Wai Lun", "Hoi Ting", "Chun Kit", "Mei Ling", "Siu Fung"),
        ("Chan", "Wong", "Lau", "Cheung", "Leung", "Ho"),
    ),
    Region(
        "us-ca-bbs", "America/Los_Angeles", "USD", (80, 200), ("en",),
        ("es", "zh", "vi", "tl", "ko", "hy", "ase"),
        ("Los Angeles", "San Diego", "Oakland", "Fresno"),
        ("María", "Daniel", "Linh", "Jessica", "Andre", "Ani"),
        ("Hernández", "Kim", "Nguyen", "Johnson", "Sarkisyan", "Reyes"),
    ),
    Region(
        "us-ny-op-sw", "America/New_York", "USD", (100, 220), ("en",),
        ("es", "zh", "ru", "ht", "yi", "bn", "ase"),
        ("New York", "Buffalo", "Albany", "Rochester"),
        ("Rachel", "Marcus", "Yelena", "Jean", "Shira", "Tariq"),
        ("Goldberg", "Washington", "Petrova", "Baptiste", "Rivera", "Chowdhury"),
    ),
    Region(
        "us-tx-bhec-sw", "America/Chicago", "USD", (70, 180), ("en",), ("es", "vi", "ar", "ase"),
        ("Houston", "Austin", "San Antonio", "El Paso"),
        ("Carlos", "Brianna", "Minh", "Layla", "Tyler", "Guadalupe"),
        ("Garza", "Brooks", "Tran", "Saleh", "Morgan", "Villarreal"),
    ),
    Region(
        "us-fl-491-board", "America/New_York", "USD", (70, 180), ("en",), ("es", "ht", "pt", "ase"),
        ("Miami", "Orlando", "Tampa", "Tallahassee"),
        ("Sofía", "Jamal", "Nadège", "Kevin", "Isabela", "Andrea"),
        ("Castillo", "Pierre", "Joseph", "Sullivan", "Oliveira", "Díaz"),
    ),
]  # fmt: skip

BIO_OPENINGS = [
    "I have worked as a social worker for {years} years, mostly with {focus}.",
    "Social work has been my work for {years} years; these days I focus on {focus}.",
    "For {years} years I have supported people through {focus}.",
]
BIO_APPROACHES = [
    "I listen first, and we agree together what would help.",
    "My way of working is practical: we set small goals and review them together.",
    "I work in a *strengths-based* way, starting from what is already going well.",
    "Sessions are calm and unhurried. You set the pace.",
]
BIO_CLOSINGS = [
    "I can also help you find local services and speak up for you with them.",
    "If I am not the right person for you, I will help you find someone who is.",
    "- first sessions are a chance to see if we fit\n- no waiting list at present",
]


@dataclass(frozen=True)
class DemoPractitioner:
    email: str
    legal_name: str
    region: Region
    number: str
    status: str
    details: ProfileDetails


def _details(index: int, name: str, region: Region, pick: random.Random) -> ProfileDetails:
    keys = list(specialties())
    chosen = pick.sample(keys, pick.randint(2, 4))
    languages = list(region.languages)
    languages += pick.sample(region.other_languages, pick.choice([0, 0, 1, 1, 2]))
    others = [Modality.CHAT, Modality.PHONE, Modality.IN_PERSON]
    modalities = [Modality.VIDEO, *pick.sample(others, pick.randint(0, 2))]
    in_person = Modality.IN_PERSON in modalities
    funded = index % 7 == 0
    low, high = region.fee_range
    fee = None if funded else Decimal(pick.randrange(low, high + 1, 5))
    focus = " as well as ".join(specialty_label(key).lower() for key in chosen[:2])
    bio = "\n\n".join(
        [
            pick.choice(BIO_OPENINGS).format(years=pick.randint(3, 28), focus=focus),
            pick.choice(BIO_APPROACHES),
            pick.choice(BIO_CLOSINGS),
        ]
    )
    return ProfileDetails(
        display_name=name,
        languages=languages,
        specialties=chosen,
        modalities=[str(value) for value in modalities],
        in_person_place=pick.choice(region.places) if in_person else "",
        funded=funded,
        fee=fee,
        fee_currency="" if funded else region.currency,
        time_zone=region.time_zone,
        bio_source=bio,
        published=True,
    )


def demo_cast() -> list[DemoPractitioner]:
    """The 200 demo practitioners, the same on every run."""
    pick = random.Random(2026)  # noqa: S311  (fictional demo data, not a secret)
    cast: list[DemoPractitioner] = []
    taken: set[str] = set()
    for index in range(PRACTITIONER_COUNT):
        region = REGIONS[index % len(REGIONS)]
        turn = index // len(REGIONS)
        given = region.given_names[turn % len(region.given_names)]
        shift = 0
        while True:
            family = region.family_names[(turn + shift) % len(region.family_names)]
            name = f"{given} {family}"
            if name not in taken:
                break
            shift += 1
        taken.add(name)
        status = "registered"
        if index % SUSPENDED_EVERY == SUSPENDED_EVERY - 1:
            status = "suspended"
        elif index % LAPSED_EVERY == LAPSED_EVERY - 1:
            status = "lapsed"
        elif index % 11 == 5:
            status = "conditions"
        cast.append(
            DemoPractitioner(
                email=f"practitioner{index + 1:03d}@{EMAIL_DOMAIN}",
                legal_name=name,
                region=region,
                number=f"DEMO{index + 1:05d}",
                status=status,
                details=_details(index, name, region, pick),
            )
        )
    return cast


def demo_directory_practitioners() -> QuerySet[User]:
    """The seeded directory practitioners (for other apps' demo data, such as availability)."""
    return User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}", role=Role.PRACTITIONER)


def _export_rows(regulator: Regulator, cast: list[DemoPractitioner]) -> Iterator[list[str]]:
    """The whole register in the generic format: what the register already holds (an import
    is the whole register, so leaving those out would remove them) and the demo entries."""
    yield ["registration_number", "name", "previous_names", "status", "conditions",
           "valid_from", "valid_until"]  # fmt: skip
    demo_numbers = {member.number for member in cast}
    for entry in RegisterEntry.objects.filter(regulator=regulator).order_by("pk"):
        if entry.registration_number in demo_numbers:
            continue
        yield [
            entry.registration_number,
            entry.name,
            ";".join(entry.previous_names),
            entry.status,
            entry.conditions,
            entry.valid_from.isoformat() if entry.valid_from else "",
            entry.valid_until.isoformat() if entry.valid_until else "",
        ]
    for member in cast:
        conditions = (
            "Practise only under the supervision of a registered social worker."
            if member.status == "conditions"
            else ""
        )
        yield [member.number, member.legal_name, "", member.status, conditions,
               "2019-09-01", "2027-08-31"]  # fmt: skip


def _read_demo_register(regulator: Regulator, cast: list[DemoPractitioner]) -> None:
    file_name = f"directory-demo-{regulator.slug}.csv"
    if RegisterImport.objects.filter(
        regulator=regulator, file_name=file_name, state=RegisterImport.State.APPLIED
    ).exists():
        return
    text = io.StringIO()
    csv.writer(text).writerows(_export_rows(regulator, cast))
    received = receive_register_file(
        regulator=regulator,
        uploaded_file=File(io.BytesIO(text.getvalue().encode("utf-8")), name=file_name),
        file_format="generic-csv",
        uploaded_by=None,
        check_in_background=False,
    )
    check_register_import(register_import_id=received.pk)
    apply_register_import(register_import_id=received.pk, applied_by=None)


def _seed_practitioner(member: DemoPractitioner, regulator: Regulator) -> None:
    person, created = User.objects.get_or_create(
        email=member.email,
        defaults={
            "role": Role.PRACTITIONER,
            "legal_name": member.legal_name,
            "time_zone": member.region.time_zone,
        },
    )
    if created:
        person.set_unusable_password()
        person.save(update_fields=["password"])
    if not RegistrationClaim.objects.filter(practitioner=person, regulator=regulator).exists():
        confirm_demo_claim(
            claim_registration(
                practitioner=person, regulator=regulator, registration_number=member.number
            )
        )
    if not PractitionerProfile.objects.filter(practitioner=person).exists():
        save_profile(practitioner=person, details=member.details)


# The registry's demo practitioners get profiles too: Amara is listed, Jonas's claim waits for
# review and Dana's register suspended her, so both of theirs are hidden.
REGISTRY_CAST_PROFILES = {
    "practitioner@demo.casework.localhost": ProfileDetails(
        display_name="Amara Okafor",
        languages=["en", "yo", "ig"],
        specialties=["mental-health", "trauma", "migration"],
        modalities=[Modality.VIDEO, Modality.CHAT, Modality.IN_PERSON],
        in_person_place="Manchester",
        funded=False,
        fee=Decimal("65"),
        fee_currency="GBP",
        time_zone="Europe/London",
        bio_source=(
            "I support adults through **anxiety, trauma and big changes**, including people "
            "who have come to the UK from elsewhere.\n\nI work by video, by chat, or in person "
            "in central Manchester."
        ),
        published=True,
    ),
    "jonas@demo.casework.localhost": ProfileDetails(
        display_name="Jonas Berg",
        languages=["en", "no", "sv"],
        specialties=["young-people", "school"],
        modalities=[Modality.VIDEO],
        in_person_place="",
        funded=True,
        fee=None,
        fee_currency="",
        time_zone="Europe/London",
        bio_source="I work with young people and their schools.",
        published=True,
    ),
    "dana@demo.casework.localhost": ProfileDetails(
        display_name="Dana Hollis",
        languages=["en"],
        specialties=["older-adults", "carers"],
        modalities=[Modality.PHONE, Modality.VIDEO],
        in_person_place="",
        funded=False,
        fee=Decimal("55"),
        fee_currency="GBP",
        time_zone="Europe/London",
        bio_source="I help older people and the people who care for them.",
        published=True,
    ),
}


@dataclass(frozen=True)
class DirectorySeed:
    practitioners: int
    listed: int


def seed_directory() -> DirectorySeed:
    """Run after ``seed_registry`` (it needs the reference data and the registry's cast)."""
    cast = demo_cast()
    by_regulator: dict[str, list[DemoPractitioner]] = {}
    for member in cast:
        by_regulator.setdefault(member.region.regulator, []).append(member)
    for slug, members in by_regulator.items():
        regulator = Regulator.objects.get(slug=slug)
        _read_demo_register(regulator, members)
        for member in members:
            _seed_practitioner(member, regulator)
    for email, details in REGISTRY_CAST_PROFILES.items():
        person = User.objects.filter(email=email, role=Role.PRACTITIONER).first()
        if person and not PractitionerProfile.objects.filter(practitioner=person).exists():
            save_profile(practitioner=person, details=details)
    return DirectorySeed(
        practitioners=PractitionerProfile.objects.count(), listed=listed_profiles().count()
    )
