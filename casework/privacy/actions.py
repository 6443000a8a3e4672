"""Every action the audit log records, by name, and what the person it concerns is told.

Services pass these constants to ``record_event`` (``action=actions.CARE_CASE_VIEWED``), never a
string: a name typed twice drifts. An action that records someone reading or changing another
person's record carries a label, the words that person reads on "Who has looked at your record"
(``casework.privacy.access_log``), after the name and role of who did it ("Amara Osei
(practitioner) opened your case"). Actions without a label are never shown to the person they
concern (sign-ins, key rotations, imports).

``Action`` is a ``str``, so a constant also works where a name is compared or filtered on.
"""

from typing import Self

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REGISTRY: dict[str, "Action"] = {}


class Action(str):
    """One audit action: its name in the log and, when shown to the person it concerns, the
    label they read (lazy, put into the reader's language when drawn)."""

    label: Promise | None

    def __new__(cls, name: str, label: Promise | None = None) -> Self:
        if name in REGISTRY:
            raise ValueError(f"audit action {name} is declared twice")
        action = super().__new__(cls, name)
        action.label = label
        REGISTRY[name] = action
        return action

    @property
    def shown_to_subject(self) -> bool:
        return self.label is not None


def shown_actions() -> list[Action]:
    """The actions a person sees in their access log."""
    return [action for action in REGISTRY.values() if action.shown_to_subject]


def label_of(name: str) -> str:
    """What the person concerned reads for ``name`` (empty for an action never shown)."""
    action = REGISTRY.get(name)
    return str(action.label) if action is not None and action.label is not None else ""


# --- account ------------------------------------------------------------------------------
ACCOUNT_API_TOKEN_CREATED = Action("account.api_token_created")
ACCOUNT_API_TOKEN_REVOKED = Action("account.api_token_revoked")
ACCOUNT_API_TOKEN_USED = Action("account.api_token_used")  # once per token per day
ACCOUNT_ACCESS_CHANGED = Action("account.access_changed", _("changed your role or access"))
ACCOUNT_CREATED_BY_ADMIN = Action("account.created_by_admin", _("created your account"))
ACCOUNT_EMAIL_ADDED = Action("account.email_added")
ACCOUNT_EMAIL_CHANGED = Action("account.email_changed")
ACCOUNT_EMAIL_REMOVED = Action("account.email_removed")
ACCOUNT_GROUPS_CHANGED = Action("account.groups_changed", _("changed your permission groups"))
ACCOUNT_PASSWORD_CHANGED = Action("account.password_changed")
ACCOUNT_PASSWORD_CHANGED_BY_ADMIN = Action(
    "account.password_changed_by_admin", _("changed your password")
)
ACCOUNT_PASSWORD_RESET = Action("account.password_reset")
ACCOUNT_PASSWORD_SET = Action("account.password_set")
ACCOUNT_PREFERENCES_CHANGED = Action("account.preferences_changed")
ACCOUNT_PUSH_SUBSCRIBED = Action("account.push_subscribed")
ACCOUNT_PUSH_UNSUBSCRIBED = Action("account.push_unsubscribed")
ACCOUNT_REINSTATED = Action("account.reinstated", _("reinstated your account"))
ACCOUNT_SESSION_ENDED = Action("account.session_ended")
ACCOUNT_SESSION_EXPIRED = Action("account.session_expired")
ACCOUNT_SIGN_IN_FAILED = Action("account.sign_in_failed")
ACCOUNT_SIGNED_IN = Action("account.signed_in")
ACCOUNT_SIGNED_OUT = Action("account.signed_out")
ACCOUNT_SIGNED_UP = Action("account.signed_up")
ACCOUNT_SUSPENDED = Action("account.suspended", _("suspended your account"))

# --- community -----------------------------------------------------------------------------
COMMUNITY_ARTICLE_CHANGED = Action("community.article_changed")
COMMUNITY_ARTICLE_CLOSED = Action("community.article_closed")
COMMUNITY_ARTICLE_CREATED = Action("community.article_created")
COMMUNITY_ARTICLE_REOPENED = Action("community.article_reopened")
COMMUNITY_COMMENT_DELETED = Action("community.comment_deleted")
COMMUNITY_COMMENT_EDITED = Action("community.comment_edited")
COMMUNITY_COMMENT_HIDDEN = Action("community.comment_hidden", _("hid your comment"))
COMMUNITY_COMMENT_POSTED = Action("community.comment_posted")
COMMUNITY_COMMENT_PUBLISHED = Action("community.comment_published", _("published your comment"))
COMMUNITY_CONTRIBUTOR_INVITED = Action(
    "community.contributor_invited", _("invited you to write for the community")
)
COMMUNITY_COMMENT_RESTORED = Action(
    "community.comment_restored", _("showed your comment again after your appeal")
)
COMMUNITY_REPLY_NOTICES_STOPPED = Action("community.reply_notices_stopped")

# --- complaints ----------------------------------------------------------------------------
COMPLAINTS_BUNDLE_DOWNLOADED = Action(
    "complaints.bundle_downloaded", _("downloaded the evidence of a complaint about you")
)
COMPLAINTS_EVIDENCE_VIEWED = Action(
    "complaints.evidence_viewed", _("read evidence in a complaint about you")
)
COMPLAINTS_FILED = Action("complaints.filed")
COMPLAINTS_PROGRESSED = Action("complaints.progressed")
COMPLAINTS_VIEWED = Action("complaints.viewed", _("read a complaint about you"))

# --- care ---------------------------------------------------------------------------------
CARE_BREAK_GLASS = Action("care.break_glass", _("opened your emergency details (break-glass)"))
CARE_CASE_DETAILS_CHANGED = Action("care.case_details_changed", _("changed your case details"))
CARE_CASE_OPENED = Action("care.case_opened")
CARE_CASE_STATUS_CHANGED = Action("care.case_status_changed", _("changed your case's status"))
CARE_CASE_TRANSFERRED = Action("care.case_transferred", _("transferred your case"))
CARE_CASE_VIEWED = Action("care.case_viewed", _("opened your case"))
CARE_CHECK_IN_ANSWERED = Action("care.check_in_answered")
CARE_CHECK_IN_ANSWERS_READ = Action("care.check_in_answers_read", _("read your check-in answers"))
CARE_CHECK_IN_PLAN_ACTIVE = Action("care.check_in_plan_active", _("resumed your check-ins"))
CARE_CHECK_IN_PLAN_ASSIGNED = Action("care.check_in_plan_assigned", _("set you a check-in plan"))
CARE_CHECK_IN_PLAN_ENDED = Action("care.check_in_plan_ended", _("ended your check-ins"))
CARE_CHECK_IN_PLAN_PAUSED = Action("care.check_in_plan_paused", _("paused your check-ins"))
CARE_CONSENT_GIVEN = Action("care.consent_given")
CARE_CONSENT_WITHDRAWN = Action("care.consent_withdrawn")
CARE_EMERGENCY_DETAILS_READ = Action(
    "care.emergency_details_read", _("read your emergency contact and crisis plan")
)
CARE_EMERGENCY_LOOKUP = Action(
    "care.emergency_lookup", _("looked up your open cases in an emergency")
)
CARE_NOTE_ADDENDUM_ADDED = Action("care.note_addendum_added", _("added to a case note"))
CARE_NOTE_CHANGED = Action("care.note_changed", _("changed a case note"))
CARE_NOTE_READ = Action("care.note_read", _("read a case note"))
CARE_NOTE_WRITTEN = Action("care.note_written", _("wrote a case note"))
CARE_ONLINE_SUITABILITY_RECORDED = Action(
    "care.online_suitability_recorded", _("recorded whether online work suits you")
)
CARE_REFERRAL_ACCEPTED = Action("care.referral_accepted")
CARE_REFERRAL_AGREED = Action("care.referral_agreed")
CARE_REFERRAL_DECLINED = Action("care.referral_declined")
CARE_REFERRAL_LAPSED = Action("care.referral_lapsed")
CARE_REFERRAL_PROPOSED = Action("care.referral_proposed")
CARE_REFERRAL_READ = Action("care.referral_read", _("read a referral you agreed to share"))
CARE_REFERRAL_REFUSED = Action("care.referral_refused")
CARE_REFERRAL_RENEWED = Action("care.referral_renewed")
CARE_REFERRAL_WITHDRAWN = Action("care.referral_withdrawn")
CARE_SUPERVISION_ACCEPTED = Action("care.supervision_accepted")
CARE_SUPERVISION_DECLINED = Action("care.supervision_declined")
CARE_SUPERVISION_ENDED = Action("care.supervision_ended")
CARE_SUPERVISOR_INVITED = Action("care.supervisor_invited")
CARE_URGENT_FLAG_ACKNOWLEDGED = Action(
    "care.urgent_flag_acknowledged", _("acknowledged an urgent check-in")
)
CARE_URGENT_FLAG_RAISED = Action("care.urgent_flag_raised")

# --- directory ----------------------------------------------------------------------------
DIRECTORY_DISPLAY_NAME_APPROVED = Action("directory.display_name_approved")
DIRECTORY_DISPLAY_NAME_REFUSED = Action("directory.display_name_refused")
DIRECTORY_DISPLAY_NAME_REVIEW_REQUESTED = Action("directory.display_name_review_requested")
DIRECTORY_PROFILE_CREATED = Action("directory.profile_created")
DIRECTORY_PROFILE_SAVED = Action("directory.profile_saved")
DIRECTORY_SEARCH_DOCUMENTS_REFRESHED = Action("directory.search_documents_refreshed")

# --- messaging ----------------------------------------------------------------------------
MESSAGING_ATTACHMENT_OPENED = Action(
    "messaging.attachment_opened", _("opened a file in your conversation")
)
MESSAGING_CONVERSATION_CLOSED = Action("messaging.conversation_closed")
MESSAGING_CONVERSATION_OPENED = Action(
    "messaging.conversation_opened", _("opened a conversation with you")
)
MESSAGING_CONVERSATION_STARTED = Action("messaging.conversation_started")
MESSAGING_ENQUIRY_BECAME_CASE = Action("messaging.enquiry_became_case")
MESSAGING_MESSAGE_DELETED = Action("messaging.message_deleted")
MESSAGING_MESSAGE_EDITED = Action("messaging.message_edited")
MESSAGING_MESSAGE_REFUSED = Action("messaging.message_refused")
MESSAGING_MESSAGE_SENT = Action("messaging.message_sent")
MESSAGING_OFFICE_HOURS_SET = Action("messaging.office_hours_set")

# --- mfa ----------------------------------------------------------------------------------
MFA_ADDED = Action("mfa.added")
MFA_CODE_REJECTED = Action("mfa.code_rejected")
MFA_REMOVED = Action("mfa.removed")
MFA_RESET = Action("mfa.reset")

# --- oversight -----------------------------------------------------------------------------
OVERSIGHT_INVITATION_ACCEPTED = Action("oversight.invitation_accepted")
OVERSIGHT_OFFICER_INVITED = Action("oversight.officer_invited")
OVERSIGHT_REGISTRANTS_EXPORTED = Action("oversight.registrants_exported")
OVERSIGHT_WEBHOOK_CONFIGURED = Action("oversight.webhook_configured")

# --- privacy -------------------------------------------------------------------------------
PRIVACY_ACCOUNT_ERASED = Action("privacy.account_erased")
PRIVACY_CASE_EXPORT_AGREED = Action("privacy.case_export_agreed")
PRIVACY_CASE_EXPORT_ASKED = Action(
    "privacy.case_export_asked", _("asked to export your case for a transfer")
)
PRIVACY_CASE_EXPORT_CALLED_OFF = Action("privacy.case_export_called_off")
PRIVACY_CASE_EXPORT_DECLINED = Action("privacy.case_export_declined")
PRIVACY_CASE_EXPORT_DOWNLOADED = Action(
    "privacy.case_export_downloaded", _("downloaded your case for a transfer")
)
PRIVACY_ERASURE_CANCELLED = Action("privacy.erasure_cancelled")
PRIVACY_ERASURE_HELD = Action("privacy.erasure_held")
PRIVACY_ERASURE_REQUESTED = Action("privacy.erasure_requested")
PRIVACY_EXPORT_DOWNLOADED = Action("privacy.export_downloaded")
PRIVACY_EXPORT_EXPIRED = Action("privacy.export_expired")
PRIVACY_EXPORT_FAILED = Action("privacy.export_failed")
PRIVACY_EXPORT_READY = Action("privacy.export_ready")
PRIVACY_EXPORT_REQUESTED = Action("privacy.export_requested")
PRIVACY_LEGAL_HOLD_LIFTED = Action(
    "privacy.legal_hold_lifted", _("lifted a legal hold on your records")
)
PRIVACY_LEGAL_HOLD_PLACED = Action(
    "privacy.legal_hold_placed", _("placed a legal hold on your records")
)
PRIVACY_RETENTION_APPLIED = Action("privacy.retention_applied")

# --- registry -----------------------------------------------------------------------------
REGISTRY_CLAIM_CODE_REFUSED = Action("registry.claim_code_refused")
REGISTRY_CLAIM_CODE_SENT = Action("registry.claim_code_sent")
REGISTRY_CLAIM_DISPUTED = Action("registry.claim_disputed")
REGISTRY_CLAIM_EVIDENCE_ADDED = Action("registry.claim_evidence_added")
REGISTRY_CLAIM_MATCHED = Action("registry.claim_matched")
REGISTRY_CLAIM_REJECTED = Action("registry.claim_rejected", _("refused your registration claim"))
REGISTRY_CLAIM_SUBMITTED = Action("registry.claim_submitted")
REGISTRY_CLAIM_VERIFIED = Action("registry.claim_verified", _("verified your registration claim"))
REGISTRY_CLAIM_WITHDRAWN = Action("registry.claim_withdrawn")
REGISTRY_CREDENTIAL_DELIVERED_TO_WALLET = Action("registry.credential_delivered_to_wallet")
REGISTRY_CREDENTIAL_ISSUED = Action("registry.credential_issued")
REGISTRY_CREDENTIAL_OFFER_REDEEMED = Action("registry.credential_offer_redeemed")
REGISTRY_CREDENTIAL_OFFER_REPLAYED = Action("registry.credential_offer_replayed")
REGISTRY_CREDENTIAL_OFFERED = Action("registry.credential_offered")
REGISTRY_CREDENTIAL_REINSTATED = Action("registry.credential_reinstated")
REGISTRY_CREDENTIAL_REVOKED = Action("registry.credential_revoked")
REGISTRY_CREDENTIAL_SUSPENDED = Action("registry.credential_suspended")
REGISTRY_DISPUTE_SETTLED = Action(
    "registry.dispute_settled", _("settled a dispute over your registration")
)
REGISTRY_EVIDENCE_VIEWED = Action(
    "registry.evidence_viewed", _("read the evidence for your registration claim")
)
REGISTRY_IMPORT_APPLIED = Action("registry.import_applied")
REGISTRY_IMPORT_APPLY_REQUESTED = Action("registry.import_apply_requested")
REGISTRY_IMPORT_CHECKED = Action("registry.import_checked")
REGISTRY_IMPORT_DISCARDED = Action("registry.import_discarded")
REGISTRY_IMPORT_FAILED = Action("registry.import_failed")
REGISTRY_IMPORT_RECEIVED = Action("registry.import_received")
REGISTRY_SOURCE_READ_FAILED = Action("registry.source_read_failed")
REGISTRY_SOURCE_REMOVED = Action("registry.source_removed")
REGISTRY_SOURCE_SET = Action("registry.source_set")
REGISTRY_PROOF_REQUESTED = Action("registry.proof_requested")
REGISTRY_SIGNING_KEY_CREATED = Action("registry.signing_key_created")
REGISTRY_SIGNING_KEY_ROTATED = Action("registry.signing_key_rotated")
REGISTRY_STATUS_CHANGED = Action("registry.status_changed")

REGISTRY_REGISTRATION_CONDITIONS_LIFTED = Action(
    "registry.registration_conditions_lifted", _("lifted the conditions on your listing")
)
REGISTRY_REGISTRATION_CONDITIONS_SET = Action(
    "registry.registration_conditions_set", _("set conditions on your listing")
)
REGISTRY_REGISTRATION_SUSPENDED = Action(
    "registry.registration_suspended", _("suspended your listing")
)
REGISTRY_REGISTRATION_SUSPENSION_LIFTED = Action(
    "registry.registration_suspension_lifted", _("lifted the suspension of your listing")
)

# --- safety -------------------------------------------------------------------------------
SAFETY_APPEAL_DECIDED = Action("safety.appeal_decided", _("decided your appeal"))
SAFETY_APPEAL_FILED = Action("safety.appeal_filed")
SAFETY_CONTENT_FLAGGED = Action("safety.content_flagged")
SAFETY_EVIDENCE_OPENED = Action(
    "safety.evidence_opened", _("read the evidence of a report about you")
)
SAFETY_MODERATION_ACTION = Action(
    "safety.moderation_action", _("took a moderation decision about you")
)
SAFETY_PERSON_BLOCKED = Action("safety.person_blocked")
SAFETY_PERSON_UNBLOCKED = Action("safety.person_unblocked")
SAFETY_REPORT_FILED = Action("safety.report_filed")
SAFETY_REPORT_REPEATED = Action("safety.report_repeated")

# --- scheduling ---------------------------------------------------------------------------
SCHEDULING_APPOINTMENT_BOOKED = Action("scheduling.appointment_booked")
SCHEDULING_APPOINTMENT_CANCELLED = Action("scheduling.appointment_cancelled")
SCHEDULING_APPOINTMENT_CONFIRMED = Action("scheduling.appointment_confirmed")
SCHEDULING_APPOINTMENT_DECLINED = Action("scheduling.appointment_declined")
SCHEDULING_APPOINTMENT_RESCHEDULED = Action("scheduling.appointment_rescheduled")
SCHEDULING_CALENDAR_FEED_CREATED = Action("scheduling.calendar_feed_created")
SCHEDULING_CALENDAR_FEED_REVOKED = Action("scheduling.calendar_feed_revoked")
SCHEDULING_CLIENT_TOLD_STANDING_CHANGED = Action("scheduling.client_told_standing_changed")
SCHEDULING_EXCEPTION_ADDED = Action("scheduling.exception_added")
SCHEDULING_EXCEPTION_REMOVED = Action("scheduling.exception_removed")
SCHEDULING_NO_SHOW_RECORDED = Action("scheduling.no_show_recorded")
SCHEDULING_RULES_CHANGED = Action("scheduling.rules_changed")
SCHEDULING_SESSION_TYPE_SAVED = Action("scheduling.session_type_saved")
SCHEDULING_SESSION_TYPE_WITHDRAWN = Action("scheduling.session_type_withdrawn")
SCHEDULING_WEEKLY_HOURS_REPLACED = Action("scheduling.weekly_hours_replaced")
SCHEDULING_WINDOW_ADDED = Action("scheduling.window_added")
SCHEDULING_WINDOW_REMOVED = Action("scheduling.window_removed")

# --- video (issue 18) ---------------------------------------------------------------------
VIDEO_PLACE_CONFIRMED = Action("video.place_confirmed")
VIDEO_CLIENT_ADMITTED = Action("video.client_admitted", _("admitted you to a video session"))
VIDEO_IDENTITY_CONFIRMED = Action(
    "video.identity_confirmed", _("confirmed your identity at a video session")
)
VIDEO_SESSION_ENDED = Action("video.session_ended", _("ended a video session with you"))
VIDEO_DROP_PLAN_SAVED = Action(
    "video.drop_plan_saved", _("recorded the number to phone if a video call drops")
)
# --- end of video -------------------------------------------------------------------------

# --- vault --------------------------------------------------------------------------------
VAULT_DATA_KEY_CREATED = Action("vault.data_key_created")
VAULT_DATA_KEY_DESTROYED = Action("vault.data_key_destroyed")
VAULT_DATA_KEYS_REWRAPPED = Action("vault.data_keys_rewrapped")
VAULT_LEGACY_SECRETS_RESEALED = Action("vault.legacy_secrets_resealed")
