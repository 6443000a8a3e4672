"""Test data for messaging: places, conversations through the real services, office hours."""

from datetime import time
from typing import Any

from casework.accounts.models import User
from casework.messaging import services
from casework.messaging.attachments import CheckedFile
from casework.messaging.models import Conversation, Message, OfficeHours
from casework.registry.models import Jurisdiction
from casework.registry.places import forget_places
from casework.registry.standing import in_good_standing
from casework.testing.scheduling import registered_in_england

PLACES = {
    "GB": ("United Kingdom", None),
    "GB-ENG": ("England", "GB"),
    "GB-SCT": ("Scotland", "GB"),
    "IE": ("Ireland", None),
    "US": ("United States", None),
    "US-CA": ("California", "US"),
    "NZ": ("New Zealand", None),
    "FR": ("France", None),
}

# Smallest honest files of each kind the checks are asked about.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0"
    b">>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def place(code: str) -> Jurisdiction:
    """A jurisdiction (and its country), without loading all the reference data."""
    name, country = PLACES[code]
    parent = place(country) if country else None
    found, _created = Jurisdiction.objects.get_or_create(
        code=code, defaults={"name": name, "country": parent}
    )
    forget_places()
    return found


def taking_enquiries(practitioner: User) -> User:
    """The practitioner, with a verified registration in England unless they are in good
    standing already: only such a practitioner takes enquiries (``check_takes_enquiries``)."""
    if not in_good_standing(practitioner):
        registered_in_england(practitioner)
    return practitioner


def enquiry(
    client: User, practitioner: User, body: str = "Hello, can you help me?", where: str = "GB-ENG"
) -> Conversation:
    taking_enquiries(practitioner)
    return services.start_enquiry(
        client=client, practitioner=practitioner, client_jurisdiction=place(where), body=body
    )


def consultation(practitioner: User, colleague: User, body: str = "A question") -> Conversation:
    return services.start_consultation(practitioner=practitioner, colleague=colleague, body=body)


def send(
    conversation: Conversation, sender: User, body: str = "A message", **kwargs: Any
) -> Message:
    return services.send_message(conversation=conversation, sender=sender, body=body, **kwargs)


def png(name: str = "photo.png") -> CheckedFile:
    return CheckedFile(PNG_BYTES, "image/png", name)


def office_hours(
    practitioner: User, days: range = range(5), opens: time = time(9), closes: time = time(17)
) -> list[OfficeHours]:
    return OfficeHours.objects.bulk_create(
        OfficeHours(practitioner=practitioner, weekday=day, opens=opens, closes=closes)
        for day in days
    )
