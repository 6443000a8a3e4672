"""What happened: the domain events services emit inside their transaction.

Each event is a frozen dataclass of ids and flags, never content (no message text, no answers,
no reasons): the outbox keeps it as JSON until every reaction is done, and reactions read what
they need from the database with their own rules. The docstring says what happened, in words
``manage.py events`` prints next to the reactions.
"""

import dataclasses
from typing import Any, ClassVar, Self


class Event:
    """Base of every domain event; subclasses name themselves: ``class X(Event, name="...")``."""

    name: ClassVar[str]
    # What happened shows on the public pages kept for visitors (a free slot taken or given
    # back, a registration's standing): emitting it renews them in the same transaction
    # (``casework/shell/page_cache.py``), before any reaction runs.
    public: ClassVar[bool]

    def __init_subclass__(cls, *, name: str, public: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name in KINDS:
            raise TypeError(f"two events are called {name!r}")
        cls.name = name
        cls.public = public
        KINDS[name] = cls

    def payload(self) -> dict[str, Any]:
        fields: dict[str, Any] = dataclasses.asdict(self)  # type: ignore[call-overload]
        return fields

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        # JSON has no tuples: lists of ids come back as the tuples the event holds.
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in payload.items()})

    @classmethod
    def summary(cls) -> str:
        return " ".join((cls.__doc__ or "").split())


KINDS: dict[str, type[Event]] = {}


# Scheduling ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AppointmentRequested(Event, name="scheduling.appointment_requested", public=True):
    """A client asked for a first session that the practitioner confirms."""

    appointment_id: int
    client_id: int
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class AppointmentConfirmed(Event, name="scheduling.appointment_confirmed", public=True):
    """An appointment became confirmed: booked at once (at_booking), or confirmed later."""

    appointment_id: int
    client_id: int
    practitioner_id: int
    at_booking: bool


@dataclasses.dataclass(frozen=True)
class AppointmentDeclined(Event, name="scheduling.appointment_declined", public=True):
    """The practitioner declined a booking request."""

    appointment_id: int
    client_id: int
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class AppointmentCancelled(Event, name="scheduling.appointment_cancelled", public=True):
    """Either party cancelled an open appointment."""

    appointment_id: int
    client_id: int
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class AppointmentRescheduled(Event, name="scheduling.appointment_rescheduled", public=True):
    """Either party moved an open appointment to another time."""

    appointment_id: int
    client_id: int
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class AppointmentNoShowRecorded(Event, name="scheduling.appointment_no_show_recorded"):
    """The practitioner recorded that the client did not attend a confirmed appointment."""

    appointment_id: int
    client_id: int
    practitioner_id: int


# Accounts ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SessionsEnded(Event, name="accounts.sessions_ended"):
    """Sessions of an account ended (signed out elsewhere, an account change, a suspension):
    their open pages are told at once."""

    person_id: int
    # The sessions' channel groups: digests of their keys, never a key (``accounts/live.py``).
    groups: tuple[str, ...]


# Registry ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StandingChanged(Event, name="registry.standing_changed", public=True):
    """A register reading or a claim changed whether a practitioner may practise."""

    practitioner_id: int
    in_good_standing: bool
    reason: str  # a machine word: "register_status", "claim_verified", "claim_withdrawn"


@dataclasses.dataclass(frozen=True)
class ClaimNews(Event, name="registry.claim_news"):
    """A registration claim has news for its practitioner: another claim disputes it, a reviewer
    decided it, or its holder is asked for proof; they are told to look at their registrations
    page."""

    claim_id: int
    news: str  # a machine word: "claim_disputed", "claim_decided", "proof_requested"


# Care ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CaseOpened(Event, name="care.case_opened"):
    """A case opened from an enquiry or a referral (a booked client is on the site already)."""

    case_id: str
    client_id: int
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class CaseChanged(Event, name="care.case_changed"):
    """A case's status changed, or its urgent flag was acknowledged."""

    case_id: str
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class OnlineSuitabilityRecorded(Event, name="care.online_suitability_recorded"):
    """The practitioner recorded whether online work suits the client (the step before the
    client's consent)."""

    case_id: str
    client_id: int
    suitable: bool


@dataclasses.dataclass(frozen=True)
class ConsentGiven(Event, name="care.consent_given"):
    """A client consented to one online technology of their case (no more than which case)."""

    case_id: str
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class CheckInAnswered(Event, name="care.check_in_answered"):
    """A client answered a check-in."""

    check_in_id: str
    case_id: str
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class UrgentFlagRaised(Event, name="care.urgent_flag_raised"):
    """A check-in answer raised an urgent flag on the case."""

    flag_id: str
    case_id: str
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class ConsentWithdrawn(Event, name="care.consent_withdrawn"):
    """A client withdrew consent to one technology of their case."""

    case_id: str
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class ReferralProposed(Event, name="care.referral_proposed"):
    """A practitioner proposed a referral and asks the client to agree."""

    referral_id: str
    client_id: int


@dataclasses.dataclass(frozen=True)
class ReferralShared(Event, name="care.referral_shared"):
    """A referral reached the practitioner it is for."""

    referral_id: str
    to_practitioner_id: int


@dataclasses.dataclass(frozen=True)
class ReferralAnswered(Event, name="care.referral_answered"):
    """A client or the receiving practitioner answered a referral."""

    referral_id: str
    told_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class ReferralWithdrawn(Event, name="care.referral_withdrawn"):
    """A referral was withdrawn."""

    referral_id: str
    told_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class CaseTransferred(Event, name="care.case_transferred"):
    """A case was handed over to another practitioner (a transfer referral accepted)."""

    referral_id: str
    told_ids: tuple[int, ...]
    caseload_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class ReferralLapsed(Event, name="care.referral_lapsed"):
    """The case a referral came from closed: its recipient no longer reads it."""

    referral_id: str
    client_id: int
    to_practitioner_id: int


@dataclasses.dataclass(frozen=True)
class ReferralRenewed(Event, name="care.referral_renewed"):
    """A client renewed a referral after the case it came from closed."""

    referral_id: str
    to_practitioner_id: int


@dataclasses.dataclass(frozen=True)
class SupervisionInvited(Event, name="care.supervision_invited"):
    """A practitioner invited a colleague (by email address) to supervise a case."""

    supervision_id: str


@dataclasses.dataclass(frozen=True)
class SupervisionAnswered(Event, name="care.supervision_answered"):
    """The invited colleague accepted (the client is told) or declined to supervise a case."""

    supervision_id: str
    accepted: bool
    client_id: int
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class SupervisionEnded(Event, name="care.supervision_ended"):
    """A supervision ended: by the client, the practitioner, the supervisor, or with the case
    (closed or handed over)."""

    supervision_id: str
    reason: str  # a machine word: SupervisionEnd's values
    told_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class EmergencyDetailsOpened(Event, name="care.emergency_details_opened"):
    """A practitioner opened a client's sealed emergency details."""

    case_id: str
    client_id: int
    practitioner_id: int


# Messaging -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MessageSent(Event, name="messaging.message_sent"):
    """A message (or an automatic reply) was stored in a conversation."""

    conversation_id: str
    sender_id: int
    seq: int


@dataclasses.dataclass(frozen=True)
class MessageChanged(Event, name="messaging.message_changed"):
    """A message was edited or deleted."""

    conversation_id: str
    seq: int


@dataclasses.dataclass(frozen=True)
class ConversationRead(Event, name="messaging.conversation_read"):
    """A participant read a conversation up to a message."""

    conversation_id: str
    person_id: int
    seq: int


@dataclasses.dataclass(frozen=True)
class ConversationClosed(Event, name="messaging.conversation_closed"):
    """A conversation was closed to new messages."""

    conversation_id: str


# Safety --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ContentFlagged(Event, name="safety.content_flagged"):
    """Detection sent a message or a practitioner's draft to moderators."""

    detection_id: str
    author_id: int
    sent: bool


@dataclasses.dataclass(frozen=True)
class ReportFiled(Event, name="safety.report_filed"):
    """Someone reported a person or something of theirs to moderators (or added to their open
    report of it: merged)."""

    report_id: str
    reported_id: int | None  # None: an anonymous community comment
    merged: bool


@dataclasses.dataclass(frozen=True)
class ReportDecided(Event, name="safety.report_decided"):
    """A moderator decided a report; its reporter (if signed in) is told the outcome."""

    report_id: str
    reporter_id: int | None


@dataclasses.dataclass(frozen=True)
class ModerationDecided(Event, name="safety.moderation_decided", public=True):
    """A moderator acted on a person (warned, restricted, suspended, hid a message, referred
    them to a regulator): they get a statement of reasons."""

    action_id: str
    affected_id: int
    kind: str


@dataclasses.dataclass(frozen=True)
class RegulatorReferred(Event, name="safety.regulator_referred"):
    """A moderator referred a practitioner to a regulator that registers them: the regulator
    gets it as a complaint, with the report and the evidence shown with consent."""

    referral_id: str
    regulator_id: int


@dataclasses.dataclass(frozen=True)
class AppealFiled(Event, name="safety.appeal_filed"):
    """A person appealed a moderator's decision about them."""

    appeal_id: str
    action_id: str


@dataclasses.dataclass(frozen=True)
class AppealDecided(Event, name="safety.appeal_decided", public=True):
    """Another moderator decided an appeal, finally; the appellant is told why."""

    appeal_id: str
    appellant_id: int
    overturned: bool


@dataclasses.dataclass(frozen=True)
class ContentHidden(Event, name="safety.content_hidden"):
    """A moderator's decision hid a community comment: the community shows a tombstone."""

    action_id: str
    comment_id: int
    # Defaults: events stored before these were carried still read.
    moderator_id: int | None = None


@dataclasses.dataclass(frozen=True)
class ContentRestored(Event, name="safety.content_restored"):
    """An appeal overturned the decision that hid a community comment: the community shows it
    again (unless another decision in force hides it, or its author deleted it)."""

    action_id: str
    comment_id: int
    # Who decided the appeal, and whether another decision in force keeps the comment hidden:
    # safety's to say, so the community need not read safety's tables.
    moderator_id: int | None = None
    still_hidden: bool = False


@dataclasses.dataclass(frozen=True)
class PersonBlocked(Event, name="safety.person_blocked"):
    """Someone blocked another person: no more messages, enquiries or bookings between them."""

    blocker_id: int
    blocked_id: int


# Oversight (regulator portal and complaints) -------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RegistrationOrderChanged(Event, name="oversight.registration_order_changed", public=True):
    """A registration's standing on the platform changed by its regulator's word: an officer
    suspended its listing, lifted a suspension, set or lifted conditions (``restriction_id``),
    or a register reading changed its status (``register_import_id``)."""

    entry_id: int
    regulator_id: int
    change: str  # "suspended", "suspension_lifted", "conditions_set", "conditions_lifted",
    # or "register_status"
    restriction_id: int = 0
    register_import_id: int = 0


@dataclasses.dataclass(frozen=True)
class ComplaintFiled(Event, name="oversight.complaint_filed"):
    """A complaint about a practitioner was filed (by a visitor, a client or moderation)."""

    complaint_id: str
    to_moderators: bool


@dataclasses.dataclass(frozen=True)
class ComplaintProgressed(Event, name="oversight.complaint_progressed"):
    """An officer or moderator moved a complaint on: under review, referred or closed."""

    complaint_id: str
    state: str


# Privacy --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ExportReady(Event, name="privacy.export_ready"):
    """A data export was built (a person's own, or a case's for a transfer): whoever asked is
    told, with a link to the page they download it from."""

    export_id: str
    person_id: int


@dataclasses.dataclass(frozen=True)
class CaseExportAsked(Event, name="privacy.case_export_asked"):
    """A practitioner asked to export a case for a transfer: its client is asked to agree."""

    export_id: str
    client_id: int


@dataclasses.dataclass(frozen=True)
class CaseExportAnswered(Event, name="privacy.case_export_answered"):
    """The client agreed to (or declined) the export of her case: its practitioner is told."""

    export_id: str
    case_id: str
    practitioner_id: int
    agreed: bool


# Community ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CommentPublished(Event, name="community.comment_published"):
    """A comment became visible on an article: posted, or approved by a moderator."""

    comment_id: int
    article_id: int
    parent_id: int | None


# Video (issue 18) -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VideoClientWaiting(Event, name="video.client_waiting"):
    """A client confirmed where she is and waits in a video session's waiting room (with
    whether the practitioner may practise there)."""

    appointment_id: int
    case_id: str
    client_id: int
    practitioner_id: int
    may_practise: bool


@dataclasses.dataclass(frozen=True)
class VideoSessionStarted(Event, name="video.session_started"):
    """The practitioner admitted the client: a video session started."""

    appointment_id: int
    case_id: str
    client_id: int
    practitioner_id: int


@dataclasses.dataclass(frozen=True)
class VideoSessionEnded(Event, name="video.session_ended"):
    """A video session ended, with its outcome (completed, ended early, out of place, no-show)."""

    appointment_id: int
    case_id: str
    client_id: int
    practitioner_id: int
    outcome: str


# End of video ----------------------------------------------------------------------------------
