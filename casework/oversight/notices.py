"""Emails of the regulator portal: that something happened, and a link. Never a reason,
never a complaint's words (mail passes through servers that are not ours)."""

from django.template.loader import render_to_string
from django.utils import translation

from casework.emails import send_email
from casework.registry.credentials.addresses import public_url
from casework.registry.models import PlatformRestriction, RegistrationClaim


def tell_practitioner_of_order(*, restriction: PlatformRestriction, change: str) -> None:
    claim = (
        RegistrationClaim.objects.filter(
            entry_id=restriction.entry_id, state=RegistrationClaim.State.VERIFIED
        )
        .select_related("practitioner", "regulator")
        .first()
    )
    if claim is None:
        return
    person = claim.practitioner
    with translation.override(person.language):
        context = {
            "person": person,
            "regulator": claim.regulator,
            "number": claim.registration_number,
            "change": change,
            "link": public_url("registry:my_registrations"),
        }
        subject = render_to_string("oversight/email/order_subject.txt", context)
        body = render_to_string("oversight/email/order_message.txt", context)
    send_email(
        to=[person.email], subject=" ".join(subject.split()), body=body.strip(), kind="order"
    )
