"""Who reacts to what: the one table of the system's reactions ("what happens when a client
books?"). ``manage.py events`` prints it.

Reactions are named by dotted path, so that this table sits below every app: the apps' services
import ``emit`` and the event classes, and nothing here imports an app. A subscriber's ``name``
is half of the key that makes its reaction happen once: never rename one with events pending.
Each reaction takes the event, reads what it needs from the database, and only writes there
(notices are queued in the task queue, in the same transaction).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

from casework.events import catalogue as e


@dataclass(frozen=True)
class Subscriber:
    name: str
    reaction: str  # dotted path of a function taking the event
    does: str  # what it does, in a few words

    def function(self) -> Callable[[Any], None]:
        found: Callable[[Any], None] = import_string(self.reaction)
        return found

    def react(self, event: e.Event) -> None:
        self.function()(event)


def _care(name: str, function: str, does: str) -> Subscriber:
    return Subscriber(f"care.{name}", f"casework.care.reactions.{function}", does)


def _scheduling(name: str, function: str, does: str) -> Subscriber:
    return Subscriber(f"scheduling.{name}", f"casework.scheduling.reactions.{function}", does)


def _messaging(name: str, function: str, does: str) -> Subscriber:
    return Subscriber(f"messaging.{name}", f"casework.messaging.reactions.{function}", does)


def _community(name: str, function: str, does: str) -> Subscriber:
    return Subscriber(f"community.{name}", f"casework.community.reactions.{function}", does)


def _safety(name: str, function: str, does: str) -> Subscriber:
    return Subscriber(f"safety.{name}", f"casework.safety.reactions.{function}", does)


def _video(name: str, function: str, does: str) -> Subscriber:
    return Subscriber(f"video.{name}", f"casework.video.reactions.{function}", does)


CASELOAD_LIVE = "live update of the practitioner's open caseload page"
DIRECTORY_CARDS = "render the directory's result cards again (their registrations changed)"
CASELOAD_RANK = "re-rank the pair's case in the caseload (last contact, next session)"

SUBSCRIBERS: dict[type[e.Event], tuple[Subscriber, ...]] = {
    e.AppointmentRequested: (
        _scheduling(
            "tell_parties", "tell_requested", "email both parties the request, with its .ics"
        ),
        _care("caseload_rank", "rank_after_appointment", CASELOAD_RANK),
    ),
    e.AppointmentConfirmed: (
        _care("open_case", "open_case_for_booking", "open the pair's case (or activate it)"),
        _scheduling(
            "tell_parties",
            "tell_confirmed",
            "email both parties (booked at once) or the client (confirmed), with the .ics",
        ),
        _care("caseload_rank", "rank_after_appointment", CASELOAD_RANK),
    ),
    e.AppointmentDeclined: (
        _scheduling("tell_parties", "tell_declined", "email the client, with the .ics"),
        _care("caseload_rank", "rank_after_appointment", CASELOAD_RANK),
    ),
    e.AppointmentCancelled: (
        _scheduling("tell_parties", "tell_cancelled", "email both parties, with the .ics"),
        _care("caseload_rank", "rank_after_appointment", CASELOAD_RANK),
    ),
    e.AppointmentRescheduled: (
        _scheduling("tell_parties", "tell_rescheduled", "email both parties, with the .ics"),
        _care("caseload_rank", "rank_after_appointment", CASELOAD_RANK),
    ),
    e.AppointmentNoShowRecorded: (_care("caseload_rank", "rank_after_appointment", CASELOAD_RANK),),
    e.StandingChanged: (
        _scheduling(
            "follow_standing",
            "follow_standing",
            "refresh the next free slot; on a loss, email clients of upcoming appointments",
        ),
        Subscriber(
            "directory.follow_standing",
            "casework.directory.reactions.follow_standing",
            "hold a display name without the registered family name for review",
        ),
        Subscriber(
            "directory.refresh_cards",
            "casework.directory.reactions.refresh_cards",
            DIRECTORY_CARDS,
        ),
    ),
    e.SessionsEnded: (
        Subscriber(
            "accounts.tell_open_pages",
            "casework.accounts.reactions.announce_sessions_ended",
            "tell the ended sessions' open pages and sockets at once",
        ),
    ),
    e.ClaimNews: (
        Subscriber(
            "registry.tell_claimant",
            "casework.registry.reactions.tell_claimant",
            "email the practitioner that their registrations page has news (a link)",
        ),
    ),
    e.CaseOpened: (_care("tell_client", "tell_case_opened", "email the client a link"),),
    e.CaseChanged: (_care("caseload_live", "announce_caseload", CASELOAD_LIVE),),
    e.CheckInAnswered: (_care("caseload_live", "announce_caseload", CASELOAD_LIVE),),
    e.OnlineSuitabilityRecorded: (
        _care("tell_client", "tell_suitability_recorded", "email the client a link"),
    ),
    e.ConsentGiven: (
        _care("tell_practitioner", "tell_consent_given", "email the practitioner a link"),
    ),
    e.UrgentFlagRaised: (
        _care("tell_practitioner", "tell_urgent_flag", "email the practitioner a link"),
    ),
    e.ConsentWithdrawn: (
        _care("tell_practitioner", "tell_consent_withdrawn", "email the practitioner a link"),
        _care("caseload_live", "announce_caseload", CASELOAD_LIVE),
    ),
    e.ReferralProposed: (
        _care("tell_client", "tell_referral_proposed", "email the client a link"),
    ),
    e.ReferralShared: (
        _care("tell_recipient", "tell_referral_shared", "email the receiving practitioner"),
    ),
    e.ReferralAnswered: (
        _care("tell_people", "tell_referral_answered", "email the people it concerns"),
    ),
    e.ReferralWithdrawn: (
        _care("tell_people", "tell_referral_withdrawn", "email the people it concerns"),
    ),
    e.CaseTransferred: (
        _care("tell_people", "tell_case_transferred", "email the client and the referrer"),
        _care("caseload_live", "announce_caseloads", "live update of both caseload pages"),
        Subscriber(
            "privacy.end_case_exports",
            "casework.privacy.reactions.end_exports_of_a_transferred_case",
            "call off the previous practitioner's export requests; destroy their archives",
        ),
    ),
    e.ReferralLapsed: (
        _care("tell_people", "tell_referral_lapsed", "email the client and the recipient"),
    ),
    e.ReferralRenewed: (
        _care("tell_recipient", "tell_referral_renewed", "email the receiving practitioner"),
    ),
    e.SupervisionInvited: (
        _care(
            "tell_supervisor",
            "tell_supervision_invited",
            "email the invited colleague, if the address is a verified practitioner's",
        ),
    ),
    e.SupervisionAnswered: (
        _care(
            "tell_people",
            "tell_supervision_answered",
            "email the practitioner; once accepted, the client too",
        ),
    ),
    e.SupervisionEnded: (
        _care("tell_people", "tell_supervision_ended", "email the people it concerns"),
    ),
    e.EmergencyDetailsOpened: (
        _care("tell_people", "tell_emergency_opened", "email the client and the practitioner"),
    ),
    e.MessageSent: (
        _messaging("live", "announce_sent", "live update of the open conversation"),
        _messaging(
            "notices", "queue_notices", "make a 'new message' email due for offline recipients"
        ),
        _care("caseload_rank", "rank_after_message", CASELOAD_RANK),
    ),
    e.MessageChanged: (
        _messaging("live", "announce_changed", "live update of the open conversation"),
    ),
    e.ConversationRead: (
        _messaging("live", "announce_read", "live read marks in the open conversation"),
    ),
    e.ConversationClosed: (
        _messaging("live", "announce_closed", "the open conversation shows it closed"),
    ),
    e.ModerationDecided: (
        _safety("tell_affected", "tell_affected", "email the person a link to the statement"),
        _messaging("live_hidden", "announce_hidden", "open pages show a hidden message hidden"),
    ),
    e.ReportDecided: (
        _safety("tell_reporter", "tell_reporter", "email the reporter a link to the outcome"),
    ),
    e.AppealDecided: (
        _safety("tell_appellant", "tell_appellant", "email the appellant a link to the decision"),
        _messaging(
            "live_shown_again",
            "announce_shown_again",
            "open pages show a message an overturned decision had hidden",
        ),
    ),
    e.ContentHidden: (
        _community("hide_comment", "hide_comment", "show the hidden comment as a tombstone"),
    ),
    e.ContentRestored: (
        _community(
            "restore_comment",
            "restore_comment",
            "show again a comment an overturned decision had hidden",
        ),
    ),
    e.CommentPublished: (
        _community(
            "tell_replied_to",
            "tell_replied_to",
            "email the parent comment's author who asked for it a link to the reply",
        ),
    ),
    e.ExportReady: (
        Subscriber(
            "privacy.tell_person",
            "casework.privacy.reactions.tell_export_ready",
            "email whoever asked a link to their export page, or the case's (nothing of the data)",
        ),
    ),
    e.CaseExportAsked: (
        Subscriber(
            "privacy.tell_client",
            "casework.privacy.reactions.tell_case_export_asked",
            "email the client a link to the page where she agrees or declines",
        ),
    ),
    e.CaseExportAnswered: (
        Subscriber(
            "privacy.tell_practitioner",
            "casework.privacy.reactions.tell_case_export_answered",
            "email the practitioner a link to the case's export page",
        ),
    ),
    e.PersonBlocked: (
        _scheduling(
            "cancel_for_block",
            "cancel_for_block",
            "cancel the two people's open appointments (each told only that it was cancelled)",
        ),
    ),
    # --- Oversight: the regulator portal and complaints (begin) ---
    e.RegistrationOrderChanged: (
        Subscriber(
            "oversight.tell_practitioner",
            "casework.oversight.reactions.tell_practitioner",
            "email the practitioner that an officer's order is on their registrations page",
        ),
        Subscriber(
            "oversight.notify_regulator",
            "casework.oversight.reactions.notify_regulator",
            "queue a signed notification to the regulator's webhook (a task sends it, retried)",
        ),
        Subscriber(
            "directory.refresh_cards",
            "casework.directory.reactions.refresh_cards",
            DIRECTORY_CARDS,
        ),
    ),
    e.RegulatorReferred: (
        Subscriber(
            "complaints.file_referral",
            "casework.complaints.reactions.file_referral",
            "file a complaint to that regulator with the report and the consented evidence",
        ),
    ),
    e.ComplaintFiled: (
        Subscriber(
            "complaints.tell_handlers",
            "casework.complaints.reactions.tell_handlers",
            "email the officers of its regulators (or the moderators) that a complaint waits",
        ),
    ),
    # --- Oversight (end) ---
    # --- Video (issue 18) ---
    e.VideoClientWaiting: (
        _video("live", "announce_waiting", "the practitioner's open join page shows who waits"),
    ),
    e.VideoSessionStarted: (
        _video("live", "announce_started", "the client's waiting room lets her into the call"),
    ),
    e.VideoSessionEnded: (_video("live", "announce_ended", "both open call pages end the call"),),
    # --- End of video ---
}


def subscribers_of(kind: type[e.Event]) -> tuple[Subscriber, ...]:
    return SUBSCRIBERS.get(kind, ())
