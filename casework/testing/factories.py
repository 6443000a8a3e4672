from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from factory.declarations import Sequence
from factory.django import DjangoModelFactory
from factory.faker import Faker
from factory.helpers import post_generation

from casework.accounts.models import Role, User

PERSONA_PASSWORD = "correct horse battery staple"  # noqa: S105
# Hashing once keeps Argon2's deliberate slowness out of every factory call.
_PERSONA_PASSWORD_HASH = make_password(PERSONA_PASSWORD)
PERSONA_TOTP_SECRET = "CASEWORKTESTPERSONATOTPSECRETAAA"  # noqa: S105


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = Sequence(lambda n: f"person{n}@example.org")
    role = Role.CLIENT
    alias: Any = Sequence(lambda n: f"Alias {n}")
    legal_name: Any = ""
    password = _PERSONA_PASSWORD_HASH

    @post_generation
    def verified_email(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class ClientFactory(UserFactory):
    role = Role.CLIENT


class StaffFactory(UserFactory):
    alias: Any = ""
    legal_name: Any = Faker("name")

    @post_generation
    def totp(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            TOTP.activate(self, PERSONA_TOTP_SECRET)
            RecoveryCodes.activate(self)


class PractitionerFactory(StaffFactory):
    role = Role.PRACTITIONER


class OfficerFactory(StaffFactory):
    role = Role.OFFICER


class ModeratorFactory(StaffFactory):
    role = Role.MODERATOR


class AdminFactory(StaffFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


def has_second_factor(user: User) -> bool:
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists())
