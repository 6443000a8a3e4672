"""Who may see what of safety: one helper per kind, for views, tasks and tests.

Each answers 404 alike for malformed, missing and not-theirs. A reporter reaches only things
they can already see (a message of a conversation they take part in, an appointment of
theirs, a listed profile); moderators reach reports, detections and the evidence consented
to, never a conversation; the person affected by a decision reaches its statement of reasons.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise

from casework.accounts.models import Role, User
from casework.care.access import cases_held_by, cases_of_client
from casework.community.models import Article, Comment
from casework.directory.access import get_profile_for_viewer
from casework.directory.queries import listed_profiles
from casework.messaging.models import Attachment, Conversation, Message
from casework.registry.access import reviewable_claims
from casework.safety.models import (
    Appeal,
    Detection,
    ModerationAction,
    Report,
    ReportTarget,
)
from casework.scheduling.access import appointments_of, get_appointment_for_person

MODERATORS = frozenset({Role.MODERATOR})
# How many of the reported person's messages a reporter may choose from as evidence.
EVIDENCE_CHOICES = 20

M = TypeVar("M", bound=Model)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _one_or_404(visible: QuerySet[M], object_id: object) -> M:
    """The object of ``visible`` with this id; 404 alike for a malformed, missing or hidden id."""
    key = _uuid(object_id)
    found = visible.filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404
    return found


def is_moderator(person: object) -> bool:
    return isinstance(person, User) and person.role in MODERATORS


# --- What a reporter may report ----------------------------------------------------------------


@dataclass
class Target:
    """Something a reporter can see, and the person it concerns."""

    kind: str
    key: str
    reported: User | None  # None: an anonymous comment
    label: str | Promise
    message: Message | None = None
    appointment_id: int | None = None
    claim_id: int | None = None
    comment_id: int | None = None
    # Where the thing is shown, for the form's way back (community targets).
    shown_at: str = ""
    # The reported person's messages the reporter can see, offered as evidence.
    evidence_choices: Sequence[Message] = field(default_factory=list)


def _visible_messages(reporter: User) -> QuerySet[Message]:
    return Message.objects.filter(
        conversation__participants__person=reporter,
        deleted_at__isnull=True,
        kind=Message.Kind.MESSAGE,
    )


def _evidence_from(reporter: User, reported: User, within: Q | None = None) -> list[Message]:
    messages = _visible_messages(reporter).filter(sender=reported)
    if within is not None:
        messages = messages.filter(within)
    found = list(
        messages.select_related("conversation__data_key").order_by("-created_at")[:EVIDENCE_CHOICES]
    )
    return found[::-1]


def target_for_message(reporter: User, message_id: object) -> Target:
    message = _one_or_404(
        _visible_messages(reporter).select_related("sender", "conversation__data_key"),
        message_id,
    )
    return Target(
        kind=ReportTarget.MESSAGE,
        key=f"message:{message.pk}",
        reported=message.sender,
        label=ReportTarget.MESSAGE.label,
        message=message,
        evidence_choices=_evidence_from(
            reporter, message.sender, Q(conversation_id=message.conversation_id)
        ),
    )


def target_for_attachment(reporter: User, attachment_id: object) -> Target:
    attachment = _one_or_404(
        Attachment.objects.filter(message__in=_visible_messages(reporter)).select_related(
            "message__sender", "message__conversation__data_key"
        ),
        attachment_id,
    )
    message = attachment.message
    return Target(
        kind=ReportTarget.ATTACHMENT,
        key=f"attachment:{attachment.pk}",
        reported=message.sender,
        label=ReportTarget.ATTACHMENT.label,
        message=message,
        evidence_choices=_evidence_from(
            reporter, message.sender, Q(conversation_id=message.conversation_id)
        ),
    )


def _shares_something(reporter: User, other: User) -> bool:
    together = Conversation.objects.filter(participants__person=reporter).filter(
        participants__person=other
    )
    if together.exists():
        return True
    if appointments_of(reporter).filter(Q(client=other) | Q(practitioner=other)).exists():
        return True
    # A case, held or received (one taken over from a colleague may have neither of the above).
    return (
        cases_held_by(reporter).filter(client=other).exists()
        or cases_of_client(reporter).filter(practitioner=other).exists()
    )


def target_for_person(reporter: User, person_id: int) -> Target:
    """Someone the reporter has dealt with: a conversation, an appointment or a case together
    (or themselves, which the service refuses with a reason)."""
    other = User.objects.filter(pk=person_id).first()
    if other is None or (other.pk != reporter.pk and not _shares_something(reporter, other)):
        raise Http404
    return Target(
        kind=ReportTarget.PERSON,
        key=f"person:{other.pk}",
        reported=other,
        label=other.display_name,
        evidence_choices=_evidence_from(reporter, other),
    )


def get_person_to_block(blocker: User, person_id: int) -> User:
    """Someone ``blocker`` may block, as the pages offer it: a conversation, an appointment or
    a case together, or the practitioner of a listed profile (or themselves, and safety staff, whom
    the service refuses with a reason). Anyone else answers 404, as a missing person does."""
    other = User.objects.filter(pk=person_id).first()
    if other is None:
        raise Http404
    if other.pk == blocker.pk or _shares_something(blocker, other):
        return other
    if listed_profiles().filter(practitioner=other).exists():
        return other
    raise Http404


def target_for_profile(viewer: object, slug: str) -> Target:
    profile = get_profile_for_viewer(viewer, slug)
    practitioner = profile.practitioner
    reporter = viewer if isinstance(viewer, User) else None
    return Target(
        kind=ReportTarget.PROFILE,
        key=f"profile:{profile.pk}",
        reported=practitioner,
        label=profile.display_name,
        evidence_choices=_evidence_from(reporter, practitioner) if reporter else [],
    )


def target_for_appointment(reporter: User, appointment_id: int) -> Target:
    appointment = get_appointment_for_person(reporter, appointment_id)
    other = appointment.practitioner if appointment.client_id == reporter.pk else appointment.client
    return Target(
        kind=ReportTarget.APPOINTMENT,
        key=f"appointment:{appointment.pk}",
        reported=other,
        label=ReportTarget.APPOINTMENT.label,
        appointment_id=appointment.pk,
        evidence_choices=_evidence_from(reporter, other),
    )


def target_for_claim(reporter: User, claim_id: int) -> Target:
    """A claim a reviewer is reviewing (officers of its regulator, admins)."""
    claim = reviewable_claims(reporter).select_related("practitioner").filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    return Target(
        kind=ReportTarget.CLAIM,
        key=f"claim:{claim.pk}",
        reported=claim.practitioner,
        label=ReportTarget.CLAIM.label,
        claim_id=claim.pk,
    )


def target_for_comment(viewer: object, comment_id: int) -> Target:
    """A published comment of a published article: what anyone, visitors too, can read.
    Held, hidden, deleted comments and those of drafts answer 404, as a missing one does.
    An anonymous comment is reported too: nobody is reported, the comment can be hidden."""
    comment = (
        Comment.objects.select_related("author", "article")
        .filter(
            pk=comment_id,
            status=Comment.Status.PUBLISHED,
            article__status=Article.Status.PUBLISHED,
        )
        .first()
    )
    if comment is None:
        raise Http404
    reporter = viewer if isinstance(viewer, User) else None
    return Target(
        kind=ReportTarget.COMMENT,
        key=f"comment:{comment.pk}",
        reported=comment.author,
        label=ReportTarget.COMMENT.label,
        comment_id=comment.pk,
        shown_at=comment.article.get_absolute_url() + f"#comment-{comment.pk}",
        evidence_choices=_evidence_from(reporter, comment.author)
        if reporter and comment.author
        else [],
    )


def target_for_article(viewer: object, slug: str) -> Target:
    """A published article (a draft is its author's and admins' only: 404 to a reporter)."""
    article = (
        Article.objects.select_related("author")
        .filter(slug=slug, status=Article.Status.PUBLISHED)
        .first()
    )
    if article is None:
        raise Http404
    reporter = viewer if isinstance(viewer, User) else None
    return Target(
        kind=ReportTarget.ARTICLE,
        key=f"article:{article.pk}",
        reported=article.author,
        label=article.title,
        shown_at=article.get_absolute_url(),
        evidence_choices=_evidence_from(reporter, article.author) if reporter else [],
    )


# --- Reports, for their reporter ---------------------------------------------------------------


def reports_of(person: User) -> QuerySet[Report]:
    return Report.objects.filter(reporter=person)


def get_report_for_reporter(person: User, report_id: object) -> Report:
    return _one_or_404(reports_of(person), report_id)


def find_report_by_reference(reference: str) -> Report | None:
    """A report by its reference alone: the reference is the visitor's proof (unguessable)."""
    cleaned = reference.strip().upper()
    if not cleaned or len(cleaned) > 16:
        return None
    return Report.objects.filter(reference=cleaned).first()


# --- Moderators ------------------------------------------------------------------------------


def reports_for_moderator(person: User) -> QuerySet[Report]:
    return Report.objects.all() if is_moderator(person) else Report.objects.none()


def get_report_for_moderator(person: User, report_id: object) -> Report:
    return _one_or_404(
        reports_for_moderator(person).select_related(
            "reporter", "reported", "data_key", "comment__article"
        ),
        report_id,
    )


def detections_for_moderator(person: User) -> QuerySet[Detection]:
    return Detection.objects.all() if is_moderator(person) else Detection.objects.none()


def get_detection_for_moderator(person: User, detection_id: object) -> Detection:
    return _one_or_404(
        detections_for_moderator(person).select_related("author", "conversation__data_key"),
        detection_id,
    )


def appeals_for_moderator(person: User) -> QuerySet[Appeal]:
    return Appeal.objects.all() if is_moderator(person) else Appeal.objects.none()


def get_appeal_for_moderator(person: User, appeal_id: object) -> Appeal:
    return _one_or_404(
        appeals_for_moderator(person).select_related(
            "action__affected", "action__moderator", "action__data_key", "data_key", "appellant"
        ),
        appeal_id,
    )


# --- Decisions, for the person they affect -------------------------------------------------------


def decisions_about(person: User) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.filter(affected=person).exclude(kind="dismiss")


def get_decision_for_affected(person: User, action_id: object) -> ModerationAction:
    return _one_or_404(decisions_about(person).select_related("data_key", "affected"), action_id)


def find_decision_for_link(action_id: object) -> ModerationAction | None:
    """A decision by id, for a signed link that names it (the link carries the proof): how a
    suspended person, who cannot sign in, reads it and appeals."""
    key = _uuid(action_id)
    if key is None:
        return None
    return (
        ModerationAction.objects.exclude(kind="dismiss")
        .select_related("data_key", "affected")
        .filter(pk=key)
        .first()
    )
