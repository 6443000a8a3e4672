"""The sections of each case-note template, as data: DAP, SOAP and free text."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.care.models import NoteTemplate


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    hint: str | Promise


SECTIONS: dict[str, tuple[Section, ...]] = {
    NoteTemplate.DAP: (
        Section("data", _("Data"), _("What you observed and what the client said.")),
        Section("assessment", _("Assessment"), _("Your understanding of it.")),
        Section("plan", _("Plan"), _("What happens next, and who does it.")),
    ),
    NoteTemplate.SOAP: (
        Section("subjective", _("Subjective"), _("The client's own account.")),
        Section("objective", _("Objective"), _("What you observed; scores and facts.")),
        Section("assessment", _("Assessment"), _("Your understanding of it.")),
        Section("plan", _("Plan"), _("What happens next, and who does it.")),
    ),
    NoteTemplate.FREE: (Section("text", _("Note"), _("Write the note in your own words.")),),
}

SECTION_LIMIT = 10_000


def sections_for(template: str) -> tuple[Section, ...]:
    return SECTIONS[NoteTemplate(template)]
