"""The directory's reactions to other apps' events (see casework/events/subscribers.py)."""

from casework.directory import cards
from casework.directory.models import PractitionerProfile
from casework.directory.name_review import flag_display_name
from casework.events.catalogue import RegistrationOrderChanged, StandingChanged


def follow_standing(event: StandingChanged) -> None:
    """A registration verified or lost changes the family names a display name is compared
    with: a display name that no longer carries one waits for review again."""
    profile = PractitionerProfile.objects.filter(practitioner_id=event.practitioner_id).first()
    if profile is not None:
        flag_display_name(profile)


def refresh_cards(event: StandingChanged | RegistrationOrderChanged) -> None:
    """A registration's standing or a regulator's order on it shows on the practitioner's
    search card ("Registered with", "with conditions"): cards kept so far are rendered again.
    Whether they are listed at all needs no reaction: each search reads it from the
    registers."""
    cards.refresh_cards()
