"""Demo registers, read through the real import path (one export per seeded format), claims
in each state, and a practitioner whose register status a later import suspends."""

from pathlib import Path

from django.core.files import File

from casework.accounts.models import Role, User
from casework.registry.claims import claim_registration
from casework.registry.models import RegisterImport, RegistrationClaim, Regulator, RegulatorOfficer
from casework.registry.reference_data import load_reference_data
from casework.registry.register_import import (
    apply_register_import,
    check_register_import,
    receive_register_file,
)

REGISTERS = Path(__file__).resolve().parent / "registers"

# (regulator slug, format, export file): read in this order.
FIRST_READINGS = [
    ("social-work-england", "social-work-england", "social-work-england-1.csv"),
    ("sssc", "sssc", "sssc.csv"),
    ("ca-on-ocswssw", "ontario-college", "ontario.csv"),
    ("us-ca-bbs", "us-state-board", "us-ca-bbs.csv"),
    ("coru-swrb", "generic-csv", "coru-swrb.csv"),
]
# Read after the claims: the register now shows Dana Hollis under an interim suspension order.
LATER_READING = ("social-work-england", "social-work-england", "social-work-england-2.csv")

DEMO_PRACTITIONERS = [
    # email, legal name, (regulator, number) claimed. Jonas's legal name differs from the
    # register's, so his claim waits for review.
    ("practitioner@demo.casework.localhost", "Amara Okafor", ("social-work-england", "SW100001")),
    ("jonas@demo.casework.localhost", "Jonas Berg Lund", ("social-work-england", "SW100002")),
    ("dana@demo.casework.localhost", "Dana Hollis", ("social-work-england", "SW100003")),
]


def seed_registry() -> None:
    load_reference_data()
    for reading in FIRST_READINGS:
        _read_register(*reading)
    _seed_claims()
    _read_register(*LATER_READING)
    _seed_officer()


def _read_register(slug: str, file_format: str, file_name: str) -> None:
    regulator = Regulator.objects.get(slug=slug)
    if RegisterImport.objects.filter(
        regulator=regulator, file_name=file_name, state=RegisterImport.State.APPLIED
    ).exists():
        return
    with (REGISTERS / file_name).open("rb") as handle:
        received = receive_register_file(
            regulator=regulator,
            uploaded_file=File(handle, name=file_name),
            file_format=file_format,
            uploaded_by=None,
            check_in_background=False,
        )
    checked = check_register_import(register_import_id=received.pk)
    # The demo's readings are known files: confirm what their preview counts, as an officer
    # would after checking it (the later one suspends one of four entries).
    apply_register_import(
        register_import_id=received.pk,
        applied_by=None,
        confirmed_withdrawals=checked.summary.get("confirm_withdrawals") or None,
    )


def _seed_claims() -> None:
    for email, legal_name, (slug, number) in DEMO_PRACTITIONERS:
        person, created = User.objects.get_or_create(
            email=email, defaults={"role": Role.PRACTITIONER, "legal_name": legal_name}
        )
        if created:
            person.set_unusable_password()
            person.save(update_fields=["password"])
        regulator = Regulator.objects.get(slug=slug)
        if not RegistrationClaim.objects.filter(practitioner=person, regulator=regulator).exists():
            claim_registration(practitioner=person, regulator=regulator, registration_number=number)


def _seed_officer() -> None:
    officer = User.objects.filter(email="officer@demo.casework.localhost").first()
    regulator = Regulator.objects.filter(slug="social-work-england").first()
    if officer is not None and regulator is not None:
        RegulatorOfficer.objects.get_or_create(officer=officer, regulator=regulator)
