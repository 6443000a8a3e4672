"""Who may see which complaint: one place for pages, downloads and the bundle.

404 alike for a complaint that does not exist and one that is not the person's to see: an
officer sees the complaints routed to their regulators, a moderator those routed to the
platform's moderators, an administrator all of them.
"""

import uuid

from django.db.models import QuerySet
from django.http import Http404

from casework.accounts.models import Role, User
from casework.complaints.models import Complaint, ComplaintEvidence
from casework.complaints.services import reference_of, secret_matches


def visible_complaints(person: User) -> QuerySet[Complaint]:
    complaints = Complaint.objects.all()
    if person.role == Role.ADMIN:
        return complaints
    if person.role == Role.MODERATOR:
        return complaints.filter(to_moderators=True)
    if person.role == Role.OFFICER:
        return complaints.filter(routes__regulator__officers__officer=person).distinct()
    return complaints.none()


def get_complaint_for_staff(person: User, complaint_id: uuid.UUID) -> Complaint:
    complaint = (
        visible_complaints(person)
        .select_related("practitioner", "data_key")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


def get_evidence_for_staff(
    person: User, complaint_id: uuid.UUID, evidence_id: uuid.UUID
) -> ComplaintEvidence:
    complaint = get_complaint_for_staff(person, complaint_id)
    evidence = (
        ComplaintEvidence.objects.select_related("complaint__data_key")
        .filter(pk=evidence_id, complaint=complaint)
        .first()
    )
    if evidence is None:
        raise Http404
    return evidence


def complaints_filed_by(person: User) -> QuerySet[Complaint]:
    """The complaints ``person`` filed signed in and under their name (a complaint filed
    without it is followed by its reference and secret alone: nothing links it to them)."""
    return Complaint.objects.filter(complainant=person)


def get_complaint_for_complainant(person: User, reference: str) -> Complaint:
    """One of ``person``'s complaints by its reference; 404 alike for a missing one and
    someone else's."""
    stored = reference_of(reference[:40])
    complaint = (
        complaints_filed_by(person).select_related("data_key").filter(reference=stored).first()
        if stored is not None
        else None
    )
    if complaint is None:
        raise Http404
    return complaint


def find_complaint_by_secret(reference: str, secret: str) -> Complaint | None:
    """A complaint by its reference and secret, both needed: what anyone who filed one holds,
    signed in or not. None alike for a wrong reference and a wrong secret."""
    stored = reference_of(reference[:40])
    if stored is None:
        return None
    found = Complaint.objects.select_related("data_key").filter(reference=stored).first()
    if found is None or not secret_matches(found, secret):
        return None
    return found
