"""A small world where every persona owns real objects, made through the real services.

``tests/test_authorization_matrix.py`` builds it once per module and opens every route on
these objects as every persona. Who owns what:

- the client (Robin) has a case with her practitioner (Amara): case notes, two check-in plans
  (one answered with a thought of self-harm, which raised an urgent flag; one with a check-in
  still open), a referral to the referral recipient (Rui) that she agreed to, her consent, a
  booked appointment, the case conversation with a message and its attachment, a calendar feed,
  a push subscription, a session, and a block of the unrelated practitioner (Jonas);
- the client's enquiry to the referral recipient (before the referral), not yet taken on;
- the practitioner supervises nothing, is supervised by the supervisor (Sam, a verified
  practitioner who accepted her invitation) on Robin's case, and consults him in a
  consultation; the recipient (Rui) has an invitation to supervise another case of Amara's
  (with Kit, a second client) waiting for his answer; she has a verified registration in
  England (its claim and credential), a pending claim in Scotland, weekly hours, an exception,
  a session type and a published profile;
- the officer acts for Social Work England, the other officer for the SSSC (Scotland): each
  regulator has a register import waiting, and the pending claim is the SSSC's to review;
- the moderator writes to the client in a moderator conversation;
- the admin administers; the visitor is nobody; the staff member without MFA is a practitioner
  who never enrolled a second factor.

Everything happens at ``NOW`` (the clock stands still for the whole module), so the suite
passes at any hour.
"""

import io
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.test import Client, RequestFactory
from PIL import Image

from casework.accounts.models import User
from casework.accounts.services import create_api_token, subscribe_to_push
from casework.care.models import CheckInPlan, ReferralKind, SharedItem, UrgentFlag
from casework.care.services import notes, referrals
from casework.care.services.supervision import invite_supervisor
from casework.community.notices import unsubscribe_token
from casework.community.services.articles import invite_contributor, save_article
from casework.community.services.comments import moderate_comment, post_comment
from casework.complaints.services import file_complaint
from casework.directory.services import save_profile
from casework.events.catalogue import RegistrationOrderChanged
from casework.messaging import services as messaging_services
from casework.messaging.models import Attachment
from casework.oversight.invitations import invite_officer
from casework.oversight.reactions import notify_regulator
from casework.oversight.webhooks import configure_webhook
from casework.privacy.case_export import answer_case_export, ask_for_case_export
from casework.privacy.export import request_export
from casework.privacy.export_archive import build_export
from casework.privacy.holds import place_legal_hold
from casework.registry.claims import add_claim_evidence, claim_registration
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegistrationClaim, Regulator, RegulatorOfficer
from casework.registry.places import places_version
from casework.registry.register_import import receive_register_file
from casework.safety import access as safety_access
from casework.safety.appeals import file_appeal
from casework.safety.blocks import block_person
from casework.safety.detections import record_detection
from casework.safety.moderation import take_action
from casework.safety.notices import decision_token
from casework.safety.reports import file_report
from casework.scheduling.models import AvailabilityException, AvailabilityWindow
from casework.scheduling.services.availability import add_availability_exception
from casework.scheduling.services.feeds import create_calendar_feed
from casework.testing import care, factories, messaging, push, scheduling
from casework.testing.directory import profile_details
from casework.testing.scheduling import THURSDAY_9
from casework.testing.security_keys import add_security_key

# The module's moment: a Wednesday, 09:00 in London.
NOW = care.NOW

PERSONAS = (
    "visitor",
    "client",
    "practitioner",
    "other_practitioner",
    "supervisor",
    "recipient",
    "officer",
    "other_officer",
    "moderator",
    "admin",
    "staff_without_mfa",
)

# A register export with one row, in the generic format every regulator takes.
REGISTER_EXPORT = (
    "registration_number,name,other_names,status,valid_from,valid_until,conditions\n"
    "SW1001,Amara Okafor,,registered,,,\n"
)


@dataclass
class World:
    """The personas (``None`` for the visitor), their signed-in session keys, and the objects
    routes name, by the key the authorization policy uses (``"case"``, ``"note"``...)."""

    people: dict[str, User | None]
    sessions: dict[str, str]
    objects: dict[str, Any] = field(default_factory=dict)

    def value(self, key: str) -> Any:
        """What goes in the address for ``key``: a row's primary key, or the value itself."""
        found = self.objects[key]
        return found.pk if isinstance(found, Model) else found

    def missing(self, key: str) -> Any:
        """A value of the same kind as ``key``'s that names nothing."""
        found = self.objects[key]
        if isinstance(found, Model):
            if isinstance(found.pk, uuid.UUID):
                return uuid.UUID(int=1)
            return 999_999_999
        return MISSING_VALUES.get(key, found)

    def row(self, key: str) -> tuple[Any, ...] | None:
        """The database row behind ``key`` as stored now (``None`` once deleted): the raw
        columns, so sealed fields compare by their ciphertext."""
        found = self.objects.get(key)
        if not isinstance(found, Model):
            return None
        meta = found._meta
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT * FROM "{meta.db_table}" WHERE "{meta.pk.column}" = %s',  # noqa: S608
                [meta.pk.get_db_prep_value(found.pk, connection)],
            )
            row = cursor.fetchone()
        return tuple(row) if row is not None else None


# Stand-ins for plain values of an address that name nothing (a consent's technology names
# a kind, not an object: it stays as it is).
MISSING_VALUES = {
    "feed_token": "no-such-feed-token",
    "profile_slug": "nobody-by-this-name",
    "registration_number": "SW0000000",
    "status_list_id": "no-such-list",
    "confirmation_key": "no-such-key",
    "decision_token": "no-such-token",
    "reset_uid": "zz",
    "reset_key": "no-such-key",
    "invitation_token": "no-such-invitation",
    "regulator_slug": "no-such-regulator",
    "community_article_slug": "no-such-article",
    "community_unsubscribe_token": "no-such-token",
}


def _signed_in(person: User) -> str:
    """A session for ``person`` that has just confirmed its password (so allauth's pages that
    ask for it again open), seen once by the site (so it is listed as theirs)."""
    browser = Client()
    browser.force_login(person)
    session = browser.session
    confirming = RequestFactory().post("/accounts/reauthenticate/")
    confirming.session = session
    record_authentication(confirming, person, method="password", reauthenticated=True)
    session.save()
    browser.get("/home/")
    return str(session.session_key)


def build_world() -> World:
    """Make the world; call it with the clock at ``NOW`` and database access allowed."""
    scheduling.reference_places()
    england = Regulator.objects.get(slug="social-work-england")
    scotland = Regulator.objects.get(slug="sssc")

    client = factories.ClientFactory.create(
        alias="Robin", email="robin@example.org", time_zone="Europe/London"
    )
    practitioner = factories.PractitionerFactory.create(
        legal_name="Amara Okafor", email="amara@example.org"
    )
    other_practitioner = factories.PractitionerFactory.create(
        legal_name="Jonas Berg", email="jonas@example.org"
    )
    supervisor = factories.PractitionerFactory.create(
        legal_name="Sam Achebe", email="sam@example.org"
    )
    recipient = factories.PractitionerFactory.create(
        legal_name="Rui Costa", email="rui@example.org"
    )
    officer = factories.OfficerFactory.create(
        legal_name="Siobhan Gallagher", email="siobhan@example.org"
    )
    other_officer = factories.OfficerFactory.create(
        legal_name="Callum Reid", email="callum@example.org"
    )
    moderator = factories.ModeratorFactory.create(
        legal_name="Tomás Herrera", email="tomas@example.org"
    )
    admin = factories.AdminFactory.create(legal_name="Priya Raman", email="priya@example.org")
    staff_without_mfa = factories.PractitionerFactory.create(
        totp=False, legal_name="Nadia Noor", email="nadia@example.org"
    )
    RegulatorOfficer.objects.create(officer=officer, regulator=england)
    RegulatorOfficer.objects.create(officer=other_officer, regulator=scotland)
    people: dict[str, User | None] = {
        "visitor": None,
        "client": client,
        "practitioner": practitioner,
        "other_practitioner": other_practitioner,
        "supervisor": supervisor,
        "recipient": recipient,
        "officer": officer,
        "other_officer": other_officer,
        "moderator": moderator,
        "admin": admin,
        "staff_without_mfa": staff_without_mfa,
    }
    objects: dict[str, Any] = {}

    # The practitioner's practice: a verified registration in England, hours, a session type,
    # an exception, a published profile; a claim in Scotland the register cannot confirm.
    _, session_type = scheduling.bookable_practitioner(practitioner=practitioner)
    for registered in (other_practitioner, supervisor, recipient):
        scheduling.registered_in_england(registered)
    claim = RegistrationClaim.objects.get(practitioner=practitioner, regulator=england)
    objects["claim"] = claim
    objects["regulator_slug"] = england.slug
    objects["registration_number"] = claim.registration_number
    credential = IssuedCredential.objects.get(claim=claim)
    objects["credential"] = credential
    objects["status_list_id"] = credential.revocation_list.public_id
    objects["pending_claim"] = claim_registration(
        practitioner=practitioner, regulator=scotland, registration_number="SSSC-404"
    )
    objects["session_type"] = session_type
    objects["window"] = AvailabilityWindow.objects.filter(practitioner=practitioner).first()
    objects["exception"] = add_availability_exception(
        practitioner=practitioner,
        on=(NOW + timedelta(days=30)).date(),
        kind=AvailabilityException.Kind.TIME_OFF,
        start_minute=None,
        end_minute=None,
    )
    profile = save_profile(practitioner=practitioner, details=profile_details())
    objects["profile_slug"] = profile.slug
    # A display name without the registered family name ("Berg") waits for review by the
    # officers of the regulator that registers him, and by admins.
    objects["profile_waiting"] = save_profile(
        practitioner=other_practitioner, details=profile_details(display_name="Dr J.")
    )
    objects["practitioner_person"] = practitioner

    # The client's booking, her enquiry to the recipient, then her case.
    objects["appointment"] = scheduling.book(client, session_type, THURSDAY_9)
    objects["enquiry"] = messaging.enquiry(client, recipient, "Could you see me in the evenings?")
    case = care.ready_case(
        practitioner,
        client,
        emergency_contact="Alex, 07700 900123",
        crisis_plan="Call Alex, then the crisis line.",
    )
    objects["case"] = case
    objects["technology"] = "messaging"
    # Sam is verified, invited by Amara and accepted: only then does he read her notes.
    objects["supervision"] = care.supervise(case, supervisor)
    # Amara's second client, Kit: she invited Rui to supervise that case; he has not answered.
    second_client = factories.ClientFactory.create(alias="Kit", email="kit@example.org")
    objects["invitation"] = invite_supervisor(
        case=care.ready_case(practitioner, second_client),
        practitioner=practitioner,
        email=recipient.email,
    )
    objects["note"] = notes.write_note(
        case=case,
        author=practitioner,
        template="dap",
        session_on=NOW.date(),
        sections={"data": "Slept badly", "assessment": "Low", "plan": "Call Friday"},
    )
    answered_plan = care.plan(case, "phq9")
    care.answer(care.due_check_in(answered_plan), care.answers_summing_to("phq9", 6, _9=1))
    objects["flag"] = UrgentFlag.objects.get(case=case)
    objects["answered_check_in"] = objects["flag"].check_in
    open_plan = care.plan(case, "gad7")
    objects["plan"] = CheckInPlan.objects.get(pk=open_plan.pk)
    objects["check_in"] = care.due_check_in(open_plan)
    referral = referrals.propose_referral(
        case=case,
        practitioner=practitioner,
        to_practitioner=recipient,
        kind=ReferralKind.REFERRAL,
        items=[SharedItem.SUMMARY],
        summary="Robin would benefit from evening sessions.",
    )
    objects["referral"] = referrals.answer_referral(
        referral=referral, client=client, agree=True, items=[SharedItem.SUMMARY]
    )

    # Conversations: the case's, with a message and its attachment; a consultation; a
    # moderator's conversation with the client.
    conversation = messaging_services.open_case_conversation(
        client=client, practitioner=practitioner, actor=practitioner
    )
    objects["case_conversation"] = conversation
    message = messaging.send(conversation, client, "Here is my photo", files=[messaging.png()])
    objects["message"] = message
    objects["attachment"] = Attachment.objects.get(message=message)
    objects["consultation"] = messaging.consultation(practitioner, supervisor, "A question")
    objects["moderator_conversation"] = messaging_services.start_moderator_conversation(
        moderator=moderator, person=client, body="About your report"
    )

    # The client's own things: a block, a calendar feed, a device for reminders.
    block_person(blocker=client, blocked=other_practitioner)
    objects["blocked_person"] = other_practitioner
    objects["feed_token"] = create_calendar_feed(person=client)
    browser = push.Browser()
    objects["push_subscription"], _created = subscribe_to_push(
        person=client, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )

    # Register imports waiting at each regulator.
    for key, regulator, uploader in (
        ("register_import", england, officer),
        ("other_register_import", scotland, other_officer),
    ):
        objects[key] = receive_register_file(
            regulator=regulator,
            uploaded_file=SimpleUploadedFile("export.csv", REGISTER_EXPORT.encode()),
            file_format="generic-csv",
            uploaded_by=uploader,
            check_in_background=False,
        )

    # --- Oversight: the regulator portal and complaints (begin) ---
    # A complaint about the practitioner, with a file: it goes to Social Work England only
    # (her Scottish claim is not verified). Her English register entry has a portal page; an
    # administrator's invitation waits for a new officer of Social Work England.
    complaint = file_complaint(
        practitioner=practitioner,
        category="boundary",
        details="She asked me to pay her privately.",
        evidence=[messaging.png("receipt.png")],
    ).complaint
    objects["complaint"] = complaint
    objects["complaint_evidence"] = complaint.evidence.get()
    objects["register_entry"] = claim.entry
    objects["invitation_token"] = invite_officer(
        email="new.officer@example.org", regulator=england, invited_by=admin
    )[1]
    # --- Oversight webhook deliveries (oversight2) ---
    # Social Work England's system is told of a register reading of her entry: one delivery
    # waits (its task runs after a commit the test transaction never makes).
    configure_webhook(
        regulator=england, url="http://127.0.0.1:9/casework", secret="s" * 32, actor=admin
    )
    notify_regulator(
        RegistrationOrderChanged(
            entry_id=objects["register_entry"].pk,
            regulator_id=england.pk,
            change="register_status",
            register_import_id=objects["register_import"].pk,
        )
    )
    # --- End of oversight webhook deliveries ---
    # --- Oversight (end) ---

    # Rows only the admin site names.
    objects["group"] = Group.objects.create(name="Reviewers")
    objects["authenticator"] = Authenticator.objects.filter(user=practitioner).first()
    add_owners_files_and_keys(objects, practitioner=practitioner, supervisor=supervisor)
    add_place_lists(objects)

    # --- Safety (issue 12): the client's report of the practitioner's reply (open), and a
    # detection on the practitioner's draft, decided with a warning she appealed.
    reply = messaging.send(conversation, practitioner, "See you on Thursday")
    objects["open_report"] = objects["report"] = file_report(
        reporter=client,
        target=safety_access.target_for_message(client, reply.pk),
        category="boundary",
        details="She asked to meet outside",
        evidence=[reply],
        consented=True,
    ).report
    objects["detection"] = record_detection(
        author=practitioner,
        conversation=conversation,
        text="Pay me by gift card",
        categories=["payment"],
    )
    warned = record_detection(
        author=practitioner, conversation=conversation, text="Text me", categories=["channel"]
    )
    (objects["decision"],) = take_action(
        moderator=moderator,
        detection=warned,
        kind="warn",
        rule="contact-on-platform",
        reason="Keep contact on Casework.",
    )
    objects["decision_token"] = decision_token(str(objects["decision"].pk))
    objects["appeal"] = file_appeal(
        action=objects["decision"], appellant=practitioner, grounds="It was my office phone"
    )
    # --- End of safety

    # --- Community (issue 14): the practitioner, invited to write, published an article that
    # takes anonymous comments; the client's first comment on it waits for a moderator, and
    # she asked to hear of replies (the signed link stops that).
    invite_contributor(admin=admin, practitioner=practitioner)
    community_article = save_article(
        author=practitioner,
        title="What a duty week taught me",
        summary="Listening before acting.",
        body="Some weeks teach you to listen before you act.",
        publish=True,
        anonymous_comments=True,
    )
    objects["community_article_slug"] = community_article.slug
    objects["community_comment"] = post_comment(
        article=community_article, author=client, body="Thank you.", notify_replies=True
    )
    objects["community_unsubscribe_token"] = unsubscribe_token(objects["community_comment"].pk)
    # The practitioner's own reply on her article, which the moderator published: what anyone
    # may report (safety's report flow).
    objects["community_published_comment"] = moderate_comment(
        comment=post_comment(
            article=community_article, author=practitioner, body="Thank you for reading."
        ),
        moderator=moderator,
        publish=True,
    )
    # --- End of community

    # --- Legal holds (rights-community): an administrator holds the case's records, so the
    # admin's legal hold pages have a real row.
    objects["legal_hold"] = place_legal_hold(
        actor=admin, case=case, reason="A complaint to the regulator is open."
    )
    # --- End of legal holds

    # --- The public API (api): the client's personal access token, to read her messages.
    objects["api_token"] = create_api_token(
        person=client, name="Phone app", scopes=["messaging:read"], days=30, now=NOW
    )[0]
    # --- End of the public API
    # --- The API: community, own data, profiles and attachments (api-community): Sam's
    # profile is not published, so his id names a profile only he may read.
    objects["unlisted_practitioner_person"] = supervisor
    # --- End of the API: community, own data, profiles and attachments

    # --- The API: reports, blocks, complaints and the regulator's view (api-safety): the
    # client's complaint about the practitioner, filed under her name, that she follows by its
    # reference (it goes to Social Work England, as the other one does).
    objects["client_complaint_reference"] = file_complaint(
        practitioner=practitioner,
        category="confidentiality",
        details="She told my neighbour about my case.",
        complainant=client,
    ).complaint.reference
    # --- End of the API: reports, blocks, complaints

    sessions = {name: _signed_in(person) for name, person in people.items() if person is not None}
    # The client is also signed in on another device: the session her pages can end.
    other_device = _signed_in(client)
    objects["user_session"] = UserSession.objects.get(session_key=other_device)
    objects["client_person"] = client
    # The client's data export, ready to download (rights-export).
    objects["data_export"] = build_export(export_id=str(request_export(person=client).pk))
    # --- Case transfer export (transfer): Amara's export of Robin's case, agreed to and
    # ready to download; then a second request, waiting for Robin's answer.
    agreed = ask_for_case_export(case=case, practitioner=practitioner)
    answer_case_export(export_id=str(agreed.pk), client=client, agree=True)
    objects["case_export"] = build_export(export_id=str(agreed.pk))
    objects["case_export_asking"] = ask_for_case_export(case=case, practitioner=practitioner)
    # --- End of case transfer export
    return World(people=people, sessions=sessions, objects=objects)


MISSING_VALUES.update({"client_complaint_reference": "CW-0000-0000"})


# --- Owner paths: photos, claim evidence, a security key -------------------------------------
# Objects behind routes that answer their owner only, made through the same pages and services
# people use: Amara's listed profile shows a photo (to anyone); Sam's unpublished profile has a
# photo only he sees; Amara's claim in Scotland carries evidence for its reviewers; Amara added
# a security key (the routes about one answer her, and 404 to anyone else).

MISSING_VALUES.update({"unlisted_profile_slug": "nobody-by-this-name"})


def _image(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (40, 90, 160)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def add_owners_files_and_keys(
    objects: dict[str, Any], *, practitioner: User, supervisor: User
) -> None:
    save_profile(practitioner=practitioner, details=profile_details(), photo=_image("me.png"))
    objects["unlisted_profile_slug"] = save_profile(
        practitioner=supervisor,
        details=profile_details(display_name="Sam Achebe", published=False),
        photo=_image("sam.png"),
    ).slug
    add_claim_evidence(
        claim=objects["pending_claim"],
        practitioner=practitioner,
        identity_document=_image("passport.png"),
        registration_document=SimpleUploadedFile("card.pdf", messaging.PDF_BYTES),
    )
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = _signed_in(practitioner)
    add_security_key(browser)
    objects["security_key"] = Authenticator.objects.get(
        user=practitioner, type=Authenticator.Type.WEBAUTHN
    )


# --- The place picker's lists (place) --------------------------------------------------------
# Reference data, the same for everyone: the Spanish list under its current version. An
# unknown language is missing (404); an old version still answers, briefly cached.

MISSING_VALUES.update({"places_language": "xx", "places_version": "0"})


def add_place_lists(objects: dict[str, Any]) -> None:
    objects["places_language"] = "es"
    objects["places_version"] = places_version("es")


# --- End of the place picker's lists ----------------------------------------------------------
