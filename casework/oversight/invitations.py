"""Officers join by an administrator's invitation to one regulator.

The link carries a random token; the database keeps only its SHA-256, so a copy of the table
opens nothing. A link works once, for ``INVITATION_DAYS``, for the address it was sent to.
Whoever accepts becomes an officer of that regulator and, like all staff, opens nothing until
they have set up a second factor (``accounts.middleware.StaffMFARequiredMiddleware``).
"""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.emails import send_email
from casework.oversight.models import OfficerInvitation
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.credentials.addresses import public_url
from casework.registry.models import Regulator, RegulatorOfficer

INVITATION_DAYS = 7


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def address_problem(email: str) -> str:
    """Why an officer cannot be invited at this address, in words; empty when one can. The
    admin's form asks first, so that the administrator reads it beside the address."""
    existing = User.objects.filter(email__iexact=email.strip()).only("role").first()
    if existing is not None and existing.role != Role.OFFICER:
        return str(_("This address belongs to an account that is not a regulator officer's."))
    return ""


def invite_officer(
    *, email: str, regulator: Regulator, invited_by: User
) -> tuple[OfficerInvitation, str]:
    """Send an invitation; returns it and its token (shown to nobody but the email)."""
    if invited_by.role != Role.ADMIN:
        raise ValidationError(_("Only platform administrators invite officers."))
    email = email.strip().lower()
    problem = address_problem(email)
    if problem:
        raise ValidationError(problem)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = OfficerInvitation.objects.create(
            email=email,
            regulator=regulator,
            token_hash=_hash(token),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        record_event(
            action=actions.OVERSIGHT_OFFICER_INVITED,
            actor=invited_by,
            target=invitation,
            detail={"regulator": regulator.slug},
        )
        link = public_url("oversight:accept_invitation", token=token)
        with translation.override("en"):
            context = {"regulator": regulator, "link": link, "days": INVITATION_DAYS}
            subject = render_to_string("oversight/email/invitation_subject.txt", context)
            body = render_to_string("oversight/email/invitation_message.txt", context)
        # Sealed until sent: the link opens an officer's account.
        send_email(
            to=[email], subject=" ".join(subject.split()), body=body.strip(), kind="invitation"
        )
    return invitation, token


def find_invitation(token: str) -> OfficerInvitation | None:
    if not token or len(token) > 100:
        return None
    return (
        OfficerInvitation.objects.select_related("regulator")
        .filter(token_hash=_hash(token))
        .first()
    )


def invitation_problem(invitation: OfficerInvitation | None) -> str:
    """Why the link cannot be used, in words; empty when it can."""
    if invitation is None:
        return _("This invitation link is not valid. Ask the administrator for a new one.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used. Sign in instead.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask the administrator for a new one.")
    return ""


def accept_invitation(
    *,
    token: str,
    signed_in: User | None,
    legal_name: str = "",
    password: str = "",
) -> User:
    """Accept an invitation: a new officer's account, or (signed in as the invited officer)
    a membership of one more regulator. Single use: a second acceptance, even at the same
    moment, is refused."""
    with transaction.atomic():
        invitation = (
            OfficerInvitation.objects.select_for_update()
            .select_related("regulator")
            .filter(token_hash=_hash(token))
            .first()
            if token and len(token) <= 100
            else None
        )
        problem = invitation_problem(invitation)
        if problem:
            raise ValidationError(problem)
        assert invitation is not None  # noqa: S101  (invitation_problem said so)
        if signed_in is not None:
            if signed_in.email.lower() != invitation.email or signed_in.role != Role.OFFICER:
                raise ValidationError(
                    _("This invitation is for another address. Sign out, then open it again.")
                )
            officer = signed_in
        else:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise ValidationError(
                    _("An account with this address exists: sign in, then open the link again.")
                )
            legal_name = legal_name.strip()
            if not legal_name:
                raise ValidationError(_("Enter your name as your colleagues know it."))
            officer = User(email=invitation.email, role=Role.OFFICER, legal_name=legal_name)
            validate_password(password, officer)
            officer.set_password(password)
            officer.full_clean(exclude=["password"])
            officer.save()
            # The link reached this address: it is verified.
            EmailAddress.objects.create(
                user=officer, email=officer.email, primary=True, verified=True
            )
        RegulatorOfficer.objects.get_or_create(officer=officer, regulator=invitation.regulator)
        invitation.accepted_at, invitation.accepted_by = timezone.now(), officer
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record_event(
            action=actions.OVERSIGHT_INVITATION_ACCEPTED,
            actor=officer,
            target=invitation,
            subject_id=officer.pk,
            detail={"regulator": invitation.regulator.slug, "new_account": signed_in is None},
        )
    return officer


def invitation_path(token: str) -> str:
    return reverse("oversight:accept_invitation", kwargs={"token": token})
