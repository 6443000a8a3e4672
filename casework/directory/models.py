"""Practitioners' public profiles and the search that finds who may practise where a client is.

A profile is *listed* while it is published and its practitioner is in good standing on a
register (``casework.directory.queries.listing_condition``). The search reads that answer
stored on the profile (``listed_in_search``), which database triggers (migration 0005) keep
exact in the transaction of every write that can change it.
"""

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import validate_person_name


class Modality(models.TextChoices):
    VIDEO = "video", _("Video")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")


def photo_path(profile: "PractitionerProfile", filename: str) -> str:
    # A fresh random name per upload: an old address never serves the new photo, and names
    # reveal nothing about the person.
    return f"practitioner-photos/{secrets.token_urlsafe(16)}.jpg"


class PractitionerProfile(models.Model):
    """What a practitioner shows the public. Written only by ``services.save_profile``."""

    practitioner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    display_name = models.CharField(
        _("display name"), max_length=120, validators=[validate_person_name]
    )
    # A display name that does not carry the family name the register holds shows only once a
    # reviewer (an officer of a regulator the practitioner is registered with, or an admin)
    # approves it; until then pages show the registered name alone (``display_names``). The
    # name last approved, and since when the current one waits for review. Nullable so that
    # SQLite adds the columns in place: rebuilding the table would drop the search triggers.
    approved_display_name = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    display_name_review_since = models.DateTimeField(null=True, blank=True)
    photo = models.FileField(_("photo"), upload_to=photo_path, blank=True, max_length=200)
    in_person_place = models.CharField(
        _("place for sessions in person"), max_length=200, blank=True
    )
    funded = models.BooleanField(_("funded or free"), default=False)
    fee = models.DecimalField(
        _("fee per session"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    fee_currency = models.CharField(_("currency"), max_length=3, blank=True)
    bio_source = models.TextField(_("about me (Markdown)"), blank=True)
    # The bio rendered from ``bio_source`` and sanitised: the only form that reaches a page.
    bio_html = models.TextField(blank=True, editable=False)
    published = models.BooleanField(_("show in the directory"), default=False)
    # Name, specialties and languages in both site languages, and the bio's text, folded to
    # lower case without accents. The full-text indexes read it: a PostgreSQL generated
    # tsvector column, or a SQLite FTS5 table kept in step by triggers (migration 0002). A
    # later migration that makes SQLite rebuild this table drops those triggers with it: such
    # a migration must create them again, as 0002 does.
    search_document = models.TextField(blank=True, editable=False)
    # ``listing_condition`` as it stands now, stored for the search: recomputed by triggers
    # (migration 0005) on every write to the profile, the account, claims, register entries,
    # regulators' orders and moderators' restrictions, in that write's own statement. Never
    # written by the code: what a save() writes here is recomputed. The same rebuild warning
    # as for the search document holds for those triggers.
    listed_in_search = models.BooleanField(default=False, editable=False)
    # The practitioner's next free slot as their schedule keeps it
    # (``PractitionerSchedule.next_free_at``), copied here by triggers (migration 0007) in the
    # statement that writes the schedule, so that the search's "soonest free" order reads an
    # index range (``directory_listed_soonest``) instead of sorting every match. Never written
    # by the code; the same rebuild warning holds for those triggers.
    free_slot_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "pk"]
        indexes = [
            # The search's two orders without words, each read in order and stopped at the
            # page: soonest free slot first, then those with none by name (``paging``). Of the
            # listed profiles only: the search asks for nothing else, and on SQLite an index
            # led by the flag is read as a skip-scan, out of order.
            models.Index(
                fields=["free_slot_at", "display_name", "id"],
                condition=Q(listed_in_search=True),
                name="directory_listed_soonest",
            ),
            models.Index(
                fields=["display_name", "id"],
                condition=Q(listed_in_search=True),
                name="directory_listed_by_name",
            ),
        ]
        verbose_name = _("practitioner profile")
        verbose_name_plural = _("practitioner profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(fee__isnull=True) | Q(fee__gte=0), name="directory_fee_not_negative"
            ),
            # Either clients pay nothing, or the fee and its currency are both given.
            models.CheckConstraint(
                condition=(Q(funded=True) & Q(fee__isnull=True) & Q(fee_currency=""))
                | (Q(funded=False) & Q(fee__isnull=False) & ~Q(fee_currency="")),
                name="directory_fee_or_funded",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class ProfileLanguage(models.Model):
    """A language the practitioner works in: ISO 639-1, or ISO 639-3 where there is no 639-1
    code (most sign languages), as BCP 47 does."""

    profile = models.ForeignKey(
        PractitionerProfile, on_delete=models.CASCADE, related_name="language_rows"
    )
    code = models.CharField(max_length=8)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="directory_language_once")
        ]
        indexes = [models.Index(fields=["code", "profile"], name="directory_language_lookup")]

    def __str__(self) -> str:
        return self.code


class ProfileSpecialty(models.Model):
    """A specialty from the shipped vocabulary (``data/specialties.toml``), by key."""

    profile = models.ForeignKey(
        PractitionerProfile, on_delete=models.CASCADE, related_name="specialty_rows"
    )
    code = models.CharField(max_length=40)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="directory_specialty_once")
        ]
        indexes = [models.Index(fields=["code", "profile"], name="directory_specialty_lookup")]

    def __str__(self) -> str:
        return self.code


class ProfileModality(models.Model):
    profile = models.ForeignKey(
        PractitionerProfile, on_delete=models.CASCADE, related_name="modality_rows"
    )
    modality = models.CharField(max_length=12, choices=Modality.choices)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "modality"], name="directory_modality_once"),
            models.CheckConstraint(
                condition=Q(modality__in=Modality.values), name="directory_modality_known"
            ),
        ]
        indexes = [models.Index(fields=["modality", "profile"], name="directory_modality_lookup")]

    def __str__(self) -> str:
        return self.modality


class PractisingJurisdiction(models.Model):
    """A jurisdiction whose regulator has the practitioner on its register in a practising
    status, through a verified claim, with no suspension of the listing on this platform: what
    a search by place reads (the place's rules say which regulators' jurisdictions cover it,
    ``practice.jurisdictions_covering``; ``queries.find_practitioners``).

    Stored for the search, as ``listed_in_search`` is: working it out from the claims, entries
    and regulators' orders on every search cost about 100 ms at 100,000 practitioners on SQLite.
    Written only by the triggers of migration 0006, in the statement that changes a claim, an
    entry's status, a regulator's order or a regulator's jurisdiction, so it is exact in every
    write's own transaction. A migration that makes SQLite rebuild one of those tables drops
    its triggers with it, and must create them again."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "jurisdiction"], name="directory_practising_once"
            )
        ]
        # Who practises in a place, by place first: the search can start from it.
        indexes = [
            models.Index(fields=["jurisdiction", "practitioner"], name="directory_practising_where")
        ]

    def __str__(self) -> str:
        return f"{self.practitioner_id} in {self.jurisdiction_id}"


class FullTextMatch(models.Lookup[str]):
    """``document__matches=query``: SQLite FTS5's MATCH on an indexed column."""

    lookup_name = "matches"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str | int, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", (*lhs_params, *rhs_params)


class FullTextColumn(models.TextField[str, str]):
    """A column of an FTS5 table; only ``matches`` is meant to be asked of it."""


FullTextColumn.register_lookup(FullTextMatch)


class ProfileSearchEntry(models.Model):
    """A profile's row in the SQLite FTS5 index (migration 0002 creates the table and the
    triggers that fill it; PostgreSQL has no such table). Read only, and only through a
    join from ``PractitionerProfile`` (``search_entry__document__matches``), so that SQLite
    matches once and ranks each match with ``bm25`` in the same pass."""

    profile = models.OneToOneField(
        PractitionerProfile,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="search_entry",
    )
    document = FullTextColumn(db_column="search_document")

    class Meta:
        managed = False
        db_table = "directory_profile_search"

    def __str__(self) -> str:
        return str(self.profile_id)


class CardsVersion(models.Model):
    """The version of the search's result cards (``cards.py``): one row, counted up by the
    reactions to events that change what a listed card says. In the database, not the cache:
    those reactions run in the task worker, and without Redis its cache is its own, so a version
    kept there would never reach the web process's cards."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="directory_cards_version_one_row")
        ]

    def __str__(self) -> str:
        return f"cards version {self.number}"
