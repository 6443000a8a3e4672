"""Demo registers, read through the real import path (one export per seeded format), claims
in each state (verified by an officer's confirmation, awaiting proof, in review, in dispute),
and a practitioner whose register status a later import suspends."""

from pathlib import Path

from django.core.files import File

from casework.accounts.models import Role, User
from casework.registry.claims import Decision, claim_registration, decide_claim
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
    # email, legal name, (regulator, number) claimed, whether an officer of the regulator
    # confirms the claim. Jonas's legal name differs from the register's, so his claim waits
    # for review. Mei's matches the register and awaits proof. The second "Rosa Delgado" claims
    # the registration the first one holds: a dispute for the officers, while the holder stays
    # verified and listed.
    (
        "practitioner@demo.casework.localhost",
        "Amara Okafor",
        ("social-work-england", "SW100001"),
        True,
    ),
    (
        "jonas@demo.casework.localhost",
        "Jonas Berg Lund",
        ("social-work-england", "SW100002"),
        False,
    ),
    ("dana@demo.casework.localhost", "Dana Hollis", ("social-work-england", "SW100003"), True),
    ("mei@demo.casework.localhost", "Mei Lin Zhou", ("social-work-england", "SW100004"), False),
    ("rosa@demo.casework.localhost", "Rosa Delgado", ("us-ca-bbs", "LCSW91234"), True),
    ("r.delgado@demo.casework.localhost", "Rosa Delgado", ("us-ca-bbs", "LCSW91234"), False),
]


def seed_registry() -> None:
    load_reference_data()
    for reading in FIRST_READINGS:
        _read_register(*reading)
    _seed_officer()
    _seed_claims()
    _read_register(*LATER_READING)


def registrar_of(regulator: Regulator) -> User:
    """The officer who confirms demo claims for ``regulator``: the demo officer for Social
    Work England, an account nobody signs in to for the other regulators."""
    membership = (
        RegulatorOfficer.objects.filter(regulator=regulator).select_related("officer").first()
    )
    if membership is not None:
        return membership.officer
    registrar, created = User.objects.get_or_create(
        email=f"registrar.{regulator.slug}@demo.casework.localhost",
        defaults={"role": Role.OFFICER, "legal_name": f"Registrar, {regulator.short_name}"},
    )
    if created:
        registrar.set_unusable_password()
        registrar.save(update_fields=["password"])
    RegulatorOfficer.objects.get_or_create(officer=registrar, regulator=regulator)
    return registrar


def confirm_demo_claim(claim: RegistrationClaim) -> RegistrationClaim:
    """An officer of the claim's regulator confirms it: the demo's proof of control."""
    return decide_claim(
        claim=claim,
        reviewer=registrar_of(claim.regulator),
        decision=Decision.CONFIRM,
        reason="Confirmed against the regulator's own records.",
    )


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
    for email, legal_name, (slug, number), confirmed in DEMO_PRACTITIONERS:
        person, created = User.objects.get_or_create(
            email=email, defaults={"role": Role.PRACTITIONER, "legal_name": legal_name}
        )
        if created:
            person.set_unusable_password()
            person.save(update_fields=["password"])
        regulator = Regulator.objects.get(slug=slug)
        if not RegistrationClaim.objects.filter(practitioner=person, regulator=regulator).exists():
            claim = claim_registration(
                practitioner=person, regulator=regulator, registration_number=number
            )
            if confirmed:
                confirm_demo_claim(claim)


def _seed_officer() -> None:
    officer = User.objects.filter(email="officer@demo.casework.localhost").first()
    regulator = Regulator.objects.filter(slug="social-work-england").first()
    if officer is not None and regulator is not None:
        RegulatorOfficer.objects.get_or_create(officer=officer, regulator=regulator)
