"""Telling practitioners what the register now says about them, in plain words, by email.

Rendered in the person's own language; the email carries the status and a link, nothing else.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from casework.emails import deliver_email
from casework.registry.credentials.addresses import public_url
from casework.registry.models import RegistrationClaim


def verification_path(claim: RegistrationClaim) -> str:
    return reverse(
        "registry:verification",
        kwargs={"regulator": claim.regulator.slug, "number": claim.registration_number},
    )


def tell_practitioner_status_changed(*, claim_id: int, new_status: str) -> None:
    claim = (
        RegistrationClaim.objects.select_related("practitioner", "regulator")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        return
    person = claim.practitioner
    with translation.override(person.language):
        context = {
            "person": person,
            "claim": claim,
            "status": new_status,
            "link": settings.SITE_URL + verification_path(claim),
            # Where they see, download and share their credential.
            "registrations_link": public_url("registry:my_registrations"),
        }
        subject = render_to_string("registry/email/status_changed_subject.txt", context)
        body = render_to_string("registry/email/status_changed_message.txt", context)
    deliver_email.enqueue(to=[person.email], subject=" ".join(subject.split()), body=body.strip())
