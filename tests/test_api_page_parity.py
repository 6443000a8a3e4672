"""Every API operation that does what a page does lets in, refuses and hides from the same
people, on the same objects, as that page: one rule, whichever way a person comes.

Both sides are declared in ``tests/authorization_policy.py`` and checked against the real
site on real objects by ``tests/test_authorization_matrix.py``; this test holds the two
declarations to each other. The API signs no one in: where a page sends a visitor to sign in
(or staff without a second factor to enrol), the API answers 401.
"""

import pytest

from tests.access_world import PERSONAS
from tests.authorization_policy import (
    IN,
    LOGIN,
    MFA,
    OFFICERS,
    PRACTITIONERS,
    REAUTHENTICATE,
    ROUTES,
    UNAUTHORIZED,
    Access,
)

# (API operation, its method) -> (the page that does the same, its method).
SAME_AS_PAGE: dict[tuple[str, str], tuple[str, str]] = {
    ("api:my_appointments", "GET"): ("scheduling:my_appointments", "GET"),
    ("api:practitioner_slots", "GET"): ("scheduling:practitioner_times", "GET"),
    ("api:cancel_appointment", "POST"): ("scheduling:cancel_appointment", "POST"),
    ("api:reschedule_appointment", "POST"): ("scheduling:reschedule_appointment", "POST"),
    ("api:messaging_conversations", "GET"): ("messaging:inbox", "GET"),
    ("api:messaging_messages", "GET"): ("messaging:conversation", "GET"),
    ("api:messaging_send", "POST"): ("messaging:conversation", "POST"),
    ("api:messaging_start", "POST"): ("messaging:start", "POST"),
    ("api:messaging_attachment", "GET"): ("messaging:attachment", "GET"),
    ("api:safety_my_reports", "GET"): ("safety:my_reports", "GET"),
    ("api:safety_my_report", "GET"): ("safety:my_report", "GET"),
    ("api:safety_unblock", "DELETE"): ("messaging:unblock", "POST"),
    ("api:my_check_ins", "GET"): ("care:my_care", "GET"),
    ("api:check_in", "GET"): ("care:check_in", "GET"),
    ("api:answer_check_in", "POST"): ("care:check_in", "POST"),
    ("api:caseload", "GET"): ("care:caseload", "GET"),
    ("api:case_check_ins", "GET"): ("care:case", "GET"),
    ("api:case_check_in_plans", "GET"): ("care:case", "GET"),
    ("api:assign_check_in_plan", "POST"): ("care:assign_plan", "POST"),
    ("api:oversight_registrants", "GET"): ("oversight:registrants_csv", "GET"),
    ("api:oversight_complaints", "GET"): ("oversight:dashboard", "GET"),
    ("api:community_article", "GET"): ("community:article", "GET"),
    ("api:community_comment", "POST"): ("community:comment", "POST"),
    ("api:community_edit_article", "PUT"): ("community:edit_article", "POST"),
    ("api:privacy_export_download", "GET"): ("rights:export_download", "GET"),
    ("api:verify", "GET"): ("registry:verify", "GET"),
    ("api:practitioners", "GET"): ("directory:search", "GET"),
    ("api:community_articles", "GET"): ("community:articles", "GET"),
    ("api:complaints_file_with_evidence", "POST"): ("complaints:new", "POST"),
    ("api:case_check_in_answers", "GET"): ("care:case", "GET"),
    ("api:messaging_send_file", "POST"): ("messaging:conversation", "POST"),
    ("api:community_write_article", "POST"): ("community:write_article", "POST"),
    ("api:privacy_exports", "GET"): ("rights:export", "GET"),
    ("api:privacy_request_export", "POST"): ("rights:export", "POST"),
    ("api:privacy_export", "GET"): ("rights:export_download", "GET"),
}

# Where the API answers otherwise on purpose, and why.
NEVER_ANSWERS_CHECK_INS = (
    "a role that never answers check-ins is told 403; the page answers it as it answers anyone "
    "whose check-in it is not (404)"
)
ONE_LIST_FOR_BOTH_PARTIES = (
    "the API lists a person's appointments whichever party they are; the page is the client's "
    "(a practitioner's appointments are on their schedule)"
)
BLOCK_IS_A_RESOURCE = (
    "the API's DELETE names one's block of a person: no block, 404; the page's unblock button "
    "changes nothing and moves on"
)
NO_STAFF_WITHOUT_A_SECOND_FACTOR = (
    "the API lets no staff member without a second factor in (401), as for every operation"
)
ON_PURPOSE: dict[tuple[str, str], str] = {
    **{
        (operation, persona): NEVER_ANSWERS_CHECK_INS
        for operation in ("api:check_in", "api:answer_check_in")
        for persona in (
            *PRACTITIONERS,
            *OFFICERS,
            "moderator",
            "admin",
        )
    },
    **{
        (operation, "staff_without_mfa"): NO_STAFF_WITHOUT_A_SECOND_FACTOR
        for operation in ("api:check_in", "api:answer_check_in")
    },
    **{
        ("api:my_appointments", persona): ONE_LIST_FOR_BOTH_PARTIES
        for persona in (*PRACTITIONERS, *OFFICERS, "moderator", "admin")
    },
    **{
        ("api:safety_unblock", persona): BLOCK_IS_A_RESOURCE
        for persona in (*PRACTITIONERS, *OFFICERS, "moderator", "admin")
    },
    ("api:complaints_file_with_evidence", "visitor"): (
        "the API files complaints for a person signed in (a token or the session); a visitor "
        "files one on the site's form, without an account"
    ),
    ("api:complaints_file_with_evidence", "staff_without_mfa"): (
        "the API lets no staff member without a second factor in (401), as for every operation"
    ),
}


def _one(name: str) -> Access:
    entry = ROUTES[name]
    entries = entry if isinstance(entry, tuple) else (entry,)
    return entries[0]


def _as_the_api_answers(page_outcome: str, persona: str) -> str:
    """What the API answers where the page answers ``page_outcome``."""
    if page_outcome in (LOGIN, MFA):
        return UNAUTHORIZED
    if page_outcome == REAUTHENTICATE:
        return IN  # a token or a session: the password is not asked again
    return page_outcome


@pytest.mark.parametrize(("operation", "page"), list(SAME_AS_PAGE.items()), ids=str)
def test_an_operation_answers_each_persona_as_its_page_does(
    operation: tuple[str, str], page: tuple[str, str]
) -> None:
    api_access, page_access = _one(operation[0]), _one(page[0])
    # The same kinds of objects, or the comparison says nothing.
    assert set(api_access.objects.values()) <= set(page_access.objects.values()) | {
        "answered_check_in"
    }, (api_access.objects, page_access.objects)
    differences = []
    for persona in PERSONAS:
        if (operation[0], persona) in ON_PURPOSE:
            continue
        expected = _as_the_api_answers(page_access.outcome(persona, page[1]), persona)
        declared = api_access.outcome(persona, operation[1])
        if declared != expected:
            differences.append(f"{persona}: the page {expected}, the API {declared}")
    assert not differences, "\n".join(differences)


def test_every_difference_on_purpose_is_a_real_one() -> None:
    for (operation, persona), why in ON_PURPOSE.items():
        method, page = next((m, p) for (o, m), p in SAME_AS_PAGE.items() if o == operation)
        api_outcome = _one(operation).outcome(persona, method)
        page_outcome = _one(page[0]).outcome(persona, page[1])
        expected = _as_the_api_answers(page_outcome, persona)
        assert api_outcome != expected, f"{operation} agrees with its page for {persona}: {why}"
