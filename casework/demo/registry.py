"""Demo register entries and claims: a verified practitioner, a claim in review, and a
practitioner whose registration the register shows as suspended (credential suspended)."""

from django.db import transaction

from casework.accounts.models import Role, User
from casework.registry.claims import claim_registration, registration_status_changed
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator, RegulatorOfficer
from casework.registry.reference_data import load_reference_data

# (regulator slug, number, name on the register, status, conditions)
DEMO_ENTRIES = [
    ("social-work-england", "SW100001", "OKAFOR, Amara", "registered", ""),
    ("social-work-england", "SW100002", "Jonas Berg", "registered", ""),
    ("social-work-england", "SW100003", "Hollis, Dana", "suspended", ""),
    (
        "social-work-england",
        "SW100004",
        "Mei Lin Zhou",
        "conditions",
        "Practise only under the supervision of a registered social worker.",
    ),
    ("coru-swrb", "SW012345", "Siobhán Ní Bhriain", "registered", ""),
    ("ca-on-ocswssw", "812345", "Marie-Claire Tremblay", "registered", ""),
]

DEMO_PRACTITIONERS = [
    # email, legal name, (regulator, number) claimed
    ("practitioner@demo.casework.localhost", "Amara Okafor", ("social-work-england", "SW100001")),
    ("jonas@demo.casework.localhost", "Jonas Berg Lund", ("social-work-england", "SW100002")),
    ("dana@demo.casework.localhost", "Dana Hollis", ("social-work-england", "SW100003")),
]


def seed_registry() -> None:
    load_reference_data()
    with transaction.atomic():
        for slug, number, name, _status, conditions in DEMO_ENTRIES:
            regulator = Regulator.objects.filter(slug=slug).first()
            if regulator is None:
                continue
            RegisterEntry.objects.get_or_create(
                regulator=regulator,
                registration_number=number,
                defaults={"name": name, "status": "registered", "conditions": conditions},
            )
        _seed_claims()
        _seed_officer()


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
            # Jonas's legal name differs from the register's: his claim waits for review.
            claim_registration(practitioner=person, regulator=regulator, registration_number=number)
    # The register now shows Dana as suspended (as an import would): the credential follows.
    for slug, number, _name, status, _conditions in DEMO_ENTRIES:
        entry = RegisterEntry.objects.filter(
            regulator__slug=slug, registration_number=number
        ).first()
        if entry is not None and entry.status != status:
            old = entry.status
            entry.status = status
            entry.save(update_fields=["status"])
            registration_status_changed(
                entry=entry, old_status=old, new_status=status, register_import=None
            )


def _seed_officer() -> None:
    officer = User.objects.filter(email="officer@demo.casework.localhost").first()
    regulator = Regulator.objects.filter(slug="social-work-england").first()
    if officer is not None and regulator is not None:
        RegulatorOfficer.objects.get_or_create(officer=officer, regulator=regulator)
