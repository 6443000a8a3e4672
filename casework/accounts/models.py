import functools
import unicodedata
import uuid
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.vault.fields import EncryptedTextField


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    PRACTITIONER = "practitioner", _("Practitioner")
    OFFICER = "officer", _("Regulator officer")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Administrator")


# Roles that act on other people's records; they must use multi-factor authentication.
STAFF_ROLES = frozenset({Role.PRACTITIONER, Role.OFFICER, Role.MODERATOR, Role.ADMIN})


@functools.cache
def known_time_zones() -> frozenset[str]:
    """Every zone tzdata knows, read once per process: ``available_timezones`` walks the
    database's folders on each call (milliseconds, and every person's validation asked)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


def validate_person_name(value: str) -> None:
    """Names and aliases are text people read: no markup, no control characters."""
    if any(char in "<>{}" for char in value) or any(
        unicodedata.category(char) in {"Cc", "Cf"} for char in value
    ):
        raise ValidationError(
            _("Please use letters, numbers, spaces and ordinary punctuation only.")
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a client under an alias, or staff under their legal name."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CLIENT)
    alias = models.CharField(
        _("alias"),
        max_length=60,
        blank=True,
        validators=[validate_person_name],
        help_text=_("The name others see. It does not need to be your legal name."),
    )
    legal_name = models.CharField(
        _("legal name"),
        max_length=200,
        blank=True,
        validators=[validate_person_name],
        help_text=_("As it appears on your register entry."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # Where the person said they are (an ISO 3166 code the registry knows), so that search,
    # profile, booking and a first message ask once. Blank until they choose.
    place = models.CharField(_("place"), max_length=8, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("Django admin access"),
        default=False,
        help_text=_("Only platform administrators open the Django admin."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["legal_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(role=Role.CLIENT) | ~models.Q(alias=""),
                name="accounts_client_has_alias",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=sorted(STAFF_ROLES)) | ~models.Q(legal_name=""),
                name="accounts_staff_has_legal_name",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_role_known"
            ),
            models.CheckConstraint(
                condition=models.Q(is_staff=False) | models.Q(role=Role.ADMIN),
                name="accounts_only_admins_open_django_admin",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.alias if self.role == Role.CLIENT else (self.legal_name or self.alias)

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class PushSubscription(models.Model):
    """One browser's web push subscription: appointment reminders appear on that device.

    The endpoint (a capability: whoever holds it and the keys can reach the device) and the
    keys are sealed under the person's data key; the endpoint's SHA-256 finds duplicates. An
    endpoint belongs to one person at a time: whoever subscribes on the device last. Written
    only through ``casework.accounts.services``; sent to by ``casework.accounts.push``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("person"),
    )
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    endpoint_hash = models.CharField(max_length=64)
    endpoint = EncryptedTextField()
    p256dh = EncryptedTextField()
    auth = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)  # the last accepted push
    last_failed_at = models.DateTimeField(null=True, blank=True)
    # What failed last, never with content: "HTTP 503", "ConnectionError".
    last_failure = models.CharField(max_length=40, blank=True)
    failure_count = models.PositiveIntegerField(default=0)  # failures since the last success

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["endpoint_hash"], name="accounts_push_endpoint_once"),
        ]
        indexes = [models.Index(fields=["person", "created_at"], name="accounts_push_person_idx")]

    def __str__(self) -> str:
        return f"push subscription {self.pk} of person {self.person_id}"


class UsedTimeStep(models.Model):
    """A TOTP time step (30 seconds) that passed someone's second factor: never accepted again
    for that authenticator (RFC 6238, section 5.2). allauth keeps its own record of used codes
    in the cache; a Redis restarted empty forgets it, this table does not."""

    authenticator = models.ForeignKey(
        "mfa.Authenticator", on_delete=models.CASCADE, related_name="+"
    )
    step = models.BigIntegerField()
    used_at = models.DateTimeField()

    class Meta:
        verbose_name = _("used code period")
        verbose_name_plural = _("used code periods")
        constraints = [
            models.UniqueConstraint(
                fields=["authenticator", "step"], name="accounts_time_step_used_once"
            )
        ]

    def __str__(self) -> str:
        return f"step {self.step} of authenticator {self.authenticator_id}"


class ApiToken(models.Model):
    """A personal access token for /api/v1: scoped per area (read or write), expiring,
    revocable. Only the SHA-256 of its secret is kept (the secret carries 256 random bits, so
    a plain hash is as strong as a keyed one and survives a SECRET_KEY rotation); the person
    sees the whole token once, when it is made, and its prefix afterwards."""

    person = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("person")
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)  # ["messaging:write", "scheduling:read", ...]
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The day whose first use is in the audit log (a use is audited once per token per day).
    last_audited_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        constraints = [
            models.UniqueConstraint(fields=["secret_hash"], name="accounts_api_token_hash_once"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="accounts_api_token_expires_after_creation",
            ),
        ]
        indexes = [models.Index(fields=["person", "created_at"], name="accounts_api_token_idx")]

    def __str__(self) -> str:
        return f"token {self.prefix}… of person {self.person_id}"


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` an API write succeeded with, and a keyed hash of what was sent
    with it: the same key with another request is refused. What the write made is not kept
    here (no content outside its sealed home): a replay asks the service again with the same
    key, and the service returns what the first write stored."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=60)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "operation", "key"], name="accounts_idempotency_key_once"
            )
        ]
        # What forget_idempotency_keys removes by.
        indexes = [models.Index(fields=["created_at"], name="accounts_idempotency_age")]

    def __str__(self) -> str:
        return f"idempotency key of person {self.person_id} for {self.operation}"
