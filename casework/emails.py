"""Outgoing email, always delivered by the task queue so a slow mail server never holds a page.

Callers render the message in the request (links need the site's address) and enqueue it here.
Emails carry no confidential content: notifications say that something happened, not what.
"""

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def deliver_email(*, to: list[str], subject: str, body: str, html: str = "") -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
