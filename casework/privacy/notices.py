"""Emails of privacy: that a person's export is ready, and a link to their export page, where
they sign in to download it. Never anything of the data, never the download link itself."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from casework.accounts.models import User


def compose_export_ready(recipient: User) -> EmailMultiAlternatives:
    link = settings.SITE_URL + reverse("rights:export")
    with translation.override(recipient.language):
        subject = "[Casework] " + _("Your data export is ready")
        body = render_to_string(
            "privacy/email/export_ready.txt",
            {"link": link, "hours": settings.EXPORT_LINK_HOURS},
        ).strip()
    return EmailMultiAlternatives(subject=subject, body=body, to=[recipient.email])
