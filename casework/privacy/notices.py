"""Emails of privacy: that a person's export is ready, and a link to their export page, where
they sign in to download it. Never anything of the data, never the download link itself."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.emails import queue_notice
from casework.privacy.rights_models import DataExport, ExportStatus


def compose_export_ready(recipient: User) -> EmailMultiAlternatives:
    link = settings.SITE_URL + reverse("rights:export")
    with translation.override(recipient.language):
        subject = "[Casework] " + _("Your data export is ready")
        body = render_to_string(
            "privacy/email/export_ready.txt",
            {"link": link, "hours": settings.EXPORT_LINK_HOURS},
        ).strip()
    return EmailMultiAlternatives(subject=subject, body=body, to=[recipient.email])


def queue_export_ready(export_id: str) -> None:
    """Tell the person their export is ready, if it still is (not expired or erased since):
    composed in the relay's transaction, sent by the task queue (``emails.queue_notice``)."""
    found = (
        DataExport.objects.select_related("person")
        .filter(pk=export_id, status=ExportStatus.READY)
        .first()
    )
    if found is None or not found.person.is_active or not found.person.email:
        return
    queue_notice(compose_export_ready(found.person), kind="privacy.export_ready")
