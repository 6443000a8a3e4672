"""Who may open which page: the one declared policy every route is checked against.

Each route name maps to the outcomes each persona may get from a GET request (redirects are
followed). Every new route must be added here, or ``test_authorization_matrix`` fails.

Outcomes: ``ok`` (2xx), ``login`` (sent to sign in), ``mfa`` (sent to set up a second factor),
``denied`` (403 or 404, alike for missing and not yours), ``method`` (405: GET is not allowed).
"""

from collections.abc import Iterable

PERSONAS = (
    "visitor",
    "client_person",
    "practitioner",
    "other_practitioner",
    "moderator",
    "officer",
    "admin_person",
    "staff_without_mfa",
)
SIGNED_IN = [p for p in PERSONAS if p != "visitor"]
STAFF_WITH_MFA = ["practitioner", "other_practitioner", "moderator", "officer", "admin_person"]

Policy = dict[str, frozenset[str]]


def _policy(default: Iterable[str], **overrides: Iterable[str]) -> Policy:
    table = {persona: frozenset(default) for persona in PERSONAS}
    table.update({persona: frozenset(outcomes) for persona, outcomes in overrides.items()})
    return table


# Anyone, signed in or not. (A signed-in person may be sent on from sign-in pages to their
# overview, which asks staff without MFA to enrol first.)
PUBLIC = _policy({"ok"}, staff_without_mfa={"ok", "mfa"})
# Public, POST only (GET answers 405).
PUBLIC_POST_ONLY = _policy({"method"})
# Any signed-in person; staff must have MFA first.
SIGNED_IN_PAGE = _policy({"ok"}, visitor={"login"}, staff_without_mfa={"mfa"})
SIGNED_IN_POST_ONLY = _policy({"method"}, visitor={"login"}, staff_without_mfa={"mfa"})
# Pages a staff member without MFA may still open (enrolment and account set-up).
ENROLMENT_PAGE = _policy({"ok"}, visitor={"login"})
HAS_FACTOR_PAGE = _policy(
    {"ok"}, visitor={"login"}, client_person={"denied"}, staff_without_mfa={"mfa", "denied"}
)
# The Django admin: administrators with MFA only.
# (Read-only models, such as the audit log, refuse their add and delete pages even to admins.)
ADMIN_ONLY = _policy(
    {"denied"}, visitor={"login"}, admin_person={"ok", "denied"}, staff_without_mfa={"mfa"}
)

ROUTES: dict[str, Policy] = {
    # Site shell
    "shell:home": PUBLIC,
    "shell:dashboard": SIGNED_IN_PAGE,
    "set_language": PUBLIC_POST_ONLY,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    # Our account pages
    "accounts:preferences": SIGNED_IN_PAGE,
    "accounts:sessions": SIGNED_IN_PAGE,
    "accounts:end_session": SIGNED_IN_POST_ONLY,
    "accounts:end_all_sessions": SIGNED_IN_POST_ONLY,
    # Reminders on this device (web push): JSON endpoints, and the public service worker script
    "accounts:push_subscribe": SIGNED_IN_POST_ONLY,
    "accounts:push_unsubscribe": SIGNED_IN_POST_ONLY,
    "accounts:push_worker": PUBLIC,
    # django-allauth: signing up and in (a signed-in person is sent on to their overview)
    "account_signup": PUBLIC,
    "account_signup_practitioner": PUBLIC,
    "account_login": PUBLIC,
    "account_logout": PUBLIC,
    "account_inactive": PUBLIC,
    "account_email_verification_sent": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    # The MFA step of sign-in has nothing to show without a pending sign-in: back to sign-in.
    "mfa_authenticate": _policy({"login", "ok"}, staff_without_mfa={"login", "ok", "mfa"}),
    # django-allauth: managing one's own account
    "account_email": ENROLMENT_PAGE,
    "account_reauthenticate": ENROLMENT_PAGE,
    "account_change_password": SIGNED_IN_PAGE,
    "account_set_password": SIGNED_IN_PAGE,
    "mfa_index": ENROLMENT_PAGE,
    "mfa_activate_totp": _policy({"ok"}, visitor={"login"}),
    # Pages about a factor answer 404 to someone who has none (the client persona).
    "mfa_deactivate_totp": HAS_FACTOR_PAGE,
    "mfa_reauthenticate": ENROLMENT_PAGE,
    "mfa_view_recovery_codes": HAS_FACTOR_PAGE,
    "mfa_generate_recovery_codes": ENROLMENT_PAGE,
    "mfa_download_recovery_codes": HAS_FACTOR_PAGE,
    "mfa_list_webauthn": SIGNED_IN_PAGE,
    "mfa_add_webauthn": ENROLMENT_PAGE,
    "mfa_reauthenticate_webauthn": SIGNED_IN_PAGE,
    "mfa_remove_webauthn": SIGNED_IN_PAGE,
    "mfa_edit_webauthn": SIGNED_IN_PAGE,
}

# Whole namespaces that share one policy.
NAMESPACES: dict[str, Policy] = {
    "admin": ADMIN_ONLY,
}
ROUTES["admin:logout"] = ADMIN_ONLY | {"admin_person": frozenset({"method"})}

# Verifiable credentials (casework/registry/credentials): the issuer's DID document, the
# credential check page, and the status lists. A status list the sample address names does not
# exist, so it answers 404 to everyone alike.
ROUTES["credentials:did_document"] = PUBLIC
ROUTES["credentials:verify"] = PUBLIC
ROUTES["credentials:status_list"] = _policy(
    {"ok", "denied"}, staff_without_mfa={"ok", "denied", "mfa"}
)
# The vocabulary of the credential's terms; the DID document at did:web's address for a site
# below a path (the test site is at its host's root, so that address answers 404 alike).
ROUTES["credentials:vocabulary"] = PUBLIC
ROUTES["credentials:did_document_at_path"] = _policy({"denied"})
# OpenID4VCI: public metadata; the token and credential endpoints take only POST from wallets.
ROUTES["credentials:oid4vci_issuer_metadata"] = PUBLIC
ROUTES["credentials:oid4vci_authorization_server_metadata"] = PUBLIC
ROUTES["credentials:oid4vci_token"] = PUBLIC_POST_ONLY
ROUTES["credentials:oid4vci_credential"] = PUBLIC_POST_ONLY

# Registry: public verification; practitioners' own registrations; reviewers' queue.
PRACTITIONERS_ONLY = _policy(
    {"denied"},
    visitor={"login"},
    practitioner={"ok"},
    other_practitioner={"ok"},
    staff_without_mfa={"mfa"},
)
PRACTITIONERS_ONLY_POST = _policy(
    {"denied"},
    visitor={"login"},
    practitioner={"method"},
    other_practitioner={"method"},
    staff_without_mfa={"mfa"},
)
REVIEWERS_ONLY = _policy(
    {"denied"}, visitor={"login"}, officer={"ok"}, admin_person={"ok"}, staff_without_mfa={"mfa"}
)
# A claim the sample address names does not exist: 404 to reviewers, 403 to everyone else.
REVIEWERS_OBJECT = _policy({"denied"}, visitor={"login"}, staff_without_mfa={"mfa"})
ROUTES.update(
    {
        "registry:verify": PUBLIC,
        # The sample registration does not exist: 404 alike for everyone.
        "registry:verification": _policy({"denied"}),
        "registry:badge": PUBLIC,
        "registry:my_registrations": PRACTITIONERS_ONLY,
        "registry:withdraw_registration": PRACTITIONERS_ONLY_POST,
        # The holder's own credential: the sample claim is nobody's, so 404 to practitioners.
        "credentials:download": _policy({"denied"}, visitor={"login"}, staff_without_mfa={"mfa"}),
        "credentials:wallet_offer": PRACTITIONERS_ONLY_POST,
        "registry:send_claim_code": PRACTITIONERS_ONLY_POST,
        "registry:prove_claim_code": PRACTITIONERS_ONLY_POST,
        "registry:add_claim_evidence": PRACTITIONERS_ONLY_POST,
        "registry:review_queue": REVIEWERS_ONLY,
        "registry:review_claim": REVIEWERS_OBJECT,
        "registry:claim_evidence": REVIEWERS_OBJECT,
        "registry:claim_identity_document": REVIEWERS_OBJECT,
    }
)

# /api/v1: authenticated per operation by the API itself. The verification lookup is public;
# without a query it answers 400 with the reason.
ROUTES.update(
    {
        "api:verify": _policy({"status 400"}),
        "api:openapi-json": PUBLIC,
        "api:api-root": _policy({"denied"}),
    }
)

# Register imports: officers of the regulator and platform admins. The sample import does not
# exist: 404 to them, 403 to everyone else.
ROUTES.update(
    {
        "registry:register_imports": REVIEWERS_ONLY,
        "registry:register_import": REVIEWERS_OBJECT,
        "registry:register_import_decision": REVIEWERS_OBJECT
        | {"officer": frozenset({"method"}), "admin_person": frozenset({"method"})},
    }
)

# Directory (casework/directory): public search and profiles; practitioners' profile editor.
# The sample profile does not exist: its page and photo answer 404 alike to everyone. The JSON
# search is public; without filters it lists whoever is listed.
ROUTES.update(
    {
        "directory:search": PUBLIC,
        "directory:search_redirect": PUBLIC,
        "directory:profile": _policy({"denied"}),
        "directory:photo": _policy({"denied"}),
        "directory:edit_profile": PRACTITIONERS_ONLY,
        "directory:display_name_reviews": REVIEWERS_ONLY,
        "directory:review_display_name": REVIEWERS_OBJECT,
        "api:practitioners": _policy({"ok"}),
    }
)

# Scheduling (casework/scheduling): availability, booking, appointments, calendar feeds.
# Sample ids name no practitioner, appointment, session or feed: 404 alike to whoever may
# reach that kind of page, 403 to other roles.
CLIENTS_ONLY = _policy(
    {"denied"}, visitor={"login"}, client_person={"ok"}, staff_without_mfa={"mfa"}
)
PARTIES = _policy(
    {"denied"},
    visitor={"login"},
    client_person={"ok"},
    practitioner={"ok"},
    other_practitioner={"ok"},
    staff_without_mfa={"mfa"},
)
PARTIES_POST = _policy(
    {"denied"},
    visitor={"login"},
    client_person={"method"},
    practitioner={"method"},
    other_practitioner={"method"},
    staff_without_mfa={"mfa"},
)
SIGNED_IN_OBJECT = _policy({"denied"}, visitor={"login"}, staff_without_mfa={"mfa"})
ROUTES.update(
    {
        "scheduling:practitioner_times": _policy({"denied"}),
        "scheduling:confirm_booking": SIGNED_IN_OBJECT,
        "scheduling:my_appointments": CLIENTS_ONLY,
        "scheduling:appointment": SIGNED_IN_OBJECT,
        "scheduling:appointment_ics": SIGNED_IN_OBJECT,
        "scheduling:cancel_appointment": SIGNED_IN_OBJECT,
        "scheduling:reschedule_appointment": SIGNED_IN_OBJECT,
        "scheduling:confirm_appointment": PRACTITIONERS_ONLY_POST,
        "scheduling:decline_appointment": PRACTITIONERS_ONLY_POST,
        "scheduling:record_no_show": PRACTITIONERS_ONLY_POST,
        "scheduling:practitioner_appointments": PRACTITIONERS_ONLY,
        "scheduling:availability": PRACTITIONERS_ONLY,
        "scheduling:update_rules": PRACTITIONERS_ONLY_POST,
        "scheduling:add_window": PRACTITIONERS_ONLY_POST,
        "scheduling:remove_window": PRACTITIONERS_ONLY_POST,
        "scheduling:add_exception": PRACTITIONERS_ONLY_POST,
        "scheduling:remove_exception": PRACTITIONERS_ONLY_POST,
        "scheduling:add_session_type": PRACTITIONERS_ONLY_POST,
        "scheduling:edit_session_type": SIGNED_IN_OBJECT,
        "scheduling:withdraw_session_type": PRACTITIONERS_ONLY_POST,
        "scheduling:calendar_settings": PARTIES,
        "scheduling:create_calendar_feed": PARTIES_POST,
        "scheduling:revoke_calendar_feed": PARTIES_POST,
        "scheduling:calendar_feed": _policy({"denied"}),
        "api:practitioner_slots": _policy({"denied"}),
        "api:my_appointments": _policy(
            {"ok"}, visitor={"status 401"}, staff_without_mfa={"status 401"}
        ),
    }
)

# Messaging (casework/messaging): conversations, messages, attachments.
# The sample conversation, message, attachment and person do not exist: 404 alike for everyone
# signed in. The API answers 401 JSON to visitors and to staff without a second factor.
SIGNED_IN_OBJECT = _policy({"denied"}, visitor={"login"}, staff_without_mfa={"mfa"})
API_SIGNED_IN = _policy({"ok"}, visitor={"status 401"}, staff_without_mfa={"status 401"})
API_SIGNED_IN_OBJECT = _policy({"denied"}, visitor={"status 401"}, staff_without_mfa={"status 401"})
ROUTES.update(
    {
        "messaging:inbox": SIGNED_IN_PAGE,
        "messaging:start": SIGNED_IN_OBJECT,
        "messaging:blocked_people": SIGNED_IN_PAGE,
        "messaging:unblock": SIGNED_IN_POST_ONLY,
        "messaging:office_hours": PRACTITIONERS_ONLY,
        "messaging:conversation": SIGNED_IN_OBJECT,
        "messaging:close_conversation": SIGNED_IN_POST_ONLY,
        "messaging:block": SIGNED_IN_POST_ONLY,
        "messaging:edit_message": SIGNED_IN_OBJECT,
        "messaging:delete_message": SIGNED_IN_POST_ONLY,
        "messaging:attachment": SIGNED_IN_OBJECT,
        "api:messaging_conversations": API_SIGNED_IN,
        "api:messaging_messages": API_SIGNED_IN_OBJECT,
        "api:messaging_send": API_SIGNED_IN_OBJECT,
    }
)

# Care (casework/care): caseload, cases, check-ins, notes, referrals, break-glass, the client's
# own view. Sample ids name no case, note, plan, flag, referral or check-in: 404 alike to whoever
# may reach that kind of page, 403 to other roles. A check-in opened without its signed link
# sends a visitor to sign in.
CARE_OBJECT = _policy({"denied"}, visitor={"login"}, staff_without_mfa={"mfa"})
CARE_PRACTITIONERS = _policy(
    {"denied"},
    visitor={"login"},
    practitioner={"ok"},
    other_practitioner={"ok"},
    staff_without_mfa={"mfa"},
)
CARE_PRACTITIONERS_POST = _policy(
    {"denied"},
    visitor={"login"},
    practitioner={"method"},
    other_practitioner={"method"},
    staff_without_mfa={"mfa"},
)
ROUTES.update(
    {
        "care:caseload": CARE_PRACTITIONERS,
        "care:case": CARE_OBJECT,
        "care:edit_case": CARE_OBJECT,
        "care:change_status": CARE_OBJECT,
        "care:suitability": CARE_OBJECT,
        "care:supervisor": CARE_OBJECT,
        "care:assign_plan": CARE_OBJECT,
        "care:change_plan": CARE_PRACTITIONERS_POST,
        "care:acknowledge_flag": CARE_PRACTITIONERS_POST,
        "care:take_on_enquiry": CARE_PRACTITIONERS_POST,
        "care:supervision": CARE_PRACTITIONERS,
        "care:case_notes": CARE_OBJECT,
        "care:new_note": CARE_OBJECT,
        "care:note": CARE_OBJECT,
        "care:edit_note": CARE_OBJECT,
        "care:add_addendum": CARE_PRACTITIONERS_POST,
        "care:refer": CARE_OBJECT,
        "care:referrals": CARE_PRACTITIONERS,
        "care:referral": CARE_OBJECT,
        "care:withdraw_referral": _policy({"method"}, visitor={"login"}, staff_without_mfa={"mfa"}),
        "care:accept_referral": CARE_PRACTITIONERS_POST,
        "care:decline_referral": CARE_PRACTITIONERS_POST,
        "care:emergency_lookup": _policy(
            {"denied"},
            visitor={"login"},
            moderator={"ok"},
            admin_person={"ok"},
            staff_without_mfa={"mfa"},
        ),
        "care:break_glass": CARE_OBJECT,
        "care:my_care": _policy(
            {"denied"}, visitor={"login"}, client_person={"ok"}, staff_without_mfa={"mfa"}
        ),
        "care:consent": CARE_OBJECT,
        "care:withdraw_consent": _policy(
            {"denied"}, visitor={"login"}, client_person={"method"}, staff_without_mfa={"mfa"}
        ),
        # Answerable through a signed link without signing in, so no MFA step comes first.
        "care:check_in": _policy({"denied"}, visitor={"login"}),
    }
)
