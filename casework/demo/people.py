"""The demo cast: one fictional person per role. Every later app adds its demo data beside this."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from casework.accounts.models import Role, User

DEMO_PASSWORD = "casework-demo-2026"
DEMO_CLIENT_EMAIL = "client@demo.casework.localhost"
DEMO_PRACTITIONER_EMAIL = "practitioner@demo.casework.localhost"
DEMO_MODERATOR_EMAIL = "moderator@demo.casework.localhost"
DEMO_ADMIN_EMAIL = "admin@demo.casework.localhost"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    role: str
    alias: str = ""
    legal_name: str = ""
    # Base32 TOTP secret for staff: add it to an authenticator app to sign in.
    totp_secret: str = ""


CAST = [
    DemoPerson(DEMO_CLIENT_EMAIL, Role.CLIENT, alias="Robin"),
    DemoPerson(
        DEMO_PRACTITIONER_EMAIL,
        Role.PRACTITIONER,
        legal_name="Amara Okafor",
        totp_secret="CASEWORKDEMOPRACTITIONERSECRETAA",
    ),
    DemoPerson(
        "officer@demo.casework.localhost",
        Role.OFFICER,
        legal_name="Siobhan Gallagher",
        totp_secret="CASEWORKDEMOOFFICERSECRETKEYAAAA",
    ),
    DemoPerson(
        DEMO_MODERATOR_EMAIL,
        Role.MODERATOR,
        legal_name="Tomás Herrera",
        totp_secret="CASEWORKDEMOMODERATORSECRETKEYAA",
    ),
    DemoPerson(
        DEMO_ADMIN_EMAIL,
        Role.ADMIN,
        legal_name="Priya Raman",
        totp_secret="CASEWORKDEMOADMINISTRATORSECRETA",
    ),
]


def seed_people() -> list[tuple[DemoPerson, bool]]:
    """Create the cast once; return each person with whether they were created now."""
    seeded = []
    for person in CAST:
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                email=person.email,
                defaults={
                    "role": person.role,
                    "alias": person.alias,
                    "legal_name": person.legal_name,
                    "is_staff": person.role == Role.ADMIN,
                    "is_superuser": person.role == Role.ADMIN,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                EmailAddress.objects.create(
                    user=user, email=person.email, primary=True, verified=True
                )
            if (
                person.totp_secret
                and not Authenticator.objects.filter(
                    user=user, type=Authenticator.Type.TOTP
                ).exists()
            ):
                TOTP.activate(user, person.totp_secret)
                RecoveryCodes.activate(user)
        seeded.append((person, created))
    return seeded
