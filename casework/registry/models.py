"""The trust core: who regulates social work where, what their registers say, and which
registrations each practitioner has shown to be theirs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.registry.region_names import place_name


class Jurisdiction(models.Model):
    """A country (ISO 3166-1) or one of its subdivisions (ISO 3166-2), named by pycountry."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subdivisions"
    )
    # None: we hold no reviewed fact about it; False: social work is not regulated there.
    social_work_regulated = models.BooleanField(null=True, blank=True)
    regulation_note = models.TextField(blank=True)
    regulation_source = models.URLField(blank=True, max_length=500)
    regulation_confirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language: "Inglaterra", "España"."""
        return place_name(self.code, self.name)


class Regulator(models.Model):
    """A body that keeps a statutory register of social workers. Loaded from reviewed data."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=80)
    # What people read wherever the regulator is named: the name, followed by the place it
    # regulates when another regulator's name is the same or contains it (New Zealand's and
    # Hong Kong's "Social Workers Registration Board"). Set by the reference data loader.
    label = models.CharField(_("label"), max_length=260, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="regulators"
    )
    website = models.URLField(_("website"), max_length=500)
    register_url = models.URLField(_("public register"), max_length=500)
    registration_mandatory = models.BooleanField(_("registration mandatory"))
    protected_titles = models.JSONField(_("protected titles"), default=list)
    register_fields = models.JSONField(_("register fields"), default=list)
    status_words = models.JSONField(_("status words"), default=dict)
    sources = models.JSONField(_("sources"), default=dict)
    unconfirmed = models.JSONField(_("unconfirmed facts"), default=list)
    # When this platform last read the register (the newest applied import).
    register_read_at = models.DateTimeField(_("register last read"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("regulator")
        verbose_name_plural = _("regulators")

    def __str__(self) -> str:
        return self.label or self.name


class RegulatorOfficer(models.Model):
    """A regulator officer's membership: which regulator's register and reviews they act on."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regulator_memberships"
    )
    regulator = models.ForeignKey(Regulator, on_delete=models.CASCADE, related_name="officers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["officer", "regulator"], name="registry_officer_once")
        ]

    def __str__(self) -> str:
        return f"{self.officer} at {self.regulator}"


class PracticeAgreement(models.Model):
    """An arrangement that lets a registration count in other jurisdictions (a compact...).

    It has a direction: registrants of the ``registrants_of`` jurisdictions (or of their
    subdivisions) may practise in the ``practise_in`` jurisdictions, never the other way round
    unless the agreement says so too. A mutual agreement lists every member on both sides.
    """

    class Direction(models.TextChoices):
        MUTUAL = "mutual", _("Mutual")
        ONE_WAY = "one_way", _("One way")
        # Recorded for what it says about the members, but lets nobody practise anywhere.
        NONE = "none", _("Lets no one practise elsewhere")

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=80)
    # Every jurisdiction the agreement concerns, on either side.
    members = models.ManyToManyField(Jurisdiction, related_name="practice_agreements")
    # Until the reference data is loaded again, an agreement lets nobody practise elsewhere.
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.NONE)
    registrants_of = models.ManyToManyField(
        Jurisdiction, related_name="agreements_for_registrants", blank=True
    )
    practise_in = models.ManyToManyField(
        Jurisdiction, related_name="agreements_to_practise_in", blank=True
    )
    operational = models.BooleanField()
    operational_note = models.TextField(blank=True)
    source = models.URLField(max_length=500)
    confirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=["mutual", "one_way", "none"]),
                name="registry_agreement_direction",
            ),
            # An agreement that lets no one practise elsewhere is never operational.
            models.CheckConstraint(
                condition=~Q(direction="none") | Q(operational=False),
                name="registry_agreement_without_direction_not_operational",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class NameSearchKeyField(models.TextField[str, str]):
    """The register names of an entry, folded for searching (``names.name_search_key``).

    Computed from ``name`` and ``previous_names`` whenever the row is saved or bulk-created, so
    that no writer has to remember it; a queryset ``update`` of the names must set it too.
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        from casework.registry.names import name_search_key

        value = name_search_key(
            getattr(model_instance, "name", ""),
            *(getattr(model_instance, "previous_names", None) or []),
        )
        setattr(model_instance, self.attname, value)
        return value


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    CONDITIONS = "conditions", _("Registered with conditions")
    SUSPENDED = "suspended", _("Suspended")
    LAPSED = "lapsed", _("Lapsed")
    REMOVED = "removed", _("Removed")
    # Ours, never a register's word: the latest full reading of the register did not list the
    # entry. Absence is not removal (an export can drop rows by mistake), so the credential is
    # only suspended; a second reading in a row without it removes it (register_diff.py).
    NOT_IN_READING = "absent", _("Not in the latest reading")


# The words a register itself can state (an export saying "absent" is not one of them).
REGISTER_STATUSES = tuple(s for s in RegistrationStatus if s != RegistrationStatus.NOT_IN_READING)


# Statuses under which a person may practise (conditions apply, but practice is allowed).
PRACTISING_STATUSES = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.CONDITIONS})


class RegisterImport(models.Model):
    """One reading of a regulator's register export: previewed, then applied (or rejected)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        CHECKING = "checking", _("Checking")
        PREVIEWED = "previewed", _("Ready to apply")
        INVALID = "invalid", _("Has bad rows")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")
        FAILED = "failed", _("Failed")

    class Origin(models.TextChoices):
        BY_HAND = "by_hand", _("By hand")
        SCHEDULED = "scheduled", _("Scheduled")

    regulator = models.ForeignKey(Regulator, on_delete=models.PROTECT, related_name="imports")
    # An officer's upload or the import command, or the clock's re-read of the regulator's
    # register source (register_sources.py).
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.BY_HAND
    )
    file_format = models.CharField(_("format"), max_length=40)
    file_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to="register-imports/%Y/%m/")
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Counts of new, changed, status changes, gone and unchanged entries.
    summary = models.JSONField(default=dict, blank=True)
    # The diff itself, capped; the full diff is recomputed from the file when applying.
    diff_sample = models.JSONField(default=dict, blank=True)
    # Bad rows: [{"line": 12, "reason": "..."}] (capped).
    bad_rows = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    # A reading that would suspend or remove many entries is applied only when someone
    # confirmed that many (register_import.py): the count they confirmed.
    withdrawals_confirmed = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.regulator.short_name} {self.file_name} ({self.state})"


class RegisterSource(models.Model):
    """Where a regulator's register export is re-read from on a schedule, and what the last
    reading found (register_sources.py). Every reading goes through the import service, as an
    upload does."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Read and applied")
        UNCHANGED = "unchanged", _("Unchanged since the last reading")
        AWAITING = "awaiting", _("Read; waiting for an officer to confirm it")
        FAILED = "failed", _("Could not be read or applied")

    regulator = models.OneToOneField(
        Regulator, on_delete=models.CASCADE, related_name="register_source"
    )
    # An http(s) address, or a path inside CASEWORK_REGISTER_SOURCES_DIR.
    location = models.CharField(_("address or path"), max_length=500)
    file_format = models.CharField(_("format"), max_length=40)
    every_hours = models.PositiveIntegerField(_("read every (hours)"))
    next_read_at = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    # The content the last reading judged (applied, awaiting an officer, or bad rows): the same
    # content is not imported again.
    last_sha256 = models.CharField(max_length=64, blank=True)
    last_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    last_failure = models.TextField(blank=True)
    last_import = models.ForeignKey(
        RegisterImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("register source")
        constraints = [
            models.CheckConstraint(
                condition=Q(every_hours__gte=1), name="registry_source_reads_at_most_hourly"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regulator.short_name} from {self.location}"


class RegisterEntry(models.Model):
    """One person on a regulator's register, as last read from it."""

    regulator = models.ForeignKey(Regulator, on_delete=models.PROTECT, related_name="entries")
    registration_number = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    previous_names = models.JSONField(default=list, blank=True)
    # Searched by /verify/ and the API, so that a name is found whatever its accents, case,
    # hyphens, apostrophes and order (PostgreSQL indexes it by trigrams).
    name_key = NameSearchKeyField(editable=False, blank=True, default="")
    status = models.CharField(max_length=12, choices=RegistrationStatus.choices)
    conditions = models.TextField(blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    # The address the regulator's own export gives for the registrant, where it gives one: the
    # one-time codes that prove control of a registration go there. Never published: no page,
    # API answer or credential shows it.
    contact_email = models.EmailField(max_length=254, blank=True)
    source_import = models.ForeignKey(
        RegisterImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("register entries")
        constraints = [
            models.UniqueConstraint(
                fields=["regulator", "registration_number"], name="registry_entry_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RegistrationStatus.values), name="registry_entry_status"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="registry_entry_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.name}"


class RegisterEntryChange(models.Model):
    """What one import changed in one entry: the register's history, kept with the import."""

    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="changes")
    register_import = models.ForeignKey(
        RegisterImport, on_delete=models.PROTECT, related_name="changes"
    )
    # "new", "changed", "absent" (not in the reading) or "gone" (absent twice: removed)
    kind = models.CharField(max_length=10)
    old_status = models.CharField(max_length=12, blank=True)
    new_status = models.CharField(max_length=12, blank=True)
    changed_fields = models.JSONField(default=dict, blank=True)  # field: [old, new]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "register_import"], name="registry_one_change_per_import"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.entry_id} in import {self.register_import_id}"


class RegistrationClaim(models.Model):
    """A practitioner's statement that a register entry is theirs.

    The register is public, so a number and name that match it prove nothing: such a claim is
    *matched, awaiting proof* until its holder proves control of the registration (a one-time
    code to the contact address the regulator supplies, an officer of the regulator, or a
    review of identity evidence). Only ``State.VERIFIED`` counts anywhere: listings, bookings,
    enquiries and credentials all read ``casework.registry.standing``.
    """

    class State(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        AWAITING_PROOF = "awaiting_proof", _("Matched, awaiting proof")
        PENDING = "pending", _("Awaiting review")
        REJECTED = "rejected", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class ProofRoute(models.TextChoices):
        EMAILED_CODE = "emailed_code", _("One-time code to the regulator's contact address")
        OFFICER = "officer", _("Confirmed by an officer of the regulator")
        EVIDENCE = "evidence", _("Identity evidence reviewed")
        # Claims verified before proof of control was asked for: a name match only. The data
        # migration that introduced proof marks them so; ``manage.py claims_without_proof``
        # lists them and asks their holders for proof.
        NAME_MATCH = "name_match", _("Name match only (before proof of control)")

    # A claim stays open (and holds or competes for its registration) in these states.
    LIVE_STATES = ("verified", "awaiting_proof", "pending")

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registration_claims"
    )
    regulator = models.ForeignKey(Regulator, on_delete=models.PROTECT, related_name="claims")
    registration_number = models.CharField(max_length=40)
    # The register entry with this number, when the register holds one (whatever the state).
    entry = models.ForeignKey(
        RegisterEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    state = models.CharField(max_length=16, choices=State.choices)
    # The registration document (a certificate, a letter from the regulator), sealed.
    evidence = models.FileField(upload_to="claim-evidence/%Y/%m/", blank=True)
    # An identity document, sealed like the evidence.
    identity_document = models.FileField(upload_to="claim-evidence/%Y/%m/", blank=True)
    # Sealed under the practitioner's data key (casework/registry/evidence_notes.py): read
    # ``note_given``.
    evidence_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # How control of the registration was proved, when, and who accepted the proof (the
    # officer or reviewer; the practitioner themself for an emailed code).
    proof_route = models.CharField(max_length=16, choices=ProofRoute.choices, blank=True)
    proved_at = models.DateTimeField(null=True, blank=True)
    proved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set while another claim competes for the same registration: reviewers decide who holds
    # it. A verified claim in dispute stays verified until that decision.
    disputed_since = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One verified holder per registration.
            models.UniqueConstraint(
                fields=["regulator", "registration_number"],
                condition=Q(state="verified"),
                name="registry_one_verified_claim_per_registration",
            ),
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(state="verified"),
                name="registry_one_verified_claim_per_entry",
            ),
            models.UniqueConstraint(
                fields=["practitioner", "regulator", "registration_number"],
                condition=Q(state__in=["verified", "awaiting_proof", "pending"]),
                name="registry_one_live_claim_per_practitioner",
            ),
            models.CheckConstraint(
                condition=~Q(state="verified") | Q(entry__isnull=False),
                name="registry_verified_claim_has_entry",
            ),
            models.CheckConstraint(
                condition=~Q(state="awaiting_proof") | Q(entry__isnull=False),
                name="registry_matched_claim_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regulator.short_name} {self.registration_number} ({self.state})"

    @property
    def note_given(self) -> str:
        """The practitioner's note on the evidence, opened from the vault."""
        from casework.registry.evidence_notes import open_note  # the vault's models load after

        return open_note(self.evidence_note, claim_id=self.pk)

    @property
    def in_dispute(self) -> bool:
        return self.disputed_since is not None


class ClaimCode(models.Model):
    """A one-time code sent to the contact address the register holds for a claimed entry.

    Only a keyed hash of the code is stored. A code is good once, for a short time and a few
    tries; a newer code replaces the older ones of its claim.
    """

    claim = models.ForeignKey(RegistrationClaim, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["claim", "-created_at"], name="registry_code_latest")]

    def __str__(self) -> str:
        return f"code for claim {self.claim_id}"


class PlatformRestriction(models.Model):
    """A regulator officer's order on one registration, on this platform: a suspension of the
    listing (at once, before the register shows anything) or conditions of practice.

    It is the regulator's word, not the register's reading, so register imports never change
    it; standing (``standing.py``) reads the active suspensions beside the register's status.
    Lifting one keeps the row: the registration's history on the platform.
    """

    class Kind(models.TextChoices):
        SUSPENSION = "suspension", _("Listing suspended")
        CONDITIONS = "conditions", _("Conditions of practice")

    entry = models.ForeignKey(
        RegisterEntry, on_delete=models.PROTECT, related_name="platform_restrictions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What the public verification page and the profile show (conditions only).
    conditions = models.TextField(blank=True)
    # The officer's reason: the practitioner reads it; the public does not.
    reason = models.TextField()
    imposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imposed_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-imposed_at", "-pk"]
        constraints = [
            # One active order of each kind per registration.
            models.UniqueConstraint(
                fields=["entry", "kind"],
                condition=Q(lifted_at__isnull=True),
                name="registry_one_active_restriction_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["suspension", "conditions"]),
                name="registry_restriction_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="conditions") | ~Q(conditions=""),
                name="registry_conditions_have_text",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="registry_restriction_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(lift_reason=""),
                name="registry_lift_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on entry {self.entry_id}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


from casework.registry.credentials.models import IssuedCredential, SigningKey, StatusList  # noqa: E402,F401  (models of the credentials module)
