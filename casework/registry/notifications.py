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


def _my_registrations_link() -> str:
    return settings.SITE_URL + reverse("registry:my_registrations")


def send_claim_code_email(*, to: str, code: str, claim_id: int, minutes: int) -> None:
    """The one-time code, to the register's contact address: the code and what it is for,
    nothing about who asked."""
    claim = RegistrationClaim.objects.select_related("practitioner", "regulator").get(pk=claim_id)
    with translation.override(claim.practitioner.language):
        context = {"claim": claim, "code": code, "minutes": minutes}
        subject = render_to_string("registry/email/claim_code_subject.txt", context)
        body = render_to_string("registry/email/claim_code_message.txt", context)
    deliver_email.enqueue(to=[to], subject=" ".join(subject.split()), body=body.strip())


def _tell_claimant(claim_id: int, template: str) -> None:
    """Email a claim's practitioner, in their language, that there is news of their claim on
    their registrations page (the email carries only that, and the link)."""
    claim = RegistrationClaim.objects.select_related("practitioner", "regulator").get(pk=claim_id)
    person = claim.practitioner
    with translation.override(person.language):
        context = {"person": person, "claim": claim, "link": _my_registrations_link()}
        subject = render_to_string(f"registry/email/{template}_subject.txt", context)
        body = render_to_string(f"registry/email/{template}_message.txt", context)
    deliver_email.enqueue(to=[person.email], subject=" ".join(subject.split()), body=body.strip())


# The news a claim can have for its practitioner, each with its email's templates.
CLAIM_NEWS = frozenset({"claim_disputed", "claim_decided", "proof_requested"})


def tell_claimant_news(*, claim_id: int, news: str) -> None:
    """Another practitioner claims the registration this person holds or awaits
    (``claim_disputed``), a reviewer verified or refused the claim (``claim_decided``: the
    decision and its reason are on the registrations page, the email says only that there is
    one), or a registration verified by a name match alone needs proof (``proof_requested``)."""
    if news not in CLAIM_NEWS:
        raise ValueError(f"no such claim news: {news!r}")
    _tell_claimant(claim_id, news)
