"""Proof of control by a one-time code sent to the contact address the register holds.

The regulator's own export supplies the address (``RegisterEntry.contact_email``), so a code
that comes back proves the claimant reads the registrant's mail, which a public register
cannot give an impostor. Codes are random, stored only as a keyed hash, good once, for
``CODE_LIFETIME`` and ``CODE_ATTEMPTS`` tries; a new one can be asked for after
``RESEND_AFTER``, at most ``CODES_PER_DAY`` a day. The view also rate-limits guesses per person.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.claims import lock_claim, verify_claim
from casework.registry.models import ClaimCode, RegistrationClaim
from casework.registry.notifications import send_claim_code_email

CODE_DIGITS = 8
CODE_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5
RESEND_AFTER = timedelta(minutes=1)
CODES_PER_DAY = 5
# Codes a person may try in all (every claim, every code), for django-ratelimit.
GUESS_RATE = "10/h"

State = RegistrationClaim.State


def code_route_open(claim: RegistrationClaim) -> bool:
    """Whether this claim may be proved by an emailed code: it awaits proof (or was verified
    by a name match alone) and the register gives a contact address for its entry."""
    awaiting = claim.state == State.AWAITING_PROOF or (
        claim.state == State.VERIFIED
        and claim.proof_route == RegistrationClaim.ProofRoute.NAME_MATCH
    )
    return awaiting and claim.entry is not None and bool(claim.entry.contact_email)


def _code_hash(claim_id: int, code: str) -> str:
    # Keyed: eight digits are few enough to try them all against a bare hash.
    return salted_hmac(f"casework.registry.claim-code:{claim_id}", code).hexdigest()


def send_claim_code(*, claim: RegistrationClaim, practitioner: User) -> None:
    """Send a fresh code to the register's contact address for the claimed entry; earlier
    codes of the claim stop working."""
    with transaction.atomic():
        claim = lock_claim(claim.pk, practitioner=practitioner)
        if not code_route_open(claim):
            raise ValidationError(_("The register gives no contact address for this registration."))
        now = timezone.now()
        recent = ClaimCode.objects.filter(claim=claim, created_at__gt=now - timedelta(days=1))
        latest = recent.first()
        if latest is not None and now - latest.created_at < RESEND_AFTER:
            raise ValidationError(
                _("We sent a code less than a minute ago. Wait a minute before asking again.")
            )
        if recent.count() >= CODES_PER_DAY:
            raise ValidationError(
                _("We have sent five codes for this claim today. Try again tomorrow.")
            )
        ClaimCode.objects.filter(claim=claim, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        ClaimCode.objects.create(
            claim=claim,
            code_hash=_code_hash(claim.pk, code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        record_event(
            action=actions.REGISTRY_CLAIM_CODE_SENT,
            actor=practitioner,
            target=claim,
            subject_id=practitioner.pk,
        )
        assert claim.entry is not None  # noqa: S101  (code_route_open checked it)
        transaction.on_commit(
            partial(
                send_claim_code_email,
                to=claim.entry.contact_email,
                code=code,
                claim_id=claim.pk,
                minutes=int(CODE_LIFETIME.total_seconds() // 60),
            )
        )


@dataclass(frozen=True)
class _Outcome:
    refusal: str = ""


def prove_claim_by_code(
    *, claim: RegistrationClaim, practitioner: User, code: str
) -> RegistrationClaim:
    """Verify the claim when ``code`` is its latest code, unused, unexpired and within its
    tries. A wrong code counts as a try even though the answer is a refusal."""
    typed = "".join(code.split())
    with transaction.atomic():
        outcome = _check_code(claim.pk, practitioner, typed)
    if outcome.refusal:
        raise ValidationError(outcome.refusal)
    claim.refresh_from_db()
    return claim


def _check_code(claim_id: int, practitioner: User, typed: str) -> _Outcome:
    claim = lock_claim(claim_id, practitioner=practitioner)
    if not code_route_open(claim):
        return _Outcome(_("This claim cannot be proved by a code."))
    now = timezone.now()
    latest = ClaimCode.objects.select_for_update().filter(claim=claim).first()
    if latest is None or latest.used_at is not None or latest.expires_at <= now:
        return _Outcome(_("This code has expired or was already used. Ask for a new code."))
    if latest.attempts >= CODE_ATTEMPTS:
        return _Outcome(_("Too many wrong codes. Ask for a new code."))
    if not typed.isdigit() or not constant_time_compare(
        latest.code_hash, _code_hash(claim.pk, typed)
    ):
        latest.attempts += 1
        latest.save(update_fields=["attempts"])
        record_event(
            action=actions.REGISTRY_CLAIM_CODE_REFUSED,
            actor=practitioner,
            target=claim,
            subject_id=practitioner.pk,
        )
        return _Outcome(_("That code is not right. Check the email and try again."))
    latest.used_at = now
    latest.save(update_fields=["used_at"])
    try:
        with transaction.atomic():
            verify_claim(
                claim=claim,
                route=RegistrationClaim.ProofRoute.EMAILED_CODE,
                proved_by=practitioner,
                now=now,
            )
    except ValidationError as error:
        return _Outcome(" ".join(error.messages))
    return _Outcome()
