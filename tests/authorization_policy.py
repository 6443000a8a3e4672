"""Who gets what from every route, on real objects: the one declared policy.

``tests/test_authorization_matrix.py`` opens every route of the site (named or not, the admin
site's and allauth's included) with every method (GET, HEAD, POST, PUT, PATCH, DELETE) as every
persona of ``tests/access_world.py``, on that world's objects, and again on objects that do not
exist; and every websocket route likewise. A route with no entry here fails the test.

How to declare a route
----------------------
``ROUTES`` maps a route's name (``"care:note"``; an unnamed route by its full pattern, as
``"admin/auth/group/<path:object_id>/"``) to one ``Access``, or a tuple of them when the route
is checked on several objects (a conversation page on each kind of conversation)::

    "care:note": Access(
        SAFE,                                  # the methods the route accepts
        signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN, supervisor=IN),
        objects={"note_id": "note"},           # path parameter -> key of access_world's objects
    ),

- The methods: ``SAFE`` (GET, HEAD), ``FORM`` (GET, HEAD, POST), ``POST_ONLY``, or any set.
  Any other method must answer 405 -- unless a refusal comes first: sign-in, MFA enrolment,
  a request to confirm one's password again, and (unless ``method_first=True``, as for the
  API, which checks the method before anything) a 401 or a role's 403. ``other_methods=``
  names personas who get something else from the methods the route does not take (someone
  signed in who opens a sign-in page is sent on, whatever the method).
- The outcomes, one per persona (``PERSONAS``): ``IN`` (anything that is not a refusal below:
  2xx, a redirect elsewhere, a 400/409/422 with the form's errors; a POST with an empty body
  is enough to show access), ``NOT_FOUND`` (404: not theirs, answered as a missing object is),
  ``FORBIDDEN`` (403: their role never opens this route), ``LOGIN`` (sent to sign in),
  ``MFA`` (staff without a second factor, sent to enrol), ``REAUTHENTICATE`` (asked to confirm
  their password first), ``UNAUTHORIZED`` (401, JSON), ``METHOD`` (405). A 429 (a rate limit
  reached) is none of these, nor ``IN``: no route declares it, so it always shows. Every persona's
  session has just confirmed its password, so pages that ask for it again show what lies
  behind. ``signed_in(default, ...)`` starts a table where the visitor gets ``LOGIN`` and the
  staff member without MFA gets ``MFA``; ``public(default, ...)`` one where everyone gets the
  default; ``api(default, ...)`` one with 401 for both; ``each(personas, outcome)`` fills a
  group (``PRACTITIONERS``, ``OFFICERS``).
- ``post=`` overrides the outcome of POST for some personas, where it differs from GET (and
  of PUT with ``put_as_post=True``, for allauth's form views, which take PUT as POST).
- ``json=`` is a body sent with every write, for operations (the API) that validate the body
  before they look at the object: it lets the request reach the access check.
- ``missing=`` is what someone who gets in is answered when the objects do not exist (404 by
  default: alike for missing and not theirs); refused personas are refused alike. A mapping
  of method to outcome answers every persona alike (for a public route whose key is the proof).
- ``changes=`` names who may change something with a write (by default: whoever gets in). Any
  other persona's POST, PUT, PATCH or DELETE must leave the named objects' rows and the audit
  log exactly as they were.
- ``label=`` names the objects in the test's id when a route has several entries.
- ``query=`` names objects a route takes in its query string rather than its path (query
  parameter -> key of access_world's objects); a write sends them as its form body too.

To add a route: add its objects to ``tests/access_world.py`` (through the services, owned by a
persona), then an entry here naming them. A new persona goes into ``access_world.PERSONAS``,
and into every table (``signed_in``/``public`` fill the defaults).

Routes of the admin site are declared by ``admin_access`` (administrators with MFA only, on a
real row of the admin's model). Websocket routes are in ``SOCKETS``, keyed by their pattern:
````OPEN`` (accepted) or the refusal it is closed with, per persona.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tests.access_world import PERSONAS

__all__ = ["PERSONAS", "ROUTES", "SOCKETS", "Access", "Socket", "admin_access"]

IN = "in"
NOT_FOUND = "404"
FORBIDDEN = "403"
METHOD = "405"
UNAUTHORIZED = "401"
LOGIN = "login"
MFA = "mfa"
REAUTHENTICATE = "reauthenticate"
OPEN = "open"

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
SAFE = frozenset({"GET", "HEAD"})
FORM = frozenset({"GET", "HEAD", "POST"})
POST_ONLY = frozenset({"POST"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PRACTITIONERS = ("practitioner", "other_practitioner", "supervisor", "recipient")
OFFICERS = ("officer", "other_officer")
SIGNED_IN_PERSONAS = tuple(p for p in PERSONAS if p != "visitor")

Who = Mapping[str, str]


def each(personas: Iterable[str], outcome: str) -> dict[str, str]:
    return dict.fromkeys(personas, outcome)


def public(default: str, *groups: Who, **who: str) -> dict[str, str]:
    """Everyone gets ``default``, then the groups and personas named."""
    table = dict.fromkeys(PERSONAS, default)
    for group in groups:
        table.update(group)
    table.update(who)
    return table


def signed_in(default: str, *groups: Who, **who: str) -> dict[str, str]:
    """A page behind sign-in: the visitor signs in, staff without MFA enrol first."""
    return public(default, {"visitor": LOGIN, "staff_without_mfa": MFA}, *groups, **who)


def api(default: str, *groups: Who, **who: str) -> dict[str, str]:
    """/api/v1: 401 JSON to the visitor and to staff without a second factor."""
    return public(
        default, {"visitor": UNAUTHORIZED, "staff_without_mfa": UNAUTHORIZED}, *groups, **who
    )


@dataclass(frozen=True)
class Access:
    """One route on one set of objects: the methods it accepts and who gets what."""

    methods: frozenset[str]
    who: Who
    objects: Mapping[str, str] = field(default_factory=dict)
    post: Who = field(default_factory=dict)
    missing: str | Mapping[str, str] = NOT_FOUND
    changes: frozenset[str] | None = None
    method_first: bool = False
    other_methods: Who = field(default_factory=dict)
    json: Mapping[str, object] | None = None
    # JSON body fields that name one of the world's objects (a person written to), filled in
    # as ``objects`` fill the path: the real object, then a missing one.
    json_objects: Mapping[str, str] = field(default_factory=dict)
    label: str = ""
    query: Mapping[str, str] = field(default_factory=dict)
    put_as_post: bool = False

    def __post_init__(self) -> None:
        unknown = (set(self.who) | set(self.post)) - set(PERSONAS)
        assert not unknown, f"unknown personas {unknown}"
        assert set(self.who) == set(PERSONAS), "declare every persona"

    def outcome(self, persona: str, method: str) -> str:
        """What ``persona`` must get from ``method`` on this route's objects."""
        declared = self.who[persona]
        as_post = method == "POST" or (method == "PUT" and self.put_as_post)
        if as_post and persona in self.post:
            declared = self.post[persona]
        if method in self.methods:
            return declared
        if persona in self.other_methods:
            return self.other_methods[persona]
        if declared in (LOGIN, MFA, REAUTHENTICATE):
            return declared
        # A method the route does not take: 405, unless the view refuses who asks first.
        first = set() if self.method_first else {UNAUTHORIZED, FORBIDDEN}
        return declared if declared in first else METHOD

    def outcome_when_missing(self, persona: str, method: str) -> str:
        if not isinstance(self.missing, str) and method in self.missing:
            return self.missing[method]  # a public route answers everyone alike
        found = self.outcome(persona, method)
        # Whoever gets in is answered as for a missing object before the view looks at the
        # method (a page that takes POST only at some stage of its object).
        gets_in = self.who[persona] == IN and method in self.methods and found == METHOD
        if found != IN and not gets_in:
            return found
        return self.missing if isinstance(self.missing, str) else NOT_FOUND

    def may_change(self, persona: str) -> bool:
        if self.changes is not None:
            return persona in self.changes
        return IN in {self.who[persona], self.post.get(persona, "")}


@dataclass(frozen=True)
class Socket:
    """One websocket route on one set of objects: who may open it."""

    who: Who
    objects: Mapping[str, str] = field(default_factory=dict)
    label: str = ""
    # What some personas get when the objects do not exist, where it differs from ``who``
    # (a party refused for now on the real object is answered 404 on a missing one).
    missing: Who = field(default_factory=dict)


Entry = Access | tuple[Access, ...]

# --- Site shell, accounts and allauth --------------------------------------------------------

ROUTES: dict[str, Entry] = {
    "shell:home": Access(SAFE, public(IN)),
    "shell:dashboard": Access(SAFE, signed_in(IN)),
    "set_language": Access(POST_ONLY, public(IN)),
    "healthz": Access(SAFE, public(IN)),
    "readyz": Access(SAFE, public(IN)),
    "accounts:preferences": Access(FORM, signed_in(IN)),
    "accounts:sessions": Access(SAFE, signed_in(IN)),
    # Only one's own session: someone else's is answered as a missing one.
    "accounts:end_session": Access(
        POST_ONLY, signed_in(NOT_FOUND, client=IN), objects={"session_id": "user_session"}
    ),
    # Ending every session asks first (an empty POST answers the confirmation); confirmed, it
    # ends this one too and sends one to sign in again.
    "accounts:end_all_sessions": Access(POST_ONLY, signed_in(IN)),
    "accounts:push_subscribe": Access(POST_ONLY, signed_in(IN)),
    "accounts:push_unsubscribe": Access(POST_ONLY, signed_in(IN)),
    "accounts:push_worker": Access(SAFE, public(IN)),
}

# django-allauth: signing up and in (public), managing one's own account (signed in). Its form
# views take PUT as POST.
ALLAUTH_FORM = frozenset({"GET", "HEAD", "POST", "PUT"})
ANY_METHOD = frozenset(METHODS)
# Someone signed in who opens a sign-in or sign-up page is sent on, whatever the method.
SENT_ON = each(SIGNED_IN_PERSONAS, IN)
# Pages about a factor answer 404 to someone who has none, whatever the method.
NO_FACTOR = {"client": NOT_FOUND, "staff_without_mfa": NOT_FOUND}
ROUTES.update(
    {
        "account_signup": Access(ALLAUTH_FORM, public(IN), other_methods=SENT_ON),
        "account_signup_practitioner": Access(ALLAUTH_FORM, public(IN), other_methods=SENT_ON),
        "account_login": Access(ALLAUTH_FORM, public(IN), other_methods=SENT_ON),
        "account_logout": Access(FORM, public(IN)),
        "account_inactive": Access(SAFE, public(IN)),
        "account_email_verification_sent": Access(SAFE, public(IN)),
        # The key is the proof: whoever holds it confirms the address; a wrong key is told so.
        # Confirmed by anyone but its owner, the address's owner is asked to sign in (and
        # whoever else was signed in is signed out).
        "account_confirm_email": Access(
            FORM,
            public(IN),
            post=public(LOGIN, client=IN),
            objects={"key": "confirmation_key"},
            missing={"GET": IN, "HEAD": IN, "POST": NOT_FOUND},
        ),
        "account_reset_password": Access(ALLAUTH_FORM, public(IN)),
        "account_reset_password_done": Access(SAFE, public(IN)),
        # The key moves into the session and the page is opened again without it, whatever the
        # method; a wrong key is told so.
        "account_reset_password_from_key": Access(
            ANY_METHOD,
            public(IN),
            objects={"uidb36": "reset_uid", "key": "reset_key"},
            missing=IN,
        ),
        "account_reset_password_from_key_done": Access(SAFE, public(IN)),
        # The second step of signing in: without a first step pending, back to sign-in.
        "mfa_authenticate": Access(ANY_METHOD, public(IN, visitor=LOGIN)),
        "account_email": Access(ALLAUTH_FORM, signed_in(IN, staff_without_mfa=IN)),
        "account_reauthenticate": Access(ALLAUTH_FORM, signed_in(IN, staff_without_mfa=IN)),
        "account_change_password": Access(ALLAUTH_FORM, signed_in(IN)),
        # Someone who has a password is sent on to change it, whatever the method.
        "account_set_password": Access(
            ALLAUTH_FORM, signed_in(IN), other_methods=each(SIGNED_IN_PERSONAS[:-1], IN)
        ),
        "mfa_index": Access(SAFE, signed_in(IN, staff_without_mfa=IN)),
        # Someone who has the factor already is sent on, whatever the method.
        "mfa_activate_totp": Access(
            ALLAUTH_FORM,
            signed_in(IN, staff_without_mfa=IN),
            other_methods=each(SIGNED_IN_PERSONAS[:-1], IN),
        ),
        "mfa_deactivate_totp": Access(
            ALLAUTH_FORM, signed_in(IN, client=NOT_FOUND), other_methods={"client": NOT_FOUND}
        ),
        # Without a factor, confirming one's identity is by password.
        "mfa_reauthenticate": Access(
            ALLAUTH_FORM,
            signed_in(IN, client=REAUTHENTICATE, staff_without_mfa=REAUTHENTICATE),
        ),
        "mfa_view_recovery_codes": Access(SAFE, signed_in(IN, NO_FACTOR)),
        "mfa_generate_recovery_codes": Access(ALLAUTH_FORM, signed_in(IN, staff_without_mfa=IN)),
        "mfa_download_recovery_codes": Access(
            SAFE, signed_in(IN, NO_FACTOR), other_methods=NO_FACTOR
        ),
        "mfa_list_webauthn": Access(SAFE, signed_in(IN)),
        "mfa_add_webauthn": Access(
            ALLAUTH_FORM, signed_in(IN, staff_without_mfa=IN), other_methods={"client": IN}
        ),
        # Only the practitioner has a security key: the others confirm their identity by
        # password. A key's answer that fails (an empty one) sends her to the sign-in page with
        # the error, still signed in.
        "mfa_reauthenticate_webauthn": Access(
            ALLAUTH_FORM,
            signed_in(REAUTHENTICATE, practitioner=IN),
            post={"practitioner": LOGIN},
            put_as_post=True,
        ),
        # A security key is its owner's alone; her authenticator app is no security key, to
        # her or anyone else.
        "mfa_remove_webauthn": (
            Access(
                frozenset({"GET", "HEAD", "POST", "DELETE"}),
                signed_in(NOT_FOUND, practitioner=IN),
                objects={"pk": "security_key"},
                label="security_key",
            ),
            Access(
                frozenset({"GET", "HEAD", "POST", "DELETE"}),
                signed_in(NOT_FOUND),
                objects={"pk": "authenticator"},
                label="authenticator_app",
            ),
        ),
        "mfa_edit_webauthn": (
            Access(
                ALLAUTH_FORM,
                signed_in(NOT_FOUND, practitioner=IN),
                objects={"pk": "security_key"},
                label="security_key",
            ),
            Access(
                ALLAUTH_FORM,
                signed_in(NOT_FOUND),
                objects={"pk": "authenticator"},
                label="authenticator_app",
            ),
        ),
    }
)

# --- Registry and credentials -----------------------------------------------------------------

PRACTITIONERS_ONLY = signed_in(FORBIDDEN, each(PRACTITIONERS, IN))
REVIEWERS_ONLY = signed_in(FORBIDDEN, each(OFFICERS, IN), admin=IN)
ROUTES.update(
    {
        "registry:verify": Access(SAFE, public(IN)),
        "registry:verification": Access(
            SAFE,
            public(IN),
            objects={"regulator": "regulator_slug", "number": "registration_number"},
        ),
        "registry:badge": Access(
            SAFE,
            public(IN),
            objects={"regulator": "regulator_slug", "number": "registration_number"},
            missing=IN,  # a badge for a number nobody holds says so, as an image
        ),
        "registry:my_registrations": Access(FORM, PRACTITIONERS_ONLY),
        "registry:withdraw_registration": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"claim_id": "claim"},
        ),
        "credentials:download": Access(
            SAFE,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"claim_id": "claim"},
        ),
        "credentials:wallet_offer": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"claim_id": "claim"},
        ),
        # Proving control of one's own claim (the practitioner's claim in Scotland).
        "registry:send_claim_code": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"claim_id": "pending_claim"},
        ),
        "registry:prove_claim_code": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"claim_id": "pending_claim"},
        ),
        "registry:add_claim_evidence": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"claim_id": "pending_claim"},
        ),
        "registry:review_queue": Access(SAFE, REVIEWERS_ONLY),
        # The pending claim's documents: for its reviewers (the SSSC's officer and admins).
        "registry:claim_identity_document": Access(
            SAFE,
            signed_in(FORBIDDEN, officer=NOT_FOUND, other_officer=IN, admin=IN),
            objects={"claim_id": "pending_claim"},
        ),
        # The pending claim is in Scotland: the SSSC's officer reviews it, and platform admins.
        "registry:review_claim": Access(
            FORM,
            signed_in(FORBIDDEN, officer=NOT_FOUND, other_officer=IN, admin=IN),
            objects={"claim_id": "pending_claim"},
        ),
        "registry:claim_evidence": Access(
            SAFE,
            signed_in(FORBIDDEN, officer=NOT_FOUND, other_officer=IN, admin=IN),
            objects={"claim_id": "pending_claim"},
        ),
        "registry:register_imports": Access(FORM, REVIEWERS_ONLY),
        # Where the clock re-reads registers: an officer sets her own regulators' sources.
        "registry:register_sources": Access(FORM, REVIEWERS_ONLY),
        "registry:remove_register_source": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, officer=IN, other_officer=NOT_FOUND, admin=IN),
            objects={"regulator": "regulator_slug"},
        ),
        "registry:register_import": (
            Access(
                SAFE,
                signed_in(FORBIDDEN, officer=IN, other_officer=NOT_FOUND, admin=IN),
                objects={"import_id": "register_import"},
                label="england",
            ),
            Access(
                SAFE,
                signed_in(FORBIDDEN, officer=NOT_FOUND, other_officer=IN, admin=IN),
                objects={"import_id": "other_register_import"},
                label="scotland",
            ),
        ),
        "registry:register_import_decision": (
            Access(
                POST_ONLY,
                signed_in(FORBIDDEN, officer=IN, other_officer=NOT_FOUND, admin=IN),
                objects={"import_id": "register_import"},
                label="england",
            ),
            Access(
                POST_ONLY,
                signed_in(FORBIDDEN, officer=NOT_FOUND, other_officer=IN, admin=IN),
                objects={"import_id": "other_register_import"},
                label="scotland",
            ),
        ),
        "credentials:did_document": Access(SAFE, public(IN)),
        "credentials:verify": Access(FORM, public(IN)),
        "credentials:status_list": Access(SAFE, public(IN), objects={"list_id": "status_list_id"}),
        "credentials:vocabulary": Access(SAFE, public(IN)),
        # did:web's address for a site below a path; the test site is at its host's root.
        "credentials:did_document_at_path": Access(SAFE, public(NOT_FOUND)),
        "credentials:oid4vci_issuer_metadata": Access(SAFE, public(IN)),
        "credentials:oid4vci_authorization_server_metadata": Access(SAFE, public(IN)),
        # Wallets hold no session: the pre-authorized code or the token is the proof.
        "credentials:oid4vci_token": Access(POST_ONLY, public(IN)),
        "credentials:oid4vci_credential": Access(
            POST_ONLY, public(UNAUTHORIZED), method_first=True
        ),
    }
)

# --- /api/v1 (each operation authenticates itself; a wrong method is 405 before anything) ----

API_GET = frozenset({"GET"})
# A booking the schema takes, of a session type nobody offers: clients get 404, others 403.
BOOKING_NOBODY_OFFERS = {
    "session_type": 999_999_999,
    "slot_id": "2026-05-04T09:00Z",
    "where": "GB",
}
API_GET_POST = frozenset({"GET", "POST"})
FIRST_WORDS = {"body": "Hello", "where": "GB-ENG"}
# As the page that starts a conversation (messaging:start): writing to oneself, or as an
# officer, is answered as for nobody.
WRITING_TO_A_PRACTITIONER = {**each(OFFICERS, NOT_FOUND), "practitioner": NOT_FOUND}
ROUTES.update(
    {
        "api:verify": Access(API_GET, public(IN), method_first=True),
        # The schema answers every method alike.
        "api:openapi-json": Access(ANY_METHOD, public(IN)),
        "api:practitioners": Access(API_GET, public(IN), method_first=True),
        "api:practitioner_slots": Access(
            API_GET,
            public(IN),
            objects={"practitioner_id": "practitioner_person"},
            method_first=True,
        ),
        # Listing one's appointments (GET) and booking (POST, api's block) share one address.
        "api:my_appointments": Access(
            API_GET_POST,
            api(IN),
            post=each(SIGNED_IN_PERSONAS[:-1], FORBIDDEN) | {"client": NOT_FOUND},
            method_first=True,
            json=BOOKING_NOBODY_OFFERS,
        ),
        # Listing one's conversations (GET) and starting one (POST) share one address: writing
        # to a practitioner who takes enquiries, as the page lets each persona (a client's
        # enquiry, a colleague's consultation, a moderator's message); to nobody, 404.
        **{
            name: Access(
                API_GET_POST,
                api(IN),
                post=WRITING_TO_A_PRACTITIONER,
                method_first=True,
                json=FIRST_WORDS,
                json_objects={"to": "practitioner_person"},
            )
            for name in ("api:messaging_conversations", "api:messaging_start")
        },
        "api:messaging_messages": Access(
            API_GET_POST,
            api(NOT_FOUND, client=IN, practitioner=IN),
            objects={"conversation_id": "case_conversation"},
            method_first=True,
            json={"body": "Hello"},
        ),
        "api:messaging_send": Access(
            API_GET_POST,
            api(NOT_FOUND, client=IN, practitioner=IN),
            objects={"conversation_id": "case_conversation"},
            method_first=True,
            json={"body": "Hello"},  # a body the schema takes, so the request reaches the check
        ),
    }
)

# --- The public API: index, docs, personal access tokens (api) --------------------------------

# Staff (practitioners included) give their second factor again before a token is made.
STAFF_WITH_MFA = (*PRACTITIONERS, *OFFICERS, "moderator", "admin")
ROUTES.update(
    {
        # /api/v1/ answers its index (links to the schema and the docs) to anyone.
        "api:api-root": Access(SAFE, public(IN)),
        # The browsable docs, like the schema they draw, answer every method alike.
        "api:openapi-view": Access(ANY_METHOD, public(IN)),
        "accounts:api_tokens": Access(
            FORM, signed_in(IN), post=each(STAFF_WITH_MFA, REAUTHENTICATE)
        ),
        # Booking through the API: clients only (others 403), on a session type offered.
        "api:book": Access(
            API_GET_POST,
            api(IN),
            post=each(SIGNED_IN_PERSONAS[:-1], FORBIDDEN) | {"client": NOT_FOUND},
            method_first=True,
            json=BOOKING_NOBODY_OFFERS,
        ),
        # Only one's own token: someone else's is answered as a missing one.
        "accounts:revoke_api_token": Access(
            POST_ONLY, signed_in(NOT_FOUND, client=IN), objects={"token_id": "api_token"}
        ),
    }
)

# --- End of the public API --------------------------------------------------------------------

# --- The API: reports, blocks, complaints and the regulator's view (api-safety) ---
# Bodies the schema takes, about nobody and nothing: whoever is signed in is answered 404 (the
# operations' own tests file real reports, blocks and complaints).
REPORT_OF_NOBODY = {"about": "person", "id": "999999999", "category": "spam"}
BLOCK_OF_NOBODY = {"person_id": 999_999_999}
COMPLAINT_ABOUT_NOBODY = {
    "profile": "nobody-by-this-name",
    "category": "other",
    "details": "Nobody by this name.",
}
NOTHING_SIGNED_IN_FINDS = each(SIGNED_IN_PERSONAS[:-1], NOT_FOUND)
API_DELETE = frozenset({"DELETE"})
# The portal's rule: officers for their regulator (Social Work England is the officer's, not
# the other officer's: missing to him), administrators for every one; any other role 403.
PORTAL_API_ENGLAND = api(FORBIDDEN, officer=IN, other_officer=NOT_FOUND, admin=IN)
ROUTES.update(
    {
        # Listing one's reports (GET) and reporting (POST) share one address.
        "api:safety_my_reports": Access(
            API_GET_POST,
            api(IN),
            post=NOTHING_SIGNED_IN_FINDS,
            method_first=True,
            json=REPORT_OF_NOBODY,
        ),
        "api:safety_report": Access(
            API_GET_POST,
            api(IN),
            post=NOTHING_SIGNED_IN_FINDS,
            method_first=True,
            json=REPORT_OF_NOBODY,
        ),
        # One's own report only: the client's; anyone else's is answered as a missing one.
        "api:safety_my_report": Access(
            API_GET,
            api(NOT_FOUND, client=IN),
            objects={"report_id": "report"},
            method_first=True,
        ),
        # Listing one's blocks (GET) and blocking (POST) share one address.
        "api:safety_blocks": Access(
            API_GET_POST,
            api(IN),
            post=NOTHING_SIGNED_IN_FINDS,
            method_first=True,
            json=BLOCK_OF_NOBODY,
        ),
        "api:safety_block": Access(
            API_GET_POST,
            api(IN),
            post=NOTHING_SIGNED_IN_FINDS,
            method_first=True,
            json=BLOCK_OF_NOBODY,
        ),
        # Only the client blocked Jonas: lifting a block one never made is a missing block.
        "api:safety_unblock": Access(
            API_DELETE,
            api(NOT_FOUND, client=IN),
            objects={"person_id": "blocked_person"},
            method_first=True,
        ),
        # Listing one's complaints (GET) and complaining (POST) share one address.
        "api:complaints_mine": Access(
            API_GET_POST,
            api(IN),
            post=NOTHING_SIGNED_IN_FINDS,
            method_first=True,
            json=COMPLAINT_ABOUT_NOBODY,
        ),
        "api:complaints_file": Access(
            API_GET_POST,
            api(IN),
            post=NOTHING_SIGNED_IN_FINDS,
            method_first=True,
            json=COMPLAINT_ABOUT_NOBODY,
        ),
        # The client filed it under her name: hers to follow; anyone else's answers 404.
        "api:complaints_track": Access(
            API_GET,
            api(NOT_FOUND, client=IN),
            objects={"reference": "client_complaint_reference"},
            method_first=True,
        ),
        # The reference and secret are the proof, as on the site's page: anyone holding both
        # follows the complaint, signed in or not; a wrong secret is missing to everyone.
        "api:complaints_follow": Access(
            POST_ONLY,
            public(NOT_FOUND),
            objects={"reference": "client_complaint_reference"},
            method_first=True,
            json={"secret": "NOT-THE-SECRET"},
        ),
        "api:oversight_regulators": Access(
            API_GET, api(FORBIDDEN, each(OFFICERS, IN), admin=IN), method_first=True
        ),
        "api:oversight_registrants": Access(
            API_GET, PORTAL_API_ENGLAND, objects={"regulator": "regulator_slug"}, method_first=True
        ),
        "api:oversight_complaints": Access(
            API_GET, PORTAL_API_ENGLAND, objects={"regulator": "regulator_slug"}, method_first=True
        ),
    }
)
# --- End of the API: reports, blocks, complaints ---

# --- Directory --------------------------------------------------------------------------------

ROUTES.update(
    {
        "directory:search": Access(SAFE, public(IN)),
        # A redirect of the old address, whatever the method.
        "directory:search_redirect": Access(frozenset(METHODS), public(IN)),
        "directory:profile": Access(SAFE, public(IN), objects={"slug": "profile_slug"}),
        # A listed profile's photo is anyone's to see; an unpublished one's its owner's only.
        "directory:photo": (
            Access(SAFE, public(IN), objects={"slug": "profile_slug"}, label="listed"),
            Access(
                SAFE,
                public(NOT_FOUND, supervisor=IN),
                objects={"slug": "unlisted_profile_slug"},
                label="unlisted",
            ),
        ),
        "directory:edit_profile": Access(FORM, PRACTITIONERS_ONLY),
        "directory:display_name_reviews": Access(SAFE, REVIEWERS_ONLY),
        # Jonas is registered in England: England's officer reviews his display name, and
        # admins; Scotland's officer finds nothing there.
        "directory:review_display_name": Access(
            FORM,
            signed_in(FORBIDDEN, officer=IN, other_officer=NOT_FOUND, admin=IN),
            objects={"profile_id": "profile_waiting"},
        ),
    }
)

# --- Scheduling -------------------------------------------------------------------------------

# The client's appointment with her practitioner: the two parties only.
APPOINTMENT_PARTIES = signed_in(
    FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), client=IN, practitioner=IN
)
APPOINTMENT_PRACTITIONER = signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN)
APPOINTMENT = {"appointment_id": "appointment"}
PARTIES_ONLY = signed_in(FORBIDDEN, each(PRACTITIONERS, IN), client=IN)
ROUTES.update(
    {
        "scheduling:practitioner_times": Access(
            SAFE, public(IN), objects={"practitioner_id": "practitioner_person"}
        ),
        # Any client may book a session type on offer (the query names it).
        "scheduling:confirm_booking": Access(
            FORM, signed_in(FORBIDDEN, client=IN), query={"session": "session_type"}
        ),
        "scheduling:my_appointments": Access(SAFE, signed_in(FORBIDDEN, client=IN)),
        "scheduling:appointment": Access(SAFE, APPOINTMENT_PARTIES, objects=APPOINTMENT),
        "scheduling:appointment_ics": Access(SAFE, APPOINTMENT_PARTIES, objects=APPOINTMENT),
        "scheduling:cancel_appointment": Access(FORM, APPOINTMENT_PARTIES, objects=APPOINTMENT),
        "scheduling:reschedule_appointment": Access(FORM, APPOINTMENT_PARTIES, objects=APPOINTMENT),
        "scheduling:confirm_appointment": Access(
            POST_ONLY, APPOINTMENT_PRACTITIONER, objects=APPOINTMENT
        ),
        "scheduling:decline_appointment": Access(
            POST_ONLY, APPOINTMENT_PRACTITIONER, objects=APPOINTMENT
        ),
        "scheduling:record_no_show": Access(
            POST_ONLY, APPOINTMENT_PRACTITIONER, objects=APPOINTMENT
        ),
        "scheduling:practitioner_appointments": Access(SAFE, PRACTITIONERS_ONLY),
        "scheduling:availability": Access(SAFE, PRACTITIONERS_ONLY),
        "scheduling:update_rules": Access(POST_ONLY, PRACTITIONERS_ONLY),
        "scheduling:add_window": Access(POST_ONLY, PRACTITIONERS_ONLY),
        "scheduling:remove_window": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"window_id": "window"},
        ),
        "scheduling:add_exception": Access(POST_ONLY, PRACTITIONERS_ONLY),
        "scheduling:remove_exception": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"exception_id": "exception"},
        ),
        "scheduling:add_session_type": Access(POST_ONLY, PRACTITIONERS_ONLY),
        "scheduling:edit_session_type": Access(
            FORM,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"session_type_id": "session_type"},
        ),
        "scheduling:withdraw_session_type": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN),
            objects={"session_type_id": "session_type"},
        ),
        "scheduling:calendar_settings": Access(SAFE, PARTIES_ONLY),
        "scheduling:create_calendar_feed": Access(POST_ONLY, PARTIES_ONLY),
        "scheduling:revoke_calendar_feed": Access(POST_ONLY, PARTIES_ONLY),
        # The feed's secret address is the proof (calendar apps hold no session).
        "scheduling:calendar_feed": Access(SAFE, public(IN), objects={"token": "feed_token"}),
    }
)

# --- Messaging --------------------------------------------------------------------------------

CONVERSATIONS = (
    ("case_conversation", ("client", "practitioner")),
    ("enquiry", ("client", "recipient")),
    ("consultation", ("practitioner", "supervisor")),
    ("moderator_conversation", ("moderator", "client")),
)


def in_each_conversation(
    methods: frozenset[str], route_objects: Mapping[str, str] | None = None
) -> tuple[Access, ...]:
    """A conversation's route, checked on each kind: its participants get in, no one else."""
    return tuple(
        Access(
            methods,
            signed_in(NOT_FOUND, each(participants, IN)),
            objects={"conversation_id": key, **(route_objects or {})},
            label=key,
        )
        for key, participants in CONVERSATIONS
    )


ROUTES.update(
    {
        "messaging:inbox": Access(SAFE, signed_in(IN)),
        # Writing to someone: a client to a practitioner, a practitioner to a colleague, a
        # moderator to anyone; other pairs are refused with the reason, on the form.
        # Writing to oneself, or as an officer, has no form: answered as for nobody.
        "messaging:start": Access(
            FORM,
            signed_in(IN, each(OFFICERS, NOT_FOUND), practitioner=NOT_FOUND),
            objects={"person_id": "practitioner_person"},
        ),
        "messaging:blocked_people": Access(SAFE, signed_in(IN)),
        # Lifting a block one never made changes nothing, and says so.
        "messaging:unblock": Access(
            POST_ONLY,
            signed_in(IN),
            objects={"person_id": "blocked_person"},
            changes=frozenset({"client"}),
            missing=IN,
        ),
        "messaging:office_hours": Access(FORM, PRACTITIONERS_ONLY),
        "messaging:conversation": in_each_conversation(FORM),
        "messaging:close_conversation": in_each_conversation(POST_ONLY),
        # A page that says what a block does (GET), then the block (POST).
        "messaging:block": in_each_conversation(FORM),
        # A message can be changed by its sender only (the client, here).
        "messaging:edit_message": Access(
            FORM,
            signed_in(NOT_FOUND, client=IN),
            objects={"conversation_id": "case_conversation", "message_id": "message"},
        ),
        "messaging:delete_message": Access(
            POST_ONLY,
            signed_in(NOT_FOUND, client=IN),
            objects={"conversation_id": "case_conversation", "message_id": "message"},
        ),
        "messaging:attachment": Access(
            SAFE,
            signed_in(NOT_FOUND, client=IN, practitioner=IN),
            objects={"conversation_id": "case_conversation", "attachment_id": "attachment"},
        ),
    }
)

# --- Care -------------------------------------------------------------------------------------

CASE = {"case_id": "case"}
# The case's own practitioner only; other practitioners are answered as for a missing case.
CASE_PRACTITIONER = signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN)
ROUTES.update(
    {
        "care:caseload": Access(SAFE, PRACTITIONERS_ONLY),
        "care:case": Access(SAFE, CASE_PRACTITIONER, objects=CASE),
        "care:edit_case": Access(FORM, CASE_PRACTITIONER, objects=CASE),
        "care:change_status": Access(FORM, CASE_PRACTITIONER, objects=CASE),
        "care:suitability": Access(FORM, CASE_PRACTITIONER, objects=CASE),
        "care:supervisor": Access(FORM, CASE_PRACTITIONER, objects=CASE),
        "care:assign_plan": Access(FORM, CASE_PRACTITIONER, objects=CASE),
        "care:change_plan": Access(POST_ONLY, CASE_PRACTITIONER, objects={"plan_id": "plan"}),
        "care:acknowledge_flag": Access(POST_ONLY, CASE_PRACTITIONER, objects={"flag_id": "flag"}),
        # The enquiry is to the recipient: only she takes it on.
        "care:take_on_enquiry": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), recipient=IN),
            objects={"conversation_id": "enquiry"},
        ),
        "care:supervision": Access(SAFE, PRACTITIONERS_ONLY),
        # An invitation to supervise is answered by the colleague invited (Rui) alone.
        "care:answer_supervision": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), recipient=IN),
            objects={"supervision_id": "invitation"},
        ),
        # A supervision is ended by any of the three it concerns: the client, the practitioner
        # and the supervisor who accepted it.
        "care:end_supervision": Access(
            POST_ONLY,
            signed_in(NOT_FOUND, client=IN, practitioner=IN, supervisor=IN),
            objects={"supervision_id": "supervision"},
        ),
        # Notes: the author, and the supervisor who accepted (a verified practitioner).
        "care:case_notes": Access(SAFE, CASE_PRACTITIONER, objects=CASE),
        "care:new_note": Access(FORM, CASE_PRACTITIONER, objects=CASE),
        "care:note": Access(
            SAFE,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN, supervisor=IN),
            objects={"note_id": "note"},
        ),
        "care:edit_note": Access(FORM, CASE_PRACTITIONER, objects={"note_id": "note"}),
        "care:add_addendum": Access(POST_ONLY, CASE_PRACTITIONER, objects={"note_id": "note"}),
        "care:refer": Access(FORM, CASE_PRACTITIONER, objects=CASE),
        "care:referrals": Access(SAFE, PRACTITIONERS_ONLY),
        # A referral: the client, the referrer, and the recipient once the client agreed.
        # Its page takes the client's answer while the referral waits for it; this one is
        # answered already.
        "care:referral": Access(
            FORM,
            signed_in(NOT_FOUND, client=IN, practitioner=IN, recipient=IN),
            post=each(("client", "practitioner", "recipient"), METHOD),
            objects={"referral_id": "referral"},
        ),
        # Whoever sees the referral may ask; only the client and the referrer withdraw it, only
        # the recipient accepts or declines it (the others are told so, and nothing changes).
        "care:withdraw_referral": Access(
            POST_ONLY,
            signed_in(NOT_FOUND, client=IN, practitioner=IN, recipient=IN),
            objects={"referral_id": "referral"},
            changes=frozenset({"client", "practitioner"}),
        ),
        # Renewing a referral after its case closed is the client's alone (this one is live,
        # so she is told it needs no renewal, and nothing changes).
        "care:renew_referral": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, client=IN),
            objects={"referral_id": "referral"},
            changes=frozenset(),
        ),
        "care:accept_referral": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN, recipient=IN),
            objects={"referral_id": "referral"},
            changes=frozenset({"recipient"}),
        ),
        "care:decline_referral": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN, recipient=IN),
            objects={"referral_id": "referral"},
            changes=frozenset({"recipient"}),
        ),
        "care:emergency_lookup": Access(SAFE, signed_in(FORBIDDEN, moderator=IN, admin=IN)),
        # Break-glass: moderators, admins and the case's supervisor, with a written reason.
        "care:break_glass": Access(
            FORM,
            signed_in(NOT_FOUND, moderator=IN, admin=IN, supervisor=IN),
            objects=CASE,
        ),
        "care:my_care": Access(SAFE, signed_in(FORBIDDEN, client=IN)),
        "care:consent": Access(
            FORM,
            signed_in(FORBIDDEN, client=IN),
            objects={"case_id": "case", "technology": "technology"},
        ),
        "care:withdraw_consent": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, client=IN),
            objects={"case_id": "case", "technology": "technology"},
        ),
        # Answerable through a signed link without signing in (so no MFA step comes first);
        # signed in, the client's own only.
        "care:check_in": Access(
            FORM,
            public(NOT_FOUND, visitor=LOGIN, client=IN),
            objects={"check_in_id": "check_in"},
            other_methods={"visitor": METHOD},
        ),
    }
)

# --- The API: appointments changes, check-ins and caseload (api-care) ---

API_POST = frozenset({"POST"})
# The parties of Robin's appointment move and cancel it; other practitioners find nothing
# there (404); a role that never has appointments is refused (403).
API_APPOINTMENT_PARTIES = api(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), client=IN, practitioner=IN)
# Check-ins are answered by clients alone: Robin's own are hers; every other role is refused.
API_CLIENTS_ONLY = api(FORBIDDEN, client=IN)
# A case's check-ins: its own practitioner; other practitioners are answered as for a missing
# case (her supervisor reads notes, not check-ins, as on the case page).
API_CASE_PRACTITIONER = api(FORBIDDEN, each(PRACTITIONERS, NOT_FOUND), practitioner=IN)
A_NEW_PLAN = {
    "instrument": "phq9",
    "every_days": 7,
    "time_of_day": "18:00",
    "starts_on": "2026-06-03",
}
ROUTES.update(
    {
        "api:cancel_appointment": Access(
            API_POST,
            API_APPOINTMENT_PARTIES,
            objects=APPOINTMENT,
            method_first=True,
            json={"reason": ""},
        ),
        "api:reschedule_appointment": Access(
            API_POST,
            API_APPOINTMENT_PARTIES,
            objects=APPOINTMENT,
            method_first=True,
            json={"slot_id": "2026-06-04T08:00Z"},
        ),
        "api:my_check_ins": Access(API_GET, API_CLIENTS_ONLY, method_first=True),
        "api:check_in": Access(
            API_GET, API_CLIENTS_ONLY, objects={"check_in_id": "check_in"}, method_first=True
        ),
        # An empty set of answers reaches the check (and is refused, 400, changing nothing).
        "api:answer_check_in": Access(
            API_POST,
            API_CLIENTS_ONLY,
            objects={"check_in_id": "check_in"},
            method_first=True,
            json={"answers": {}},
        ),
        # Reading a case's plans (GET) and assigning one (POST) share one address.
        "api:case_check_in_plans": Access(
            API_GET_POST, API_CASE_PRACTITIONER, objects=CASE, method_first=True, json=A_NEW_PLAN
        ),
        "api:assign_check_in_plan": Access(
            API_GET_POST, API_CASE_PRACTITIONER, objects=CASE, method_first=True, json=A_NEW_PLAN
        ),
        "api:case_check_ins": Access(
            API_GET, API_CASE_PRACTITIONER, objects=CASE, method_first=True
        ),
        # Opening the answers item by item: the case's practitioner (an audited read).
        "api:case_check_in_answers": Access(
            API_GET,
            API_CASE_PRACTITIONER,
            objects={"case_id": "case", "check_in_id": "answered_check_in"},
            method_first=True,
        ),
        "api:caseload": Access(API_GET, api(FORBIDDEN, each(PRACTITIONERS, IN)), method_first=True),
    }
)

# --- End of the API: appointments changes, check-ins and caseload ---

# --- Safety: reports, moderation, decisions, transparency (issue 12) --------------------------

MODERATORS_ONLY = signed_in(FORBIDDEN, moderator=IN)
EVERY_METHOD_MISSING = dict.fromkeys(METHODS, NOT_FOUND)

ROUTES.update(
    {
        # A listed profile: anyone reports it, visitors too (its practitioner is told, on the
        # form, that they cannot report themselves).
        "safety:report_profile": Access(FORM, public(IN), objects={"slug": "profile_slug"}),
        # Someone one has dealt with: the client and the supervisor share a conversation
        # with the practitioner (the practitioner is refused on the form: themselves).
        "safety:report_person": Access(
            FORM,
            signed_in(NOT_FOUND, client=IN, practitioner=IN, supervisor=IN),
            objects={"object_id": "practitioner_person"},
        ),
        # A message or attachment of a conversation one takes part in.
        "safety:report_message": Access(
            FORM,
            signed_in(NOT_FOUND, client=IN, practitioner=IN),
            objects={"object_id": "message"},
        ),
        "safety:report_attachment": Access(
            FORM,
            signed_in(NOT_FOUND, client=IN, practitioner=IN),
            objects={"object_id": "attachment"},
        ),
        "safety:report_appointment": Access(
            FORM,
            signed_in(NOT_FOUND, client=IN, practitioner=IN),
            objects={"object_id": "appointment"},
        ),
        # A claim under review: by those who review it (the SSSC's officer, admins).
        "safety:report_claim": Access(
            FORM,
            signed_in(NOT_FOUND, other_officer=IN, admin=IN),
            objects={"object_id": "pending_claim"},
        ),
        # Community comments and articles: anyone who can read them, visitors too (their
        # author, the practitioner, is told on the form that she cannot report herself). The
        # client's comment is held for a moderator: 404 to everyone, as a missing one.
        "safety:report_comment": (
            Access(
                FORM,
                public(IN),
                objects={"object_id": "community_published_comment"},
                label="published",
            ),
            Access(
                FORM,
                public(NOT_FOUND),
                objects={"object_id": "community_comment"},
                label="held",
            ),
        ),
        "safety:report_article": Access(
            FORM, public(IN), objects={"slug": "community_article_slug"}
        ),
        "safety:my_reports": Access(SAFE, signed_in(IN)),
        "safety:track_report": Access(SAFE, public(IN)),
        "safety:my_report": Access(
            SAFE, signed_in(NOT_FOUND, client=IN), objects={"report_id": "report"}
        ),
        "safety:queue": Access(SAFE, MODERATORS_ONLY),
        "safety:moderate_report": Access(
            FORM, MODERATORS_ONLY, objects={"report_id": "open_report"}
        ),
        "safety:moderate_detection": Access(
            FORM, MODERATORS_ONLY, objects={"detection_id": "detection"}
        ),
        # The moderator made the decision appealed: they open it, and are refused on the form.
        "safety:moderate_appeal": Access(FORM, MODERATORS_ONLY, objects={"appeal_id": "appeal"}),
        "safety:my_decisions": Access(SAFE, signed_in(IN)),
        # A statement of reasons: the person it affects only.
        "safety:decision": Access(
            SAFE, signed_in(NOT_FOUND, practitioner=IN), objects={"action_id": "decision"}
        ),
        "safety:appeal_decision": Access(
            POST_ONLY, signed_in(NOT_FOUND, practitioner=IN), objects={"action_id": "decision"}
        ),
        # The signed link is the proof (a suspended person cannot sign in): anyone holding it
        # reads the statement; a forged one is missing to everyone.
        "safety:decision_by_link": Access(
            FORM,
            public(IN),
            objects={"token": "decision_token"},
            missing=EVERY_METHOD_MISSING,
            changes=frozenset(),
        ),
        "safety:transparency": Access(SAFE, public(IN)),
        "safety:transparency_csv": Access(SAFE, public(IN)),
    }
)

# --- End of safety ----------------------------------------------------------------------------

# --- Blocking from a profile and an appointment (nudge-block) ---------------------------------
# Each is a page that says what a block does (GET), then the block (POST). Anyone signed in may
# block a listed practitioner from their profile (the practitioner herself is told she cannot,
# on the page); an appointment's parties block each other from it.

ROUTES.update(
    {
        "directory:block": Access(FORM, signed_in(IN), objects={"slug": "profile_slug"}),
        "scheduling:block": Access(FORM, APPOINTMENT_PARTIES, objects=APPOINTMENT),
    }
)
# --- End of blocking from a profile and an appointment ----------------------------------------

# --- Oversight: the regulator portal and complaints (begin) -----------------------------------

# The officer acts for Social Work England, the other officer for the SSSC: England's pages,
# exports and registrations are the first's, and answer the other as missing ones do.
ENGLAND_ONLY = signed_in(FORBIDDEN, officer=IN, other_officer=NOT_FOUND, admin=IN)
# The complaint went to Social Work England: its officer sees it, the SSSC's does not, nor do
# moderators (it has a regulator); administrators see every complaint.
COMPLAINT_STAFF = signed_in(
    FORBIDDEN, officer=IN, other_officer=NOT_FOUND, moderator=NOT_FOUND, admin=IN
)
ROUTES.update(
    {
        "oversight:home": Access(SAFE, REVIEWERS_ONLY),
        "oversight:dashboard": Access(SAFE, ENGLAND_ONLY, objects={"regulator": "regulator_slug"}),
        "oversight:registrants_csv": Access(
            SAFE, ENGLAND_ONLY, objects={"regulator": "regulator_slug"}
        ),
        "oversight:figures_csv": Access(
            SAFE, ENGLAND_ONLY, objects={"regulator": "regulator_slug"}
        ),
        "oversight:registration": Access(
            SAFE, ENGLAND_ONLY, objects={"entry_id": "register_entry"}
        ),
        # An empty order is refused with the form's errors (400): nothing changes.
        "oversight:suspend": Access(
            POST_ONLY, ENGLAND_ONLY, objects={"entry_id": "register_entry"}
        ),
        "oversight:lift_suspension": Access(
            POST_ONLY, ENGLAND_ONLY, objects={"entry_id": "register_entry"}
        ),
        "oversight:set_conditions": Access(
            POST_ONLY, ENGLAND_ONLY, objects={"entry_id": "register_entry"}
        ),
        "oversight:lift_conditions": Access(
            POST_ONLY, ENGLAND_ONLY, objects={"entry_id": "register_entry"}
        ),
        # The token is the proof: anyone may open it; someone signed in with another address
        # is refused its acceptance; a wrong token is missing to everyone.
        "oversight:accept_invitation": Access(
            FORM,
            public(IN),
            post=each(SIGNED_IN_PERSONAS, FORBIDDEN),
            objects={"token": "invitation_token"},
            missing={"GET": NOT_FOUND, "HEAD": NOT_FOUND, "POST": NOT_FOUND},
            changes=frozenset(),
        ),
        "complaints:new": Access(FORM, public(IN)),
        "complaints:track": Access(FORM, public(IN)),
        "complaints:queue": Access(
            SAFE,
            signed_in(FORBIDDEN, each(OFFICERS, IN), moderator=IN, admin=IN),
        ),
        "complaints:detail": Access(FORM, COMPLAINT_STAFF, objects={"complaint_id": "complaint"}),
        "complaints:evidence": Access(
            SAFE,
            COMPLAINT_STAFF,
            objects={"complaint_id": "complaint", "evidence_id": "complaint_evidence"},
        ),
        "complaints:bundle": Access(SAFE, COMPLAINT_STAFF, objects={"complaint_id": "complaint"}),
    }
)

# --- Oversight: badge JSON and webhook deliveries (oversight2) ---
ROUTES.update(
    {
        # As the SVG badge: public; a number nobody holds answers 404 with JSON that says so.
        "registry:badge_json": Access(
            SAFE,
            public(IN),
            objects={"regulator": "regulator_slug", "number": "registration_number"},
        ),
        "oversight:webhook_deliveries": Access(
            SAFE, ENGLAND_ONLY, objects={"regulator": "regulator_slug"}
        ),
    }
)
# --- End of oversight: badge JSON and webhook deliveries ---

# --- Oversight (end) ----------------------------------------------------------------------------

# --- A person's own data: export and erasure (rights-export) ---------------------------------
# Everyone signed in exports their own data and may ask for their account to be erased (the
# erasure page asks for the password again); an export is downloadable by its person only.

ROUTES.update(
    {
        "rights:export": Access(FORM, signed_in(IN)),
        "rights:export_download": Access(
            SAFE, signed_in(NOT_FOUND, client=IN), objects={"export_id": "data_export"}
        ),
        "rights:erasure": Access(FORM, signed_in(IN)),
        "rights:erasure_cancel": Access(POST_ONLY, signed_in(IN)),
    }
)
# --- End of a person's own data -------------------------------------------------------------

# --- Case transfer export (transfer) ---
# The case's practitioner asks for an export of it and downloads it once the client agreed;
# other practitioners are answered as for a missing case. The client answers on her own page,
# for exports of her own cases only.
ROUTES.update(
    {
        "privacy:case_export": Access(FORM, CASE_PRACTITIONER, objects=CASE),
        "privacy:case_export_download": Access(
            SAFE, CASE_PRACTITIONER, objects={"case_id": "case", "export_id": "case_export"}
        ),
        "privacy:case_export_consent": Access(
            FORM,
            signed_in(FORBIDDEN, client=IN),
            objects={"export_id": "case_export_asking"},
        ),
    }
)
# --- End of case transfer export ---

# --- Community: articles, comments, the guard, reply notices (issue 14) ------------------------
# The article is the practitioner's (invited to write); the comment is the client's, held as
# her first post. Anyone comments on this article (it takes anonymous comments).

COMMUNITY_ARTICLE = {"slug": "community_article_slug"}
COMMUNITY_COMMENT = {"comment_id": "community_comment"}
COMMUNITY_EDITORS = signed_in(NOT_FOUND, practitioner=IN, admin=IN)

ROUTES.update(
    {
        "community:articles": Access(SAFE, public(IN)),
        "community:feed": Access(SAFE, public(IN)),
        "community:article": Access(SAFE, public(IN), objects=COMMUNITY_ARTICLE),
        # This article has no cover image to show, to anyone.
        "community:cover": Access(SAFE, public(NOT_FOUND), objects=COMMUNITY_ARTICLE),
        "community:comment": Access(FORM, public(IN), objects=COMMUNITY_ARTICLE),
        # A published comment takes replies from anyone; a held one (the client's first) is
        # missing to all but its author, whose reply is refused until it is published.
        "community:reply": (
            Access(
                FORM,
                public(IN),
                objects={**COMMUNITY_ARTICLE, "comment_id": "community_published_comment"},
                label="published",
            ),
            Access(
                FORM,
                public(NOT_FOUND, client=IN),
                objects={**COMMUNITY_ARTICLE, **COMMUNITY_COMMENT},
                label="held",
            ),
        ),
        # Admins and invited practitioners write; other practitioners are told to ask (after
        # the method is checked: their role may open the page).
        "community:write_article": Access(
            FORM,
            signed_in(FORBIDDEN, practitioner=IN, admin=IN),
            other_methods=each(("other_practitioner", "supervisor", "recipient"), METHOD),
        ),
        "community:my_articles": Access(
            SAFE, signed_in(FORBIDDEN, each(PRACTITIONERS, IN), admin=IN)
        ),
        "community:edit_article": Access(FORM, COMMUNITY_EDITORS, objects=COMMUNITY_ARTICLE),
        "community:close_article": Access(POST_ONLY, COMMUNITY_EDITORS, objects=COMMUNITY_ARTICLE),
        "community:edit_comment": Access(
            FORM, signed_in(NOT_FOUND, client=IN), objects=COMMUNITY_COMMENT
        ),
        "community:delete_comment": Access(
            POST_ONLY, signed_in(NOT_FOUND, client=IN), objects=COMMUNITY_COMMENT
        ),
        "community:held_comments": Access(SAFE, signed_in(FORBIDDEN, moderator=IN)),
        "community:moderate_comment": Access(
            POST_ONLY, signed_in(FORBIDDEN, moderator=IN), objects=COMMUNITY_COMMENT
        ),
        # The signed link is the proof: anyone holding it stops the emails; a forged one is
        # missing to everyone.
        "community:unsubscribe": Access(
            FORM,
            public(IN),
            objects={"token": "community_unsubscribe_token"},
            missing=EVERY_METHOD_MISSING,
        ),
    }
)

# --- End of community -------------------------------------------------------------------------

# --- The API: community, own data, profiles and attachments (api-community) ---
# The same access helpers as the pages. Articles and profiles are public (a profile that is not
# listed only to its own practitioner, by session, as the page); commenting needs signing in.
# Writing an article: invited practitioners and admins (others 403, the page's refusal too).
# Exports and attachments answer their own people only (404 to anyone else).

API_POST = frozenset({"POST"})
# An article the schema takes and the service refuses (no text): shows access, writes nothing.
EMPTY_ARTICLE = {"title": " ", "summary": " ", "body": " "}
NOT_WRITERS = {
    **each(("client", "moderator", "other_practitioner", "supervisor", "recipient"), FORBIDDEN),
    **each(OFFICERS, FORBIDDEN),
    "visitor": UNAUTHORIZED,
    "staff_without_mfa": UNAUTHORIZED,
}
API_CONVERSATION_PARTIES = api(NOT_FOUND, client=IN, practitioner=IN)
API_GET_PUT = frozenset({"GET", "PUT"})
ARTICLE_EDITORS = api(NOT_FOUND, practitioner=IN, admin=IN)
ROUTES.update(
    {
        "api:practitioner_profile": (
            Access(
                API_GET,
                public(IN),
                objects={"practitioner_id": "practitioner_person"},
                method_first=True,
                label="listed",
            ),
            Access(
                API_GET,
                public(NOT_FOUND, supervisor=IN),
                objects={"practitioner_id": "unlisted_practitioner_person"},
                method_first=True,
                label="unlisted",
            ),
        ),
        # The list (GET) and writing one (POST) share one address.
        "api:community_articles": Access(
            API_GET_POST, public(IN), post=NOT_WRITERS, method_first=True, json=EMPTY_ARTICLE
        ),
        "api:community_write_article": Access(
            API_GET_POST, public(IN), post=NOT_WRITERS, method_first=True, json=EMPTY_ARTICLE
        ),
        # Reading an article (GET, public) and changing it (PUT: its author and admins; the
        # editing page's rule) share one address.
        "api:community_article": Access(
            API_GET_PUT,
            public(IN),
            objects=COMMUNITY_ARTICLE,
            post=ARTICLE_EDITORS,
            put_as_post=True,
            method_first=True,
            json=EMPTY_ARTICLE,
        ),
        "api:community_edit_article": Access(
            API_GET_PUT,
            public(IN),
            objects=COMMUNITY_ARTICLE,
            post=ARTICLE_EDITORS,
            put_as_post=True,
            method_first=True,
            json=EMPTY_ARTICLE,
        ),
        # An empty comment: refused by the service (400) once the article is found. The world's
        # article takes anonymous comments: a visitor gets as far as anyone (api-rest).
        "api:community_comment": Access(
            API_POST, public(IN), objects=COMMUNITY_ARTICLE, method_first=True, json={"body": ""}
        ),
        # One's own exports: listing and asking for one (a new export) share one address.
        "api:privacy_exports": Access(API_GET_POST, api(IN), method_first=True),
        "api:privacy_request_export": Access(API_GET_POST, api(IN), method_first=True),
        "api:privacy_export": Access(
            API_GET,
            api(NOT_FOUND, client=IN),
            objects={"export_id": "data_export"},
            method_first=True,
        ),
        "api:privacy_export_download": Access(
            API_GET,
            api(NOT_FOUND, client=IN),
            objects={"export_id": "data_export"},
            method_first=True,
        ),
        "api:messaging_message_attachments": Access(
            API_GET,
            API_CONVERSATION_PARTIES,
            objects={"conversation_id": "case_conversation", "message_id": "message"},
            method_first=True,
        ),
        "api:messaging_attachment": Access(
            API_GET,
            API_CONVERSATION_PARTIES,
            objects={"conversation_id": "case_conversation", "attachment_id": "attachment"},
            method_first=True,
        ),
        # Without a file: the parties are told to attach one (400), anyone else 404.
        "api:messaging_send_file": Access(
            API_POST,
            API_CONVERSATION_PARTIES,
            objects={"conversation_id": "case_conversation"},
            method_first=True,
        ),
    }
)
# --- End of the API: community, own data, profiles and attachments ---

# --- api-rest ---
ROUTES.update(
    {
        # Multipart, as the site's form: without a category the schema refuses it (422) once the
        # person is signed in; a visitor files on the site's form.
        "api:complaints_file_with_evidence": Access(API_POST, api(IN), method_first=True),
    }
)
# --- end api-rest ---

# --- Privacy rights: the privacy page (rights-coverage) ---------------------------------------

ROUTES.update(
    {
        # Public: what is kept, for how long, who sees it, where it is processed.
        "privacy:privacy": Access(SAFE, public(IN)),
    }
)

# --- End of privacy rights: the privacy page --------------------------------------------------

# --- The place picker's lists (place) --------------------------------------------------------

ROUTES.update(
    {
        # Public reference data: the countries and regions a client may choose, by language.
        "registry:places": Access(
            SAFE,
            public(IN),
            objects={"language": "places_language", "version": "places_version"},
        ),
    }
)

# --- End of the place picker's lists ----------------------------------------------------------

# --- Legal holds (rights-community) -----------------------------------------------------------
# Moderators, regulator officers and administrators place holds; moderators and administrators
# lift any, an officer only those they placed (the world's hold is the administrator's).

HOLDERS_ONLY = signed_in(FORBIDDEN, each(OFFICERS, IN), moderator=IN, admin=IN)

ROUTES.update(
    {
        "privacy:holds": Access(FORM, HOLDERS_ONLY),
        "privacy:lift_hold": Access(
            POST_ONLY,
            signed_in(FORBIDDEN, each(OFFICERS, NOT_FOUND), moderator=IN, admin=IN),
            objects={"hold_id": "legal_hold"},
        ),
    }
)

# --- End of legal holds -----------------------------------------------------------------------

# --- Video sessions (video) -------------------------------------------------------------------
# The join page and its forms: the appointment's two parties only (anyone else 404). At the
# world's moment the session's window is not open yet, so the parties' writes are refused with
# 409 and the reason (counted as getting in), and their sockets are closed with 4403.
VIDEO_CLIENT = signed_in(FORBIDDEN, client=IN)
ROUTES.update(
    {
        "video:waiting_room": Access(SAFE, PRACTITIONERS_ONLY),
        "video:join": Access(SAFE, APPOINTMENT_PARTIES, objects=APPOINTMENT),
        "video:confirm_place": Access(POST_ONLY, VIDEO_CLIENT, objects=APPOINTMENT),
        "video:admit": Access(POST_ONLY, APPOINTMENT_PRACTITIONER, objects=APPOINTMENT),
        "video:identity": Access(POST_ONLY, APPOINTMENT_PRACTITIONER, objects=APPOINTMENT),
        "video:end": Access(POST_ONLY, APPOINTMENT_PRACTITIONER, objects=APPOINTMENT),
        "video:drop_plan": Access(POST_ONLY, APPOINTMENT_PRACTITIONER, objects=APPOINTMENT),
        # The chat beside the call sends into the pair's case conversation, whatever the hour.
        "video:chat": Access(POST_ONLY, APPOINTMENT_PARTIES, objects=APPOINTMENT),
    }
)
# --- End of video sessions --------------------------------------------------------------------

# --- Metrics (prod-ops) -----------------------------------------------------------------------
# Prometheus metrics: only a scraper with the token or from an allowed address reads them
# (casework/shell/tests/test_metrics.py); every persona is answered 404 whatever the method,
# as for a route that does not exist.

ROUTES.update(
    {
        "metrics": Access(SAFE, public(NOT_FOUND), other_methods=public(NOT_FOUND)),
    }
)

# --- End of metrics ---------------------------------------------------------------------------

# --- The admin site ---------------------------------------------------------------------------

ADMIN_ONLY = signed_in(FORBIDDEN, admin=IN)
# The admin's views answer every method (a missing object sends the admin back to the index).
ADMIN_METHODS = frozenset(METHODS)
# Routes of the admin that differ: the audit log is read-only even to admins; a page of the
# admin that does not exist, and "view on site" for a person (who has no public page), are
# missing to the admin too; signing out of the admin sends anyone signed in to the site's own
# sign-out page, and takes POST only from an admin.
ADMIN_EXCEPTIONS: dict[str, Access] = {
    # Its search answers only a field of a form it names.
    "admin:autocomplete": Access(SAFE, signed_in(FORBIDDEN), other_methods={"admin": METHOD}),
    "admin:jsi18n": Access(SAFE, ADMIN_ONLY),
    "admin:password_change": Access(ALLAUTH_FORM, ADMIN_ONLY),
    "admin:password_change_done": Access(SAFE, ADMIN_ONLY),
    "admin/(?P<url>.*)$": Access(
        ADMIN_METHODS, signed_in(FORBIDDEN, admin=NOT_FOUND), objects={"url": "admin:url"}
    ),
    "admin:view_on_site": Access(
        ADMIN_METHODS,
        signed_in(FORBIDDEN, admin=NOT_FOUND),
        objects={"content_type_id": "admin:content_type_id", "object_id": "admin:object_id"},
    ),
    "admin:logout": Access(
        POST_ONLY, signed_in(IN), other_methods=each(SIGNED_IN_PERSONAS[:-2], IN)
    ),
}


# Models the admin shows but never changes (records kept by services): no adding, changing
# or deleting, even for admins.
READ_ONLY_IN_ADMIN = (
    "accounts_pushsubscription",
    "complaints_complaint",  # moved on through complaints.services only (oversight2)
    "django_tasks_database_dbtaskresult",
    "privacy_auditevent",
    "oversight_webhookdelivery",  # written by the outbox's reaction and its task (oversight2)
    "privacy_retentionreport",  # written by the retention task only (rights-coverage)
    "vault_datakey",
)


# --- Legal holds in the admin (rights-community) ---
# Placed and lifted through the audited service; never deleted, so a hold stays on record.
ADMIN_EXCEPTIONS["admin:privacy_legalhold_delete"] = Access(
    ADMIN_METHODS, signed_in(FORBIDDEN), objects={"object_id": "admin:object_id"}
)
# --- End of legal holds in the admin ---

# --- Community in the admin: invitations to write (community-admin) ---
# Invitations to write for the community: made through the audited service, kept as a record.
ADMIN_EXCEPTIONS["admin:community_contributor_delete"] = Access(
    ADMIN_METHODS, signed_in(FORBIDDEN), objects={"object_id": "admin:object_id"}
)
# --- End of community in the admin ---


def admin_access(name: str, parameters: Iterable[str]) -> Access:
    """Every route of the admin site: administrators with MFA only, on a real row of the
    admin's model (``access_world`` finds one for each parameter)."""
    if name in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[name]
    objects = {parameter: f"admin:{parameter}" for parameter in parameters}
    model, _, view = name.removeprefix("admin:").rpartition("_")
    if model in READ_ONLY_IN_ADMIN and view in ("add", "delete"):
        return Access(ADMIN_METHODS, signed_in(FORBIDDEN), objects=objects)
    if model in READ_ONLY_IN_ADMIN and view == "change":
        return Access(
            ADMIN_METHODS, ADMIN_ONLY, post={"admin": FORBIDDEN}, objects=objects, missing=IN
        )
    return Access(ADMIN_METHODS, ADMIN_ONLY, objects=objects, missing=IN)


# --- Websockets -------------------------------------------------------------------------------

# A socket refused before it is accepted is closed with 4401 (``UNAUTHORIZED``: not signed in,
# or staff without a second factor), 4403 (``FORBIDDEN``) or 4404 (``NOT_FOUND``).
SOCKETS: dict[str, tuple[Socket, ...]] = {
    # Account events (this session ended elsewhere): anyone signed in, for their own session.
    "ws/account/": (Socket(public(OPEN, visitor=UNAUTHORIZED)),),
    # The caseload's live updates: practitioners with a second factor.
    "ws/care/caseload/": (
        Socket(
            public(
                FORBIDDEN,
                each(PRACTITIONERS, OPEN),
                visitor=UNAUTHORIZED,
            )
        ),
    ),
    # A conversation's live messages: its participants only.
    "ws/conversations/<uuid:conversation_id>/": tuple(
        Socket(
            public(
                NOT_FOUND,
                each(participants, OPEN),
                visitor=UNAUTHORIZED,
                staff_without_mfa=UNAUTHORIZED,
            ),
            objects={"conversation_id": key},
            label=key,
        )
        for key, participants in CONVERSATIONS
    ),
    # --- Video sessions (video): the call's signalling, the two parties only, and only while
    # the session may go on (not yet at the world's moment: 4403).
    "ws/video/<int:appointment_id>/": (
        Socket(
            public(
                NOT_FOUND,
                visitor=UNAUTHORIZED,
                staff_without_mfa=UNAUTHORIZED,
                client=FORBIDDEN,
                practitioner=FORBIDDEN,
            ),
            objects={"appointment_id": "appointment"},
            missing=each(("client", "practitioner"), NOT_FOUND),
        ),
    ),
    # --- End of video sessions
}
