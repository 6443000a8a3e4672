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
