"""Informed consent to online services: the texts a client agrees to, and the one guard every
service that starts an online service calls.

Texts are versioned. A consent given to an earlier version keeps counting until a version that
``renews`` is published; from then on the client is asked again (the guard says so). Every text
covers what PRODUCT C6 names: the risks, the limits of confidentiality, what happens in an
emergency, and what happens if the connection drops.
"""

from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.care.models import Case, CaseStatus, Consent, OnlineSuitability, Technology

Text = str | Promise


@dataclass(frozen=True)
class ConsentText:
    technology: str
    version: str
    title: Text
    what: Text
    risks: Text
    confidentiality: Text
    emergency: Text
    connection: Text
    # A version that changes what the client agrees to: earlier consents stop counting.
    renews: bool = False

    @property
    def sections(self) -> tuple[tuple[Text, Text], ...]:
        return (
            (gettext_lazy("What it is"), self.what),
            (gettext_lazy("Risks"), self.risks),
            (gettext_lazy("Limits of confidentiality"), self.confidentiality),
            (gettext_lazy("In an emergency"), self.emergency),
            (gettext_lazy("If the connection drops"), self.connection),
        )


_CONFIDENTIALITY = gettext_lazy(
    "What you share stays between you and your social worker (and their supervisor, if they "
    "have one). Your social worker must break confidentiality if you or someone else is at "
    "serious risk of harm, if a child or an adult at risk needs protecting, or if a court "
    "orders it. They will tell you first whenever they safely can."
)
_EMERGENCY = gettext_lazy(
    "Online services are not an emergency service. If you are in danger now, call your local "
    "emergency number. Your social worker keeps your location, an emergency contact and a "
    "crisis plan with you, and may use them if they believe you are in danger."
)

TEXTS: tuple[ConsentText, ...] = (
    ConsentText(
        technology=Technology.VIDEO,
        version="2026-01",
        title=gettext_lazy("Sessions by video"),
        what=gettext_lazy(
            "Sessions with your social worker take place by video in your browser. Nobody "
            "records them. At the start of each session you confirm where you are."
        ),
        risks=gettext_lazy(
            "Someone near you could overhear. Choose a private place, use headphones if you can, "
            "and do not join from a shared or work device if others can see it."
        ),
        confidentiality=_CONFIDENTIALITY,
        emergency=_EMERGENCY,
        connection=gettext_lazy(
            "If the call drops, your social worker calls back through Casework within five "
            "minutes. If that fails, they message you to arrange the rest of the session."
        ),
    ),
    ConsentText(
        technology=Technology.MESSAGING,
        version="2026-01",
        title=gettext_lazy("Secure messages"),
        what=gettext_lazy(
            "You and your social worker can write to each other between sessions. Messages are "
            "stored encrypted. Your social worker reads them during their working hours, not "
            "straight away."
        ),
        risks=gettext_lazy(
            "Anyone who can open your account or your device could read your messages. Sign out "
            "on shared devices, and keep your password to yourself."
        ),
        confidentiality=_CONFIDENTIALITY,
        emergency=_EMERGENCY,
        connection=gettext_lazy(
            "A message that could not be sent stays in your message box with an error, so you "
            "can send it again. Nothing is lost."
        ),
    ),
    ConsentText(
        technology=Technology.CHECK_INS,
        version="2026-01",
        title=gettext_lazy("Check-ins between sessions"),
        what=gettext_lazy(
            "Your social worker may ask you to answer short questionnaires on a schedule. Your "
            "answers and scores are stored encrypted and shown to your social worker as a trend."
        ),
        risks=gettext_lazy(
            "Your reminder emails say only that a check-in is ready, never what it asks. Anyone "
            "who can open your email could follow the link in one of them before it expires."
        ),
        confidentiality=_CONFIDENTIALITY,
        emergency=gettext_lazy(
            "Check-ins are not watched around the clock. If an answer suggests you may be at "
            "risk, your social worker is alerted at once and you are shown crisis lines for "
            "where you are; if you are in danger now, call your local emergency number."
        ),
        connection=gettext_lazy(
            "If sending fails, your answers stay on the page so you can send them again. A "
            "check-in you cannot answer in time is marked missed; nothing else happens."
        ),
    ),
)


# The first texts said the social worker "keeps" a location, an emergency contact and a crisis
# plan, which read as if they were on record when none yet was. The wording now says they are
# agreed with the client; what the client agrees to is unchanged, so earlier consents count.
_EMERGENCY_AGREED = gettext_lazy(
    "Online services are not an emergency service. If you are in danger now, call your local "
    "emergency number. Your social worker agrees with you where you are, an emergency contact "
    "and a crisis plan, and may use them if they believe you are in danger. Your care page "
    "shows which of these are on record."
)
TEXTS = (
    *TEXTS,
    *(
        replace(text, version="2026-12", emergency=_EMERGENCY_AGREED)
        for text in TEXTS
        if text.emergency is _EMERGENCY
    ),
)


def texts_for(technology: str) -> list[ConsentText]:
    return [text for text in TEXTS if text.technology == technology]


def current_text(technology: str) -> ConsentText:
    texts = texts_for(technology)
    if not texts:
        raise ValidationError(_("There is no online service of that kind."), code="technology")
    return texts[-1]


def text_version(technology: str, version: str) -> ConsentText | None:
    return next((text for text in texts_for(technology) if text.version == version), None)


def accepted_versions(technology: str) -> set[str]:
    """Versions whose consent still counts: from the last one that renews, onwards."""
    texts = texts_for(technology)
    start = max((i for i, text in enumerate(texts) if text.renews), default=0)
    return {text.version for text in texts[start:]}


def live_consent(case: Case, technology: str) -> Consent | None:
    return Consent.objects.filter(
        case=case,
        technology=technology,
        withdrawn_at__isnull=True,
        text_version__in=sorted(accepted_versions(technology)),
    ).first()


def require_consent(case: Case, technology: str) -> Consent:
    """The client's live consent to ``technology`` in this case, or a ValidationError saying
    why the service cannot start. Every service that starts an online service calls this."""
    if technology not in Technology.values:
        raise ValidationError(_("There is no online service of that kind."), code="technology")
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is closed."), code="case_closed")
    if case.status == CaseStatus.PAUSED:
        raise ValidationError(
            _("This case is paused: resume it before starting a service."), code="case_paused"
        )
    if case.online_suitability == OnlineSuitability.NOT_SUITABLE:
        raise ValidationError(
            _(
                "Online work was recorded as not suitable for this client: offer the "
                "alternative instead."
            ),
            code="not_suitable",
        )
    if case.online_suitability == OnlineSuitability.UNASSESSED:
        raise ValidationError(
            _("Record first whether online work suits this client."), code="unassessed"
        )
    consent = live_consent(case, technology)
    if consent is None:
        raise ValidationError(
            _(
                "%(client)s has not consented to %(service)s. They can give consent from their "
                "own care page."
            )
            % {
                "client": case.client.display_name,
                "service": Technology(technology).label.lower(),
            },
            code="no_consent",
        )
    return consent
