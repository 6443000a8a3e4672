"""The directory's reactions to other apps' events (see casework/events/subscribers.py)."""

from casework.directory.models import PractitionerProfile
from casework.directory.name_review import flag_display_name
from casework.events.catalogue import StandingChanged


def follow_standing(event: StandingChanged) -> None:
    """A registration verified or lost changes the family names a display name is compared
    with: a display name that no longer carries one waits for review again."""
    profile = PractitionerProfile.objects.filter(practitioner_id=event.practitioner_id).first()
    if profile is not None:
        flag_display_name(profile)
