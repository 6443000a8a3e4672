"""Complaints in the admin: administrators list and open them, never change them there, and
never read a complaint's text or outcome through the admin (the complaint's page does that,
audited)."""

import pytest
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.complaints.models import Complaint, ComplaintState
from casework.testing import oversight

pytestmark = pytest.mark.django_db


def test_an_administrator_lists_and_opens_complaints_without_their_text(
    admin_person: User, client: Client
) -> None:
    practitioner, _profile = oversight.listed_practitioner()
    filed = oversight.complaint_about(practitioner, details="They asked me for a gift card.")
    client.force_login(admin_person)

    listing = client.get(reverse("admin:complaints_complaint_changelist"))
    assert listing.status_code == 200
    assert filed.complaint.reference in listing.content.decode()
    page = client.get(reverse("admin:complaints_complaint_change", args=[filed.complaint.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert filed.complaint.reference in text
    assert "Social Work England" in text  # where it was routed
    assert "gift card" not in text
    assert reverse("complaints:detail", kwargs={"complaint_id": filed.complaint.pk}) in text


def test_the_admin_changes_and_deletes_no_complaint(admin_person: User, client: Client) -> None:
    practitioner, _profile = oversight.listed_practitioner()
    complaint = oversight.complaint_about(practitioner).complaint
    client.force_login(admin_person)
    change = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    assert client.post(change, {"state": ComplaintState.CLOSED}).status_code == 403
    delete = reverse("admin:complaints_complaint_delete", args=[complaint.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:complaints_complaint_add")).status_code == 403
    assert Complaint.objects.get().state == ComplaintState.RECEIVED
